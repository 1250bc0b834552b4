"""Screen layouts: a preset's grid, and where the window's panels go (one key each).

:mod:`viewers.state.layout_presets` says which modalities and visits a preset
shows and which way round. Presets with visits across (DWI screening, CMB)
need the screen's whole width for ten visits of tiles of at least 180 px, so
the study browser, the read-out column and the time-course strip step aside.
In the screening and checking presets every dock goes under the grid as one
row of tabs, the annotation dock in front, where the annotation panel lays out
its tools, lesion table and rating form side by side (full option labels, no
horizontal scrolling). "All modalities" brings the classic arrangement back.

Docks remember being closed: a dock the rater closes (its close button) stays
closed in later windows until it is shown again from View -> Panels
(settings key ``closed_docks``).
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from app.annotation.panel import AnnotationPanel
from app.grid_menus import menu_named
from viewers.state.layout_presets import PRESETS, apply_preset
from viewers.widgets.grid_canvas import HEADER_HEIGHT, ROW_HEADER_WIDTH, SPACING

_AREA = QtCore.Qt.DockWidgetArea
#: Presets that put the docks under the grid (the rating form side by side with the lesion table).
DOCKS_BELOW = ("DWI screening", "A-CMI check", "CMB")
#: Where each dock lives when the panels are back (by title).
HOME = {"Annotation": _AREA.RightDockWidgetArea}
#: Height of the grid's tab bar and frames, of the smallest useful dock and of docks under a
#: visits-down grid, pixels.
TAB_BAR, MIN_DOCK_HEIGHT, BOTTOM_DOCK_HEIGHT = 48, 150, 240


class ScreenLayouts(QtCore.QObject):
    """Apply presets to a :class:`~app.main_window.MainWindow`; keep its docks' closed state."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.wide = False
        self.panels_menu = menu_named(window.menuBar(), "View").addMenu("Panels")
        self._docks: list[QtWidgets.QDockWidget] = []

    @property
    def closed(self) -> list[str]:
        """Return the titles of the docks the rater closed (kept in the display settings)."""
        value = self.window.session.settings.display.get("closed_docks", [])
        return value if isinstance(value, list) else []

    def apply(self, name: str) -> None:
        """Show preset ``name`` (see :data:`~viewers.state.layout_presets.PRESETS`)."""
        grid = self.window.session.grid
        if grid.participant is None:
            return
        sessions = [visit.session for visit in grid.participant.visits]
        apply_preset(grid.layout, name, sessions, onset=self._onset())
        self.wide = name in DOCKS_BELOW
        self.window.tabs.setCurrentIndex(0)
        for widget in (self.window.browser, self.window.side, self.window.timecourses):
            widget.setVisible(not PRESETS[name].visits_across)
        for dock in self._docks:
            self._place(dock)
        # once the moved docks are laid out: a resize before that is undone by the relayout
        QtCore.QTimer.singleShot(0, self._share_bottom)
        self.window.statusBar().showMessage(f"Layout: {name}")

    def adopt_docks(self) -> None:
        """Take in docks made since the last call: closed state, place, View -> Panels entry."""
        for dock in self.window.findChildren(QtWidgets.QDockWidget):
            if dock in self._docks:
                continue
            self._docks.append(dock)
            dock.installEventFilter(self)
            toggle = dock.toggleViewAction()
            toggle.triggered.connect(lambda shown, d=dock: self._reopened(d, shown))
            self.panels_menu.addAction(toggle)
            dock.destroyed.connect(
                lambda *_, d=dock: self._docks.remove(d) if d in self._docks else None
            )
            self._place(dock)
            if dock.windowTitle() in self.closed:
                dock.hide()

    def eventFilter(self, watched, event) -> bool:
        """Remember a dock the rater closes; never filter the event out."""
        if (
            event.type() == QtCore.QEvent.Type.Close
            and isinstance(watched, QtWidgets.QDockWidget)
            and watched.windowTitle() not in self.closed
        ):
            self.window.session.settings.display["closed_docks"] = self.closed + [
                watched.windowTitle()
            ]
            self.window.session.save()  # on disk now: a crash later keeps the rater's choice
        return False

    def _reopened(self, dock: QtWidgets.QDockWidget, shown: bool) -> None:
        if shown:
            self.window.session.settings.display["closed_docks"] = [
                name for name in self.closed if name != dock.windowTitle()
            ]
            self.window.session.save()

    def _place(self, dock: QtWidgets.QDockWidget) -> None:
        area = (
            _AREA.BottomDockWidgetArea
            if self.wide
            else HOME.get(dock.windowTitle(), _AREA.BottomDockWidgetArea)
        )
        if self.window.dockWidgetArea(dock) != area:
            self.window.addDockWidget(area, dock)
        if isinstance(dock.widget(), AnnotationPanel):
            dock.widget().set_wide(self.wide)

    def _share_bottom(self) -> None:
        """Share the height between the grid and the docks under it.

        Docks below (the screening and checking presets): the grid gets the
        height of square tiles as wide as its columns allow; the docks are
        tabbed in one row under it, the annotation dock in front (the width for
        tools, lesions and form side by side). Otherwise the docks under the
        grid take :data:`BOTTOM_DOCK_HEIGHT`.
        """
        window = self.window
        shown = [dock for dock in self._docks if dock.isVisible()]
        bottom = [
            dock for dock in shown if window.dockWidgetArea(dock) == _AREA.BottomDockWidgetArea
        ]
        if not bottom:
            return
        if not self.wide:
            window.resizeDocks(
                bottom, [BOTTOM_DOCK_HEIGHT] * len(bottom), QtCore.Qt.Orientation.Vertical
            )
            return
        annotation = [dock for dock in bottom if dock.windowTitle() in HOME]
        stack = annotation + [dock for dock in bottom if dock not in annotation]
        for dock in stack[1:]:  # one row of tabs: the annotation dock in front, full width
            window.tabifyDockWidget(stack[0], dock)
        stack[0].raise_()
        grid = window.session.grid
        visits, columns = len(grid.visible_visits()), len(grid.visible_columns())
        across, down = (visits, columns) if grid.layout.visits_across else (columns, visits)
        tile = (window.grid_view.viewport().width() - ROW_HEADER_WIDTH) // max(1, across)
        grid_height = HEADER_HEIGHT + down * (tile + SPACING) + SPACING + TAB_BAR
        free = (
            window.height() - window.menuBar().height() - window.statusBar().height() - grid_height
        )
        window.resizeDocks(stack[:1], [max(free, MIN_DOCK_HEIGHT)], QtCore.Qt.Orientation.Vertical)

    def _onset(self) -> str | None:
        """Return the onset of the rater's selected lesion, else the focused visit."""
        annotation = self.window.rating.annotation
        if annotation is not None:
            row = annotation.session.table.row_of(annotation.session.toolbox.selection.lesion_id)
            if row is not None and row.get("onset_visit"):
                return row["onset_visit"]
        focus = self.window.session.grid.focus
        return focus[0] if focus else None
