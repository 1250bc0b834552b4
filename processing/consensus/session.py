"""A consensus session: two raters' work side by side, their disagreements decided into a third.

:class:`ConsensusSession` reads raters A and B of one participant read-only
(review mode), builds their disagreement queue (:mod:`~processing.consensus.queue`)
and decides it, item by item, into the consensus rater C (default
``consensus``) through C's normal :class:`~processing.annotations.session.AnnotationSession`:
C's rater lock is held while the session is open, every decision is journaled
and audited (:mod:`~processing.consensus.decide`), and a kill loses at most
the decision in progress. Items whose decision is in C's audit log are not
offered again. Opening is audited too (``consensus_open``): this is the one
place where raters' work is seen side by side; rating mode stays blinded.

The app listens to :attr:`ConsensusSession.events` (``current``, ``decided``,
``progress``), jumps the grid to the current item's visit, centre and radius,
lets the brush paint into :attr:`ConsensusSession.labels`, and calls
:meth:`~ConsensusSession.next`, :meth:`~ConsensusSession.previous` and
:meth:`~ConsensusSession.decide`.
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from processing.annotations.labels import LabelVolume
from processing.annotations.session import AnnotationSession
from processing.annotations.store import RaterStore
from processing.annotations.workspace import RaterWorkspace, ReviewWorkspace
from processing.consensus.decide import DECISION_ACTION, Decision, allowed_rules, apply_decision
from processing.consensus.events import ConsensusEvents
from processing.consensus.queue import AGREED, DICE_THRESHOLD, QueueItem, all_items
from processing.consensus.sources import (
    ALL_LESIONS,
    LesionFilter,
    check_same_grid,
    load_rater_lesions,
)
from processing.errors import FerretError
from processing.review.walk import QueueWalk, WalkingSession, decided_ids
from processing.spaces.grid import Grid

OPEN_ACTION = "consensus_open"


@dataclass(frozen=True)
class Progress:
    """How many of the queue's items are decided."""

    decided: int
    total: int

    @property
    def left(self) -> int:
        """Items still to decide."""
        return self.total - self.decided

    def __str__(self) -> str:
        return f"{self.left} of {self.total} left"


def decided_item_ids(store: RaterStore) -> set[str]:
    """IDs of the items whose decision is in the consensus store's audit log."""
    return decided_ids(store, DECISION_ACTION)


class ConsensusSession(WalkingSession):
    """Decide the disagreements of two raters on one participant into a consensus rater.

    Parameters
    ----------
    study_root : str or Path
        The study.
    participant : str
        ``sub-XX``.
    raters : sequence of str
        The two raters compared, A first.
    into : str
        The consensus rater (created when new; its lock is held until :meth:`close`).
    decider : str, optional
        Who decides (recorded on every decision); the login name by default.
    dice_threshold : float
        Matched pairs below this Dice are queued.
    selection : LesionFilter
        Which of the raters' lesions take part (type, visit).
    agreed_rule : str or None
        How the pairs the raters agree on (not queued) are written into the
        consensus on open, each audited as a decision of ``decider`` marked
        ``auto`` (``union`` by default); None leaves them out (a consensus
        started by ``ferret consensus build`` already holds them).
    **options
        Passed to :class:`AnnotationSession` (``checkpoint_delay``, ``backup_interval``).

    Raises
    ------
    FerretError
        For other than two distinct raters, C among them, grids that differ, or C
        already open elsewhere.
    """

    def __init__(
        self,
        study_root: str | Path,
        participant: str,
        raters: Sequence[str],
        *,
        into: str = "consensus",
        decider: str | None = None,
        dice_threshold: float = DICE_THRESHOLD,
        selection: LesionFilter = ALL_LESIONS,
        agreed_rule: str | None = "union",
        **options,
    ):
        if len(raters) != 2 or len(set(raters)) != 2 or into in raters:
            raise FerretError(
                f"a consensus session compares two raters into a third (got {', '.join(raters)} "
                f"into {into}).",
                fix="use e.g. --consensus AB,CD --rater consensus.",
            )
        review = ReviewWorkspace(study_root)
        self.sources = {r: load_rater_lesions(review, r, participant, selection) for r in raters}
        first, second = self.sources.values()
        check_same_grid(first, second, review)
        self.participant, self.decider = participant, decider or getpass.getuser()
        everything = all_items(first, second, dice_threshold)
        self.items: list[QueueItem] = [i for i in everything if i.kind != AGREED]
        self.agreed: list[QueueItem] = [i for i in everything if i.kind == AGREED]
        self.workspace = RaterWorkspace(study_root, into)
        try:
            grid = Grid(first.labels.shape, first.affine)
            self.annotation: AnnotationSession = self.workspace.open_session(
                participant, grid, **options
            )
        except BaseException:
            self.workspace.close()
            raise
        self.walk = QueueWalk(
            self.items, decided_item_ids(self.annotation.store), ConsensusEvents()
        )
        self.decided, self.events = self.walk.decided, self.walk.events
        self._log_open(list(raters), into, dice_threshold)
        if agreed_rule is not None:
            self._settle_agreed(agreed_rule)

    # -- what the app shows ------------------------------------------------------
    @property
    def labels(self) -> LabelVolume:
        """The consensus label volume (the brush and fill tools paint here)."""
        return self.annotation.labels

    @property
    def progress(self) -> Progress:
        """Decided and total items of the queue."""
        return Progress(*self.walk.counts())

    def rules(self, item: QueueItem) -> tuple[str, ...]:
        """Return the decisions offered for ``item``."""
        return allowed_rules(item)

    # -- walking the queue (next, previous, go_to: WalkingSession) ----------------------
    def prepare_edit(self, item: QueueItem) -> None:
        """Let lesions painted from now on get the item's agreed type and visit (``edited``)."""
        self.annotation.lesion_type = item.prefill.type
        self.annotation.visit = item.visit

    # -- deciding ----------------------------------------------------------------------
    def decide(self, item: QueueItem, rule: str, lesion_ids=None) -> Decision:
        """Apply ``rule`` to ``item``, store it, and move on to the next undecided item.

        Parameters
        ----------
        item : QueueItem
            An undecided item of this session's queue.
        rule : str
            One of :meth:`rules` of the item.
        lesion_ids : iterable of int, optional
            For ``edited``: the consensus lesions painted for it (default: those in
            the item's footprint).
        """
        if item.item_id in self.decided:
            raise FerretError(
                f"item {item.item_id} is already decided.", fix="go to the next item."
            )
        decision = apply_decision(
            self.annotation, item, rule, self.sources, self.decider, lesion_ids
        )
        self.decided.add(item.item_id)
        self.events.decided.notify(decision)
        self.events.progress.notify(self.progress)
        self.next()
        return decision

    # -- lifetime ----------------------------------------------------------------------
    def close(self) -> None:
        """Flush the consensus, close its session and release its lock."""
        self.workspace.close()

    def __enter__(self) -> ConsensusSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _settle_agreed(self, rule: str) -> None:
        """Write every agreeing pair not yet settled into the consensus by ``rule``."""
        for item in self.agreed:
            if item.item_id not in self.decided:
                apply_decision(self.annotation, item, rule, self.sources, self.decider, auto=True)
                self.decided.add(item.item_id)

    def _log_open(self, raters: list[str], into: str, threshold: float) -> None:
        self.annotation.store.log_event(
            OPEN_ACTION,
            after={
                "raters": raters,
                "into": into,
                "decider": self.decider,
                "dice_threshold": threshold,
                "items": len(self.items),
                "decided": self.progress.decided,
            },
        )
