"""Screening mode of the main window (issue 18 item 3), wiring only.

``ferret open STUDY --screen [candidates|visits] --rater R``: the grid is
blinded as in rating mode (``overlay_mode="rating"``: no other rater, no
truth); a :class:`~processing.screening.session.ScreeningSession` of the shown
participant holds R's lock and annotations, whose labels are drawn and painted
as in rating mode (the annotation tools over a
:meth:`RaterSession.around <app.annotation.RaterSession.around>` of the
session's labels). The dock (:mod:`app.screening_dock`) walks the queue: each
new current candidate moves the grid's cursor onto it, zoomed to its size, with
its visit's row focused and the visit before it scrolled to the top (hidden rows
of the two are shown again), the crosshair's lines stopping the candidate's
size short of it so the dot stays in sight; a visit of the visit-by-visit walk
is scrolled to and focused, the cursor stays. Lesions painted from then on are
of the candidate's type (A-CMI with that visit as onset for a visit); an
accepted candidate appears in R's labels at once, its rating form opens (a
CMB's: certainty, MARS region) and it is corrected with the brush. While an open polygon waits for Enter, Enter closes
it rather than accepting.

While the candidates are walked, their tables are watched
(:mod:`app.screening_watch`): when the engine writes one again, the session
reloads its queue (decisions kept, the candidate shown kept when it is still
there) and the status bar says what changed.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from app.annotation import RaterSession
from app.rating_mode import RatingMode
from app.screening_dock import ScreeningPanel
from app.screening_watch import TableWatcher
from processing.errors import FerretError
from processing.screening.items import ScreeningItem
from processing.screening.session import ScreeningSession
from viewers.state.overlays import Lesion


class ScreeningMode(RatingMode):
    """The screening state of one main window.

    Parameters
    ----------
    window : MainWindow
    rater : str
        Whose annotations accepted candidates go into (its lock is held while a participant is open).
    walk : str
        ``candidates`` or ``visits``.
    interactive : bool
        A person uses the window (errors on switching participant go to the status bar).
    """

    def __init__(self, window, rater: str, walk: str = "candidates", *, interactive=False) -> None:
        super().__init__(window, rater, None, interactive=interactive)
        self.walk = walk
        self.screening: ScreeningSession | None = None
        self.queue: ScreeningPanel | None = None
        self.dock: QtWidgets.QDockWidget | None = None
        self.watch: TableWatcher | None = None
        self._top_visit: str | None = None  # the row kept on top: the visit before the item's

    def open(self, participant) -> None:
        """Start (or restart) the screening session on ``participant``."""
        self.close()
        from app.annotation import attach_annotation

        window, grid = self.window, self.window.session.grid
        screening = self._open_review(
            participant.label,
            lambda: ScreeningSession(
                window.study.root, participant.label, self.rater, walk=self.walk
            ),
            "No screening of",
        )
        if screening is None:
            return
        self.screening = screening
        window.grid_view.verticalScrollBar().rangeChanged.connect(self._scroll_again)
        session = RaterSession.around(
            window.study.root,
            self.rater,
            participant.label,
            screening.workspace,
            screening.annotation,
            cursor=grid.cursor,
            mode=f"screening {self.walk} (blinded)",
        )
        self.annotation = attach_annotation(window, session, skip=[window.slice_view])
        grid.show_own_labels(session.describe_at)
        session.labels.subscribe(self._own_labels_edited)
        self.queue = ScreeningPanel(
            screening, [window.grid_view], self._close_polygon, window.grid_view.canvas
        )
        self.dock = QtWidgets.QDockWidget("Screening", window)
        self.dock.setObjectName("screening-dock")
        self.dock.setWidget(self.queue)
        window.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        screening.events.current.subscribe(self._show_item)
        screening.events.decided.subscribe(self._decided)
        if self.walk == "candidates":
            self.watch = TableWatcher(screening, self._tables_rewritten, window)
        screening.next()

    def _tables_rewritten(self) -> None:
        """Reload the queue from the rewritten candidate tables and say so in the status bar."""
        if self.screening is None:
            return
        bar = self.window.statusBar()
        try:
            summary = self.screening.reload()
        except FerretError as error:
            bar.showMessage(f"The candidates changed but cannot be read, queue kept: {error}")
            return
        shown, still = self.screening.current, "still" if summary.current_kept else "now"
        where = "" if shown is None else f"; {still} at {shown.describe().split(':')[0]}"
        bar.showMessage(f"Candidates reloaded: {summary}{where}.", 15000)

    def _show_item(self, item: ScreeningItem | None) -> None:
        """Move the grid to the item, its visit focused and the visit before it in view."""
        window = self.window
        if item is None:
            window.statusBar().showMessage("Every item of the queue is reviewed.", 8000)
            return
        assert self.screening is not None
        self.screening.prepare_edit(item)
        sessions = list(self.screening.visits)
        before = sessions[max(0, sessions.index(item.visit) - 1)]
        layout = window.session.grid.layout
        window.session.grid.set_cursor_gap(item.radius_mm if item.is_candidate else 0.0)
        for session in {before, item.visit} & set(layout.hidden_rows):
            layout.set_row_visible(session, True)
        if item.centre is not None:
            window.go_to_lesion(
                Lesion(
                    item.item_id,
                    f"{item.label} candidate",
                    np.asarray(item.centre),
                    item.radius_mm,
                    item.visit,
                )
            )
        else:
            grid = window.session.grid
            grid.set_focus(item.visit, grid.focus[1] if grid.focus else layout.visible_columns()[0])
        self._top_visit = before
        window.grid_view.scroll_to_visit(before)
        window.statusBar().showMessage(item.describe(), 8000)

    def _scroll_again(self, *_range) -> None:
        """Keep the visit before the item on top when the grid is laid out anew (shown, resized)."""
        if self._top_visit is not None:
            self.window.grid_view.scroll_to_visit(self._top_visit)

    def _close_polygon(self) -> bool:
        """Close an open polygon instead of accepting (Enter ends a polygon in rating mode)."""
        toolbox = self.annotation.session.toolbox if self.annotation is not None else None
        if toolbox is None or toolbox.active_name != "polygon" or not toolbox.active.vertices:
            return False
        toolbox.active.close()
        return True

    def _decided(self, decision=None) -> None:
        """Forget the undo steps (a decision is stored and audited), list the new lesion, open its form.

        The form of an accepted candidate's lesion (a CMB's: certainty, MARS
        region) stays open while the grid moves on to the next candidate.
        """
        if self.annotation is not None:
            session = self.annotation.session
            session.toolbox.history.clear()
            session.table.refresh()
            if decision is not None and decision.lesions:
                session.select(decision.lesions[0])

    def close(self) -> None:
        """Take the dock down, write everything and release the rater's lock (idempotent)."""
        self.take_down_queue()
        if self.watch is not None:
            self.watch.close()
            self.watch.deleteLater()
            self.watch = None
        screening, self.screening = self.screening, None
        if screening is not None:
            self.window.grid_view.verticalScrollBar().rangeChanged.disconnect(self._scroll_again)
            self._top_visit = None
            screening.events.current.unsubscribe(self._show_item)
            screening.events.decided.unsubscribe(self._decided)
        super().close()
        if screening is not None:
            screening.close()
