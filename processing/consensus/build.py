"""``ferret consensus build``: fuse raters' annotations into a rater store of its own.

For every participant that all the raters annotated, the raters' masks are
fused (:mod:`~processing.consensus.fusion`), each 26-connected component of the
result becomes a lesion, and its records are carried over where the raters
agree (:mod:`~processing.consensus.carry`). The result is a normal rater store
(``rater-<NAME>/sub-XX/``, written through a rating session, so it has the
journal, the checkpoint, the audit log and the crash safety of any rater) plus
``sub-XX_consensus.json``: rule, raters, STAPLE's per-rater sensitivity and
specificity, each lesion's sources and every conflict left for a consensus
session to decide. A participant the target already holds lesions of is
refused unless ``replace`` is given; the old folder is then moved aside to
``rater-<NAME>/replaced-<time>/`` and never deleted.
"""

from __future__ import annotations

import datetime as _dt
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from processing.annotations.labels import as_box
from processing.annotations.workspace import RaterWorkspace, ReviewWorkspace
from processing.consensus.carry import CarriedLesion, carry_records
from processing.consensus.fusion import fuse_masks
from processing.consensus.sources import check_same_grid, common_participants, load_rater_lesions
from processing.errors import FerretError
from processing.fileio import write_json
from processing.matching.lesions import label_components
from processing.spaces.grid import Grid


@dataclass(frozen=True)
class BuiltParticipant:
    """What was written for one participant."""

    participant: str
    lesions: list[CarriedLesion]
    record: Path

    @property
    def conflicts(self) -> int:
        """Number of lesions with at least one value left undecided."""
        return sum(bool(lesion.conflicts) for lesion in self.lesions)


def build_consensus(
    study_root: str | Path, raters: list[str], rule: str, into: str, *, replace: bool = False
) -> list[BuiltParticipant]:
    """Fuse ``raters`` by ``rule`` into rater ``into`` for every participant they all annotated."""
    if len(set(raters)) < 2 or into in raters:
        raise FerretError(
            f"build a consensus of two or more raters into a new name (got {', '.join(raters)} "
            f"into {into}).",
            fix="use e.g. --raters AB,CD --into consensus.",
        )
    review = ReviewWorkspace(study_root)
    common, _ = common_participants(review, raters)
    built = []
    with RaterWorkspace(study_root, into) as target:
        for participant in common:
            lesions = {r: load_rater_lesions(review, r, participant) for r in raters}
            first = lesions[raters[0]]
            for other in raters[1:]:
                check_same_grid(first, lesions[other], review)
            _make_room(target.folder / participant, replace)
            built.append(_build_one(target, participant, lesions, rule))
    return built


def _build_one(
    target: RaterWorkspace, participant: str, lesions: dict, rule: str
) -> BuiltParticipant:
    fusion = fuse_masks({r: source.labels for r, source in lesions.items()}, rule)
    fused = label_components(fusion.mask)
    carried = carry_records(fused, lesions)
    first = next(iter(lesions.values()))
    session = target.open_session(participant, Grid(fused.shape, first.affine))
    session.origin = f"consensus-{rule}"
    session.labels.write(as_box(slice(0, n) for n in fused.shape), fused, "import")
    for lesion in carried:
        session.set_lesion_type(lesion.lesion_id, lesion.type)
        session.set_onset(lesion.lesion_id, lesion.onset_visit)
        for field_id, value in lesion.ratings.items():
            session.set_rating(lesion.lesion_id, field_id, value)
    session.flush()
    record = write_json(
        target.folder / participant / f"{participant}_consensus.json",
        {
            "rule": rule,
            "raters": list(lesions),
            "time": _dt.datetime.now(_dt.UTC).isoformat(),
            "performance": fusion.performance,
            "lesions": [asdict(lesion) for lesion in carried],
        },
    )
    return BuiltParticipant(participant, carried, record)


def _make_room(folder: Path, replace: bool) -> None:
    """Refuse to write over a participant's existing consensus, or move it aside when asked."""
    if not folder.exists():
        return
    if not replace:
        raise FerretError(
            "this consensus already holds annotations of the participant.",
            folder,
            "choose another --into name, or add --replace (the old folder is kept aside).",
        )
    stamp = _dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    aside = folder.parent / f"replaced-{stamp}" / folder.name
    aside.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(folder), str(aside))
