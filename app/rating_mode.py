"""Rating and review modes of the main window (blinding, issue 6), wiring only.

- Rating (``ferret open STUDY --rater R [--visit ses-YY]``): the grid overlays
  nothing of other raters and no planted truth (``overlay_mode="rating"``); a
  :class:`~app.annotation.RaterSession` of that rater on the shown participant
  is attached to the grid canvas (paint in any cell, the rater's own mask drawn
  over every cell) with its dock; choosing another participant closes the
  session and opens one for the new participant; closing the window closes it.
  The analysis dock (:mod:`app.analysis`) follows the rater's masks: its
  time-course figure and statistics recompute in the background after edits.
- Review (``--review`` or the Overlays menu toggle, never while rating): the
  grid shows every rater's labels.
- Damaged annotations: an interactive window asks the rater
  (:mod:`app.annotation.damage_dialog`) whether to restore the newest backup,
  open the participant without rating, or quit; nothing is written before the
  answer. A window without a person (screenshots) gives the one-line error.
  The consensus mode (:mod:`app.consensus_mode`) asks the same of a damaged
  consensus store (:meth:`RatingMode._open_guarded`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from app.annotation import RaterSession
from processing.annotations.integrity import DamagedStoreError
from processing.errors import FerretError

T = TypeVar("T")


class RatingMode:
    """The rating state of one main window.

    Parameters
    ----------
    window : MainWindow
    rater : str or None
        None: not rating (review may be switched on).
    visit : str, optional
        The visit being screened (new lesions record it).
    """

    def __init__(
        self, window, rater: str | None, visit: str | None = None, *, interactive: bool = False
    ) -> None:
        self.window, self.rater, self.visit, self.interactive = window, rater, visit, interactive
        self.annotation = None
        self.analysis = None
        self.ask = None  # ask(parent, error, backups, losses) -> choice; default the damage dialog

    @property
    def rating(self) -> bool:
        """Whether the window rates (a rater was given)."""
        return self.rater is not None

    def open(self, participant) -> None:
        """Start (or restart) the rater's session on ``participant``."""
        if not self.rating:
            return
        self.close()
        from app.annotation import attach_annotation

        grid = self.window.session.grid
        session = self._open_session(participant.label, grid.cursor)
        if session is None:
            return
        # the single-image tab shares the cursor but is not painted in (no visit, no placement)
        self.annotation = attach_annotation(self.window, session, skip=[self.window.slice_view])
        grid.show_own_labels(session.describe_at)
        session.labels.subscribe(self._own_labels_edited)
        self.outputs_arrived()
        from app.analysis import attach_analysis

        self.analysis = attach_analysis(self.window, self.window.study, session)

    def _open_session(self, label: str, cursor) -> RaterSession | None:
        """Return the rater's session; on damage, what the rater chose (None: not rating here)."""
        return self._open_guarded(
            label,
            lambda: RaterSession(
                self.window.study.root, self.rater, label, visit=self.visit, cursor=cursor
            ),
        )

    def _open_review(self, label: str, opener: Callable[[], T], refused: str) -> T | None:
        """Return a review session (consensus, screening) from ``opener``, or None.

        A damaged store asks as :meth:`_open_guarded` does; any other refusal
        ends a window still starting with its one-line message, else is told
        in the status bar (``"<refused> sub-XX: ..."``).
        """
        try:
            return self._open_guarded(label, opener)
        except FerretError as error:
            if not self.window.isVisible():
                raise  # still starting: `ferret open` ends with the one-line message
            self.window.statusBar().showMessage(f"{refused} {label}: {error}")
            return None

    def _open_guarded(self, label: str, opener: Callable[[], T]) -> T | None:
        """Return ``opener()``; when it finds the store damaged, do what the rater chooses.

        Restore the newest backup and open again, open the participant without
        rating (None), or quit. A window without a person raises the damage.
        """
        try:
            return opener()
        except DamagedStoreError as damage:
            if not self.interactive:
                raise
            choice, error = self._ask(damage), damage
        damage = error
        if choice == "restore":
            from processing.annotations.recovery import StoreFiles, restore_backup

            aside = restore_backup(StoreFiles(damage.folder, label))
            self.window.statusBar().showMessage(
                f"Restored the newest backup; the damaged files are in {aside}."
            )
            return opener()
        if choice == "quit":
            if not self.window.isVisible():
                raise damage  # still starting: `ferret open` ends with the one-line message
            self.window.close()
        else:
            self.window.statusBar().showMessage(self._not_opened(label))
        return None

    def _not_opened(self, label: str) -> str:
        """Return what the status bar says when the rater chose to open ``label`` without rating."""
        return (
            f"Not rating {label}: its annotations are damaged "
            "(ferret annotate recover lists the ways back)."
        )

    def _ask(self, damage: DamagedStoreError) -> str:
        from app.annotation import damage_dialog
        from processing.annotations.backup import backups_of
        from processing.annotations.recovery import StoreFiles, loss_of

        backups = backups_of(damage.folder)
        losses = [loss_of(StoreFiles(damage.folder, damage.participant), b) for b in backups[:1]]
        return (self.ask or damage_dialog.ask_what_to_do)(self.window, damage, backups, losses)

    def outputs_arrived(self) -> None:
        """Move lesions whose registration arrived and measure the cortex flag once it can be."""
        participant = self.window.session.grid.participant
        if self.annotation is None or participant is None:
            return
        self.annotation.session.maps_arrived()
        moved = self.annotation.session.relocate_registered(participant.visits)
        if moved:
            self.window.statusBar().showMessage(
                f"Lesion(s) {', '.join(map(str, moved))} moved with the registration that arrived: they were "
                "painted on an unregistered view and now lie on the same spot of the registered image."
            )

    def _own_labels_edited(self, edit=None) -> None:
        self.window.session.grid.own_labels_changed()
        if self.annotation is not None and self.annotation.session.relocation_deferred:
            self.outputs_arrived()  # a registration arrived during the stroke just committed

    def rescan(self) -> None:
        """Pick up views made by a grid rebuild."""
        if self.annotation is not None:
            self.annotation.rescan()

    def set_review(self, on: bool) -> None:
        """Show every rater's labels (review) or none (view); refused while rating."""
        if self.rating and on:
            raise FerretError(
                "review mode shows other raters' annotations, which a rater must not see "
                "while rating.",
                fix="close the rating window and open the study with --review.",
            )
        self.window.session.grid.set_overlay_mode("review" if on else "view")

    def take_down_queue(self) -> None:
        """Detach a review mode's queue panel and remove its dock (idempotent).

        The consensus and screening modes keep them as ``queue`` and ``dock``.
        """
        queue, self.queue = getattr(self, "queue", None), None
        if queue is not None:
            queue.detach()
        dock, self.dock = getattr(self, "dock", None), None
        if dock is not None:
            self.window.removeDockWidget(dock)
            dock.deleteLater()

    def close(self) -> None:
        """Write everything and release the rater's lock (idempotent)."""
        if self.analysis is not None:
            self.analysis.detach()
            self.analysis = None
        if self.annotation is not None:
            self.window.session.grid.show_own_labels(None)
            self.annotation.session.labels.unsubscribe(self._own_labels_edited)
            self.annotation.detach()
            self.annotation.session.close()
            self.annotation = None
