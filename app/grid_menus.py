"""Menus whose entries depend on the data: columns, visits, saved layouts, lesions, colour maps."""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

from app.display_resolution import DisplayResolutionMenu
from viewers.state.columns import COLUMNS

COLORMAPS = ("grey", "viridis", "inferno", "magma", "plasma", "cividis")


class GridMenus:
    """Builds and refreshes the data-dependent menus of a :class:`~app.main_window.MainWindow`."""

    def __init__(self, window) -> None:
        self.window = window
        self.session = window.session
        bar = window.menuBar()
        layout_menu = self._menu(bar, "Layout")
        self.columns = layout_menu.addMenu("Columns")
        self.visits = layout_menu.addMenu("Visits")
        self.layouts = layout_menu.addMenu("Restore layout")
        move_left = layout_menu.addAction("Move focused column left")
        move_left.triggered.connect(lambda: self._move_focused(-1))
        move_right = layout_menu.addAction("Move focused column right")
        move_right.triggered.connect(lambda: self._move_focused(1))
        self.lesions = self._menu(bar, "Lesions").addMenu("Go to lesion")
        self.review = self._menu(bar, "Overlays").addAction("Review mode: every rater's masks")
        self.review.setCheckable(True)
        self.review.setChecked(self.session.grid.overlays.mode == "review")
        self.review.setEnabled(not window.rating.rating)  # blinding: never while rating
        self.review.toggled.connect(window.rating.set_review)
        view_menu = self._menu(bar, "View")
        self.colormaps = view_menu.addMenu("Colour map of the focused column")
        self.resolution = DisplayResolutionMenu(window, view_menu)
        self.columns.aboutToShow.connect(self.rebuild_columns)
        self.visits.aboutToShow.connect(self.rebuild_visits)
        self._build_colormaps()
        self.rebuild_layouts()

    def rebuild_columns(self) -> None:
        """One checkable entry per known column."""
        self.columns.clear()
        layout = self.session.grid.layout
        for key, column in COLUMNS.items():
            action = self.columns.addAction(column.title)
            action.setCheckable(True)
            action.setChecked(key in layout.visible_columns())
            action.toggled.connect(lambda shown, k=key: layout.set_column_visible(k, shown))

    def rebuild_visits(self) -> None:
        """One checkable entry per visit of the participant."""
        self.visits.clear()
        grid = self.session.grid
        for visit in grid.participant.visits if grid.participant else []:
            action = self.visits.addAction(grid.row_title(visit))
            action.setCheckable(True)
            action.setChecked(visit.session not in grid.layout.hidden_rows)
            action.toggled.connect(
                lambda shown, s=visit.session: grid.layout.set_row_visible(s, shown)
            )

    def rebuild_layouts(self) -> None:
        """Return the saved layouts."""
        self.layouts.clear()
        for name in self.session.layout_names() or ["default"]:
            action = self.layouts.addAction(name)
            action.triggered.connect(lambda _=False, n=name: self.session.restore_layout(n))

    def rebuild_lesions(self) -> None:
        """One entry per lesion (raters' and, in the demo, the planted truth)."""
        self.lesions.clear()
        for lesion in self.session.lesions():
            onset = f", onset {lesion.onset_session}" if lesion.onset_session else ""
            action = self.lesions.addAction(f"{lesion.id} ({lesion.type}{onset}) [{lesion.source}]")
            action.triggered.connect(lambda _=False, item=lesion: self.window.go_to_lesion(item))
        self.lesions.setEnabled(bool(self.session.lesions()))

    def _build_colormaps(self) -> None:
        group = QtGui.QActionGroup(self.colormaps)
        for name in COLORMAPS:
            action = self.colormaps.addAction(name)
            group.addAction(action)
            action.triggered.connect(lambda _=False, n=name: self._set_colormap(n))

    def _set_colormap(self, name: str) -> None:
        focus = self.session.grid.focus
        key = focus[1] if focus else self.session.grid.layout.visible_columns()[0]
        self.window.grid_view.set_colormap(key, name)
        self.session.settings.colormaps[key] = name

    def _move_focused(self, steps: int) -> None:
        focus = self.session.grid.focus
        if focus is not None:
            self.session.grid.layout.move_column(focus[1], steps)

    @staticmethod
    def _menu(bar: QtWidgets.QMenuBar, title: str) -> QtWidgets.QMenu:
        return menu_named(bar, title)


def menu_named(bar: QtWidgets.QMenuBar, title: str) -> QtWidgets.QMenu:
    """Return the menu bar's menu with this title, made when there is none yet."""
    for action in bar.actions():
        if action.menu() is not None and action.text() == title:
            return action.menu()
    return bar.addMenu(title)
