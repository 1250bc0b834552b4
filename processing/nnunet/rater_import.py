"""nnU-Net predictions become a rater of their own, through the normal (crash-safe, audited) store.

Each case's foreground (:mod:`processing.nnunet.predictions`) goes from its
native GRE grid into the participant's reference grid (nearest neighbour,
:mod:`processing.nnunet.lesions`); each connected component (26-connected)
becomes one lesion of the given type, with visit and onset the case's
session and origin ``nnunet``. Visits are imported in time order, and a
component touching a lesion already there (the same microbleed predicted
at an earlier visit) is that lesion, not a new one. Everything is read and
checked before the rater's store is opened; a store holding a person's
lesions (any origin but ``nnunet``) is refused unless asked for explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import ndimage

from processing.annotations.editing import CONNECTIVITY, components_as_lesions
from processing.annotations.schema import LESION_TYPES
from processing.annotations.workspace import (
    RaterWorkspace,
    ReviewWorkspace,
    rater_folder,
    read_only_store,
)
from processing.errors import FerretError
from processing.nnunet.cases import read_cases
from processing.nnunet.lesions import gre_to_reference, to_reference
from processing.nnunet.predictions import Prediction, read_predictions
from processing.spaces.grid import Grid
from processing.spaces.reference import reference_grid
from processing.study import discover
from processing.study.model import Study

ORIGIN = "nnunet"


@dataclass
class ImportReport:
    """Per case: the new lesion IDs and how many components were lesions already there."""

    rater: str
    cases: list[tuple[str, list[int], int]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Return the summary the command prints."""
        total = sum(len(ids) for _, ids, _ in self.cases)
        out = [f"imported {total} lesion(s) as rater {self.rater} from {len(self.cases)} cases"]
        out += [
            f"  case {name}: {len(ids)} new, {known} already there"
            for name, ids, known in self.cases
        ]
        return out


def import_predictions(
    study_root: str | Path,
    folder: str | Path,
    map_path: str | Path,
    rater: str,
    *,
    lesion_type: str = "CMB",
    probabilities: bool = False,
    threshold: float = 0.5,
    into_human_rater: bool = False,
) -> ImportReport:
    """Import an nnU-Net predictions folder as rater ``rater``; return what was imported.

    Raises
    ------
    FerretError
        An unknown lesion type, a human rater's store without ``into_human_rater``,
        or any problem of :func:`~processing.nnunet.predictions.read_predictions`;
        nothing is written then.
    """
    if lesion_type not in LESION_TYPES:
        raise FerretError(f"unknown lesion type {lesion_type!r}.", None, "use e.g. --type CMB.")
    study = discover(study_root)
    check_not_human(study.root, rater, into_human_rater)
    found = read_predictions(
        study, folder, read_cases(map_path), probabilities=probabilities, threshold=threshold
    )
    placed = _placed(study, rater, found)
    report = ImportReport(rater)
    with RaterWorkspace(study.root, rater) as workspace:
        for participant, (grid, visits) in placed.items():
            new = not (workspace.folder / participant).exists()
            session = workspace.open_session(
                participant, grid if new else None, lesion_type=lesion_type, origin=ORIGIN
            )
            for name, visit, mask in visits:
                session.visit = visit
                fresh, known = _new_components(mask, session.labels.data)
                _, ids = components_as_lesions(fresh, session.labels)
                for lesion_id in ids:
                    session.set_onset(lesion_id, visit)
                report.cases.append((name, ids, known))
    return report


def check_not_human(study_root: Path, rater: str, allowed: bool) -> None:
    """Refuse to add a model's lesions to a store that holds lesions a person made.

    Raises
    ------
    FerretError
        When a lesion of ``rater`` has an origin other than ``nnunet`` and not ``allowed``.
    """
    folder = rater_folder(study_root, rater)
    if allowed or not folder.is_dir():
        return
    for participant in ReviewWorkspace(study_root).participants_of(rater):
        with read_only_store(study_root, rater, participant) as store:
            human = [r for r in store.lesions(deleted=True) if not r.origin.startswith(ORIGIN)]
        if human:
            raise FerretError(
                f"rater {rater} holds lesions a person made ({participant}, origin "
                f"{human[0].origin!r}): a model's predictions would mix with them.",
                folder,
                "import as a rater of its own (e.g. --rater nnunet), or pass --into-human-rater.",
            )


def _placed(
    study: Study, rater: str, found: list[Prediction]
) -> dict[str, tuple[Grid, list[tuple[str, str, np.ndarray]]]]:
    """Return per participant the label grid and each case's reference-space mask, in visit order."""
    review = ReviewWorkspace(study.root)
    placed: dict[str, tuple[Grid, list[tuple[str, str, np.ndarray]]]] = {}
    for item in found:
        participant, session = item.case.participant, item.case.session
        if participant not in placed:
            grid = review.grid_of(rater, participant) or reference_grid(study.root, participant)
            placed[participant] = (grid, [])
        grid = placed[participant][0]
        ref_from_gre = gre_to_reference(study, participant, session)
        mask = to_reference(item.mask, item.grid, grid, ref_from_gre)
        placed[participant][1].append((item.case.case_id, session, mask))
    for participant, (_, visits) in placed.items():
        order = [v.session for v in study.participants[participant].visits]
        visits.sort(key=lambda entry: order.index(entry[1]))
    return placed


def _new_components(mask: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, int]:
    """Return the components of ``mask`` that touch no existing lesion, and how many did."""
    parts, count = ndimage.label(mask, structure=CONNECTIVITY)
    touched = np.unique(parts[(labels > 0) & (parts > 0)])
    return (parts > 0) & ~np.isin(parts, touched), int(touched.size)
