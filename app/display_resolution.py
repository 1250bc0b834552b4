"""View -> Display resolution: the display grid's voxel size, and the reload's progress.

Wiring only. The menu's entries (:data:`~viewers.state.settings.DISPLAY_RESOLUTIONS`)
call :meth:`~app.viewer_session.ViewerSession.set_display_spacing` (the grid
loads the participant again on the new grid, the cursor kept in world mm;
the choice is remembered in the user's viewer settings). The status bar's
progress bar listens to the grid's ``display_grid`` and ``cell`` events and
counts the cells in until every image has arrived.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

from viewers.state.settings import DISPLAY_RESOLUTIONS


class DisplayResolutionMenu:
    """The exclusive "Display resolution" entries of a window's View menu.

    Parameters
    ----------
    window : MainWindow
        Its ``session`` and ``menuBar()``.
    menu : QMenu
        The View menu.
    """

    def __init__(self, window, menu: QtWidgets.QMenu) -> None:
        self.session = window.session
        self.menu = menu.addMenu("Display resolution")
        self.group = QtGui.QActionGroup(self.menu)
        # optional: a spacing typed into the settings file checks no entry
        self.group.setExclusionPolicy(QtGui.QActionGroup.ExclusionPolicy.ExclusiveOptional)
        self.actions: dict[float | None, QtGui.QAction] = {}
        for spacing, text in DISPLAY_RESOLUTIONS:
            action = self.menu.addAction(text)
            action.setCheckable(True)
            self.group.addAction(action)
            action.triggered.connect(lambda _=False, s=spacing: self.session.set_display_spacing(s))
            self.actions[spacing] = action
        self.menu.aboutToShow.connect(self.refresh)
        self.session.grid.events.display_grid.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Check the current resolution; name the reference grid's voxel size when known."""
        grid = self.session.grid
        current = grid.display_spacing_mm
        for spacing, action in self.actions.items():
            action.setChecked(spacing == current)
        reference = grid.placer.reference_spacing_mm
        text = DISPLAY_RESOLUTIONS[0][1]
        self.actions[None].setText(f"{text}, {reference:g} mm" if reference else text)


class LoadingProgress(QtWidgets.QProgressBar):
    """Status-bar progress of a reload at a new display resolution (hidden otherwise)."""

    def __init__(self, grid, parent=None) -> None:
        super().__init__(parent)
        self.grid = grid
        self.setMinimumWidth(220)
        self.setMaximumWidth(300)
        self.setTextVisible(True)
        self.hide()
        grid.events.display_grid.connect(self._started)
        grid.events.cell.connect(self._cell_settled)

    def _started(self) -> None:
        if self.grid.participant is None:
            return
        spacing = self.grid.display_spacing_mm or self.grid.placer.reference_spacing_mm
        self.setFormat(f"Loading at {spacing:g} mm: %v of %m")
        self._cell_settled()

    def _cell_settled(self, key=None) -> None:
        if self.isHidden() and key is not None:
            return  # an ordinary arrival: no reload under way
        settled, total = self.grid.loading_progress()
        self.setRange(0, max(total, 1))
        self.setValue(settled)
        self.setVisible(settled < total)
