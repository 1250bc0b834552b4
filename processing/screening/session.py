"""A screening session: one rater decides one participant's candidates (or visits), one by one.

:class:`ScreeningSession` holds the rater's lock and annotation session (as
rating mode does, :class:`~processing.annotations.workspace.RaterWorkspace`),
walks its queue with :class:`~processing.review.walk.QueueWalk` and decides:

- ``accept`` (a candidate): seeded region growing on the map the kind was
  found on (:mod:`~processing.screening.kinds`: an A-CMI bright on the visit's
  reference-space b1000 trace, a microbleed dark on its SWI) becomes a lesion
  of that type at that visit in the rater's labels
  (:mod:`~processing.screening.accept`), journaled like a brush stroke; an
  accepted microbleed gets its certainty (definite by default, or possible);
- ``reject`` (a candidate): nothing is painted;
- ``screened`` (a visit of the visit-by-visit walk): the rater looked at it
  and painted what they found (lesions painted while an item is shown get its
  visit as onset, :meth:`ScreeningSession.prepare_edit`).

Each decision ends with one ``screening_decision`` audit row (``field``: the
item ID), its commit mark: on reopen the items with one are skipped, and a
kill loses at most the decision in progress. Opening is audited as well
(``screening_open``). The app listens to :attr:`ScreeningSession.events`.

:meth:`ScreeningSession.reload` reads the candidate tables again (the engine
rewrote one while the session was open): the queue becomes the new tables',
every stored decision stays (a candidate that is gone keeps its decision in
the store, and counts no more), the candidate shown stays shown if it is still
there; one ``screening_reload`` audit row says what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from processing.annotations.labels import LabelVolume
from processing.annotations.session import AnnotationSession
from processing.annotations.workspace import RaterWorkspace
from processing.candidates.series import map_files
from processing.candidates.table import candidates_file
from processing.errors import FerretError
from processing.fileio import load_nifti
from processing.review.events import QueueEvents
from processing.review.walk import QueueWalk, WalkingSession
from processing.screening.accept import LESION_TYPE, to_label_grid, write_accepted
from processing.screening.grow import grow_region
from processing.screening.items import (
    ScreeningItem,
    candidate_items,
    participant_items,
    visit_items,
)
from processing.screening.kinds import ACCEPT_RULES, CERTAINTIES, CERTAINTY_FIELD, AcceptRule
from processing.spaces.reference import reference_grid
from processing.study import discover

DECISION_ACTION, OPEN_ACTION = "screening_decision", "screening_open"
RELOAD_ACTION = "screening_reload"
WALKS = ("candidates", "visits")


@dataclass(frozen=True)
class ScreeningProgress:
    """How many items are reviewed, and how many of them accepted."""

    reviewed: int
    total: int
    accepted: int

    def __str__(self) -> str:
        return f"{self.reviewed} of {self.total} reviewed, {self.accepted} accepted"


@dataclass(frozen=True)
class ScreeningReload:
    """What reading the candidate tables again changed.

    Attributes
    ----------
    added, removed : int
        Candidates new in the tables, and candidates no longer in them.
    total : int
        Items of the new queue.
    current_kept : bool
        The item shown is still in the queue (and still shown).
    """

    added: int
    removed: int
    total: int
    current_kept: bool

    def __str__(self) -> str:
        if not self.added and not self.removed:
            return f"the candidates were written again, the same {self.total}"
        return f"{self.added} new, {self.removed} gone, {self.total} in the queue; decisions kept"


@dataclass(frozen=True)
class ScreeningDecision:
    """A stored decision: the item, what was decided and the lesions written (or adopted)."""

    item_id: str
    decision: str
    lesions: tuple[int, ...] = ()


class ScreeningSession(WalkingSession):
    """Screen ``participant``'s candidates (or its visits) as ``rater``.

    Parameters
    ----------
    study_root : str or Path
    participant : str
        ``sub-XX``.
    rater : str
        Whose annotations the accepted lesions go into (its lock is held until :meth:`close`).
    kind : str, optional
        Only the candidates of this kind (the table ``..._kind-<kind>_candidates.csv``);
        by default every kind the participant has a table of
        (:func:`~processing.screening.items.participant_items`).
    walk : str
        ``candidates`` (the ranked tables) or ``visits`` (visit by visit, no table needed).
    **options
        Passed to :class:`AnnotationSession` (``checkpoint_delay``, ``backup_interval``).

    Raises
    ------
    FerretError
        Unknown participant or walk, missing or damaged candidate table, the
        rater's annotations open elsewhere.
    """

    def __init__(
        self,
        study_root: str | Path,
        participant: str,
        rater: str,
        kind: str | None = None,
        *,
        walk: str = "candidates",
        **options,
    ):
        if walk not in WALKS:
            raise FerretError(f"unknown screening walk {walk!r}.", fix="use candidates or visits.")
        if kind is not None and kind not in ACCEPT_RULES:
            raise FerretError(
                f"unknown candidate kind {kind!r}.", fix=f"use one of {', '.join(ACCEPT_RULES)}."
            )
        study = discover(study_root)
        if participant not in study.participants:
            raise FerretError(f"{participant} is not in this study.", study_root)
        self.visits = {v.session: v for v in study.participants[participant].visits}
        self.study_root, self.participant, self.rater = Path(study_root), participant, rater
        self.kind, self.walk_name = kind, walk
        items = self._read_items()
        self.workspace = RaterWorkspace(study_root, rater)
        try:
            new = not (self.workspace.folder / participant).exists()
            grid = reference_grid(study_root, participant) if new else None
            self.annotation: AnnotationSession = self.workspace.open_session(
                participant, grid, lesion_type=LESION_TYPE, **options
            )
        except BaseException:
            self.workspace.close()
            raise
        stored = {
            row["field"]: row["after"]
            for row in self.annotation.store.audit_log()
            if row["action"] == DECISION_ACTION
        }
        self.walk = QueueWalk(items, stored, QueueEvents())
        self.decided, self.events = self.walk.decided, self.walk.events
        self.accepted = {i for i, after in stored.items() if after.get("decision") == "accept"}
        self._map: tuple[str, str, np.ndarray, np.ndarray] | None = None
        self.annotation.store.log_event(
            OPEN_ACTION, after={"walk": walk, "kind": kind, "items": len(items), **self._counts()}
        )

    def _read_items(self) -> list[ScreeningItem]:
        if self.walk_name == "visits":
            return visit_items(self.participant, list(self.visits))
        if self.kind is None:
            return participant_items(self.study_root, self.participant)
        return candidate_items(self.study_root, self.participant, self.kind)

    @property
    def items(self) -> list[ScreeningItem]:
        """The queue, in order."""
        return self.walk.items

    @property
    def tables(self) -> list[Path]:
        """The candidate tables the queue is read from, present or not (none for the visit walk)."""
        if self.walk_name == "visits":
            return []
        kinds = [self.kind] if self.kind is not None else list(ACCEPT_RULES)
        return [candidates_file(self.study_root, self.participant, kind) for kind in kinds]

    def tables_stamp(self) -> tuple:
        """``(name, size, modification ns)`` of each table present: it changes when one is rewritten."""
        stamps = []
        for path in self.tables:
            try:
                info = path.stat()
            except OSError:
                continue
            stamps.append((path.name, info.st_size, info.st_mtime_ns))
        return tuple(stamps)

    def reload(self) -> ScreeningReload:
        """Read the candidate tables again and walk the new queue (see the module docstring).

        ``events.reloaded`` is notified with the summary, then ``progress``, then
        ``current`` when the item shown is gone (the next undecided one is shown).

        Raises
        ------
        FerretError
            A table is missing, unreadable or damaged now: the queue stays as it was.
        """
        items = self._read_items()
        before, after = {i.item_id for i in self.items}, {i.item_id for i in items}
        kept = self.walk.replace(items)
        summary = ScreeningReload(len(after - before), len(before - after), len(items), kept)
        self.annotation.store.log_event(
            RELOAD_ACTION,
            after={"added": summary.added, "removed": summary.removed, "items": len(items)},
        )
        self.events.reloaded.notify(summary)
        self.events.progress.notify(self.progress)
        if not kept:
            self.events.current.notify(self.walk.current)
        return summary

    # -- what the app shows ------------------------------------------------------------
    @property
    def labels(self) -> LabelVolume:
        """The rater's label volume (accepted lesions land here; the brush paints here)."""
        return self.annotation.labels

    @property
    def progress(self) -> ScreeningProgress:
        """Reviewed, total and accepted items of the queue."""
        reviewed, total = self.walk.counts()
        ids = {item.item_id for item in self.items}
        return ScreeningProgress(reviewed, total, len(ids & self.accepted))

    def choices(self, item: ScreeningItem) -> tuple[str, ...]:
        """Return the decisions offered for ``item``."""
        return ("accept", "reject") if item.is_candidate else ("screened",)

    def rule(self, item: ScreeningItem) -> AcceptRule | None:
        """Return what accepting ``item`` makes (None for a visit of the visit-by-visit walk)."""
        return ACCEPT_RULES[item.kind] if item.kind is not None else None

    def prepare_edit(self, item: ScreeningItem) -> None:
        """Let lesions painted from now on be of the item's type (A-CMI for a visit), at its visit.

        A painted A-CMI gets that visit as onset.
        """
        rule = self.rule(item)
        self.annotation.lesion_type = rule.lesion_type if rule is not None else LESION_TYPE
        self.annotation.visit = item.visit

    # -- deciding ------------------------------------------------------------------------
    def accept(
        self, item: ScreeningItem | None = None, certainty: str | None = None
    ) -> ScreeningDecision:
        """Accept ``item`` (default: the current one) as a new lesion of its kind; move on.

        ``certainty`` of an accepted microbleed: ``definite`` (the default) or ``possible``.
        """
        return self.decide(item, "accept", certainty=certainty)

    def reject(self, item: ScreeningItem | None = None) -> ScreeningDecision:
        """Reject ``item`` (default: the current one); move on."""
        return self.decide(item, "reject")

    def decide(
        self, item: ScreeningItem | None, decision: str, *, certainty: str | None = None
    ) -> ScreeningDecision:
        """Store ``decision`` on ``item`` (default: the current one) and show the next undecided.

        ``certainty``: see :meth:`accept` (ignored for kinds without one).
        """
        item = item or self.current
        if item is None:
            raise FerretError("no item is shown.", fix="press N to go to the next undecided one.")
        if decision not in self.choices(item):
            raise FerretError(
                f"{decision!r} does not apply to {item.describe()}.",
                fix=f"use {' or '.join(self.choices(item))}.",
            )
        if item.item_id in self.decided:
            raise FerretError(f"{item.describe()} is already decided.", fix="go to the next item.")
        if certainty is not None and certainty not in CERTAINTIES:
            raise FerretError(f"unknown certainty {certainty!r}.", fix="use definite or possible.")
        lesions: tuple[int, ...] = ()
        adopted, grown = False, dict[str, float | str]()
        if decision == "accept":
            lesions, adopted, grown = self._accept(item, certainty)
        self._log(item, decision, lesions, adopted, grown)
        self.walk.mark_decided(item.item_id)
        if decision == "accept":
            self.accepted.add(item.item_id)
        result = ScreeningDecision(item.item_id, decision, lesions)
        self.events.decided.notify(result)
        self.events.progress.notify(self.progress)
        self.next()
        return result

    def _accept(self, item: ScreeningItem, certainty: str | None):
        rule = self.rule(item)
        assert rule is not None and item.centre is not None
        name, sign, image, affine = self._map_of(item, rule)
        grown = grow_region(image, affine, item.centre, rule.grow, sign=sign)
        voxels = to_label_grid(grown.voxels, affine, self.labels.grid)
        if not len(voxels):
            raise FerretError(f"{item.describe()} lies outside the rater's label grid.")
        lesion, adopted = write_accepted(
            self.annotation, voxels, item.visit, rule.lesion_type, onset=rule.onset
        )
        record = grown.record() | {"map": name, "label_voxels": len(voxels)}
        if rule.certainty:
            rated = self.annotation.store.ratings().get(lesion, {}).get(CERTAINTY_FIELD)
            chosen = certainty or (rated if adopted and rated else CERTAINTIES[0])
            self.annotation.set_rating(lesion, CERTAINTY_FIELD, chosen)
            record[CERTAINTY_FIELD] = chosen
        return (lesion,), adopted, record

    def _map_of(self, item: ScreeningItem, rule: AcceptRule):
        """``(name, sign, data, affine)`` of the first of the rule's maps the visit has.

        The last map read is kept (the next candidate is often at the same visit).
        """
        files = map_files(self.visits[item.visit])
        channel = next((c for c in rule.maps if c.name in files), None)
        if channel is None:
            wanted = " or ".join(c.name for c in rule.maps)
            raise FerretError(
                f"{item.visit} has no reference-space {wanted} map to grow the lesion on.",
                self.visits[item.visit].path,
                "run `ferret process STUDY --steps resample`, or paint the lesion by hand.",
            )
        if self._map is None or self._map[:2] != (item.visit, channel.name):
            data, affine, _ = load_nifti(files[channel.name])
            self._map = (item.visit, channel.name, data, affine)
        return channel.name, channel.sign, self._map[2], self._map[3]

    def _log(self, item, decision: str, lesions, adopted: bool, grown: dict) -> None:
        before = {"visit": item.visit, "kind": item.kind, "rank": item.rank, "score": item.score}
        if item.centre is not None:
            before |= {"position": list(item.centre), "diameter_mm": item.diameter_mm}
        self.annotation.store.log_event(
            DECISION_ACTION,
            lesion_id=lesions[0] if lesions else None,
            field=item.item_id,
            before=before,
            after={
                "decision": decision,
                "decider": self.rater,
                "lesions": list(lesions),
                "adopted": adopted,
                "grown": grown,
            },
        )

    def _counts(self) -> dict:
        progress = self.progress
        return {"reviewed": progress.reviewed, "accepted": progress.accepted}

    # -- lifetime ------------------------------------------------------------------------
    def close(self) -> None:
        """Flush the labels, close the annotation session and release the rater's lock."""
        self.workspace.close()

    def __enter__(self) -> ScreeningSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
