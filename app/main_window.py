"""The main window: study browser, the synchronized grid, read-outs, time courses, histogram.

Wiring only. :class:`~app.viewer_session.ViewerSession` (Qt-free) owns the
grid model, settings and lesion navigation; :class:`~viewers.widgets.grid_view.GridView`
draws the grid; the "Single image" tab keeps the browser's one-acquisition
view (:class:`~app.main_presenter.MainPresenter`) for raw files that are not
a grid column, over the grid's one cursor and one geometry (placed in the
reference space like the grid's cells). The status bar's cursor read-out
belongs to the tab shown. Menus and shortcuts come from
:mod:`app.grid_actions`; rating and review modes from :mod:`app.rating_mode`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from app.display_resolution import LoadingProgress
from app.grid_actions import HelpDialog, install_actions
from app.grid_menus import GridMenus
from app.main_presenter import MainPresenter
from app.memory import return_freed_memory
from app.rating_mode import RatingMode
from app.screen_layouts import ScreenLayouts
from app.viewer_session import ViewerSession
from app.widgets.study_browser import StudyBrowser
from app.window_commands import WindowCommands
from processing.study.model import Study
from viewers.state import ORIENTATIONS
from viewers.state.readout import cursor_readout
from viewers.widgets import SliceView
from viewers.widgets.collector import GuiThreadCollector
from viewers.widgets.grid_view import GridView
from viewers.widgets.histogram import WindowHistogram
from viewers.widgets.readout_panel import ReadoutPanel
from viewers.widgets.timecourse_strip import TimeCourseStrip

#: Width of the browser and of the read-out column, pixels.
SIDE_WIDTH = 330
#: Index of the "Single image" tab (the grid's is 0).
SINGLE_TAB = 1


#: How long a status message given while the window opens stays after it is shown (ms).
STARTUP_MESSAGE_MS = 8000


class MainWindow(WindowCommands, QtWidgets.QMainWindow):
    """Ferret's main window over one study.

    Parameters
    ----------
    study : Study
    settings_file : Path, optional
        Viewer settings (default: the user's, under ``platformdirs.user_config_dir("ferret")``).
    rater : str, optional
        Open in rating mode for this rater (blinded; see :mod:`app.rating_mode`).
    visit : str, optional
        The visit being screened in rating mode.
    review : bool
        Show every rater's labels (not with ``rater``).
    consensus : sequence of str, optional
        Two raters A, B: open a consensus session deciding their disagreements
        into ``rater`` (default ``consensus``; see :mod:`app.consensus_mode`).
    screen : str, optional
        ``candidates`` or ``visits``: screening mode for ``rater`` (blinded as
        rating; see :mod:`app.screening_mode`).
    process : bool
        Compute the opened participant's missing derivatives in the background
        (:mod:`app.jobs`) and fill the views in as results arrive.
    """

    def __init__(
        self,
        study: Study,
        settings_file: Path | None = None,
        parent=None,
        *,
        rater: str | None = None,
        visit: str | None = None,
        review: bool = False,
        process: bool = False,
        consensus: Sequence[str] | None = None,
        screen: str | None = None,
    ) -> None:
        super().__init__(parent)
        return_freed_memory()  # resident memory follows the volumes held (app.memory)
        # while the window lives, cyclic garbage is collected in this (the GUI) thread only
        self._collector_token = GuiThreadCollector.shared().hold()
        self.study = study
        mode = "rating" if rater else ("review" if review else "view")
        title = f" - {'screening' if screen else 'rating'} as {rater}" if rater else ""
        if consensus:
            mode, rater = "consensus", rater or "consensus"
            title = f" - consensus of {' and '.join(consensus)} into {rater}"
        self.setWindowTitle(f"Ferret - {study.name or study.root.name}{title}")
        self.session = ViewerSession(settings_file, overlay_mode=mode)
        grid = self.session.grid
        self.presenter = MainPresenter(self, study, grid.cursor, grid.geometry)
        self.presenter.set_owns_status(False)  # the grid tab is shown first
        if consensus:
            from app.consensus_mode import ConsensusMode

            grid.overlays.compared = tuple(consensus)
            self.rating = ConsensusMode(self, consensus, rater, interactive=process)
        elif screen and rater:
            from app.screening_mode import ScreeningMode

            self.rating = ScreeningMode(self, rater, screen, interactive=process)
        else:
            self.rating = RatingMode(self, rater, visit, interactive=process)
        self.processing = None
        self._process = process
        self.grid_view = GridView(self.session.grid)
        self.readout = ReadoutPanel(self.session.grid)
        self.timecourses = TimeCourseStrip(self.session.grid)
        self.histogram = WindowHistogram(self.session.grid)
        self.browser = StudyBrowser(self._participant_chosen, self._cell_chosen)
        self.slice_view = SliceView(self.presenter.slice_model)
        self.image_title = QtWidgets.QLabel()
        self.status_label = QtWidgets.QLabel()
        self.statusBar().addWidget(self.status_label, 1)
        self.loading = LoadingProgress(self.session.grid)
        self.statusBar().addPermanentWidget(self.loading)
        self.help_dialog: HelpDialog | None = None
        self.import_dialog = None  # File -> Import DICOM visit... (app.dicom_import), made on use
        self._build_layout()
        self.actions_by_name = install_actions(self, views=[self.grid_view, self.slice_view])
        self.screen = ScreenLayouts(self)
        self.grid_view.setAccessibleName("image views")
        self.menus = GridMenus(self)
        self._apply_display_settings()
        events = self.session.grid.events
        events.lesions.connect(self.menus.rebuild_lesions)
        events.structure.connect(self.rating.rescan)
        events.cell.connect(self._cell_changed)
        events.focus.connect(self._cell_changed)
        self.session.grid.cursor.changed.connect(self._show_cursor)
        self.tabs.currentChanged.connect(self._tab_changed)

    def start(self, participant: str | None = None) -> None:
        """Open ``participant`` (default: the first); raises FerretError if unknown."""
        self.presenter.start(participant)
        self.session.open(self.presenter.participant)
        self._open_rating()
        if self._process:
            self._start_processing()
        self.grid_view.canvas.setFocus()  # the view keys work from the start
        browser = min(self.browser.minimumWidth(), SIDE_WIDTH)
        self.splitter.setSizes([browser, max(1, self.width() - browser - SIDE_WIDTH), SIDE_WIDTH])

    def wait_for_images(self, timeout: float = 60.0) -> None:
        """Block until every requested volume has arrived and been drawn (screenshots, tests)."""
        self.session.loader.wait(timeout)
        QtWidgets.QApplication.processEvents()

    # -- MainView (the single-image tab's presenter) -------------------------------------------------
    def show_participants(self, labels: list[str], current: str) -> None:
        """List the study's participants, ``current`` chosen."""
        self.browser.show_participants(labels, current)

    def show_visits(self, rows, kinds) -> None:
        """List the participant's visits and which kinds each has."""
        self.browser.show_visits(rows, kinds)

    def mark_selection(self, session: str, kind: str) -> None:
        """Mark the shown visit and kind in the browser."""
        self.browser.mark_selection(session, kind)

    def set_image_title(self, text: str) -> None:
        """Show ``text`` above the single image."""
        self.image_title.setText(text)

    def set_status(self, text: str) -> None:
        """Show ``text`` in the status bar."""
        self.status_label.setText(text)

    def show_error(self, text: str) -> None:
        """Say why an image cannot be shown (status bar and title, not modal)."""
        # not modal: a dialog would block an offscreen screenshot run forever
        self.statusBar().showMessage(text, 15_000)
        self.image_title.setText(f"Cannot show this image: {text}")

    # -- reactions -------------------------------------------------------------------------------------
    def _participant_chosen(self, label: str) -> None:
        self.presenter.select_participant(label)
        self.session.open(self.presenter.participant)
        self._open_rating()
        if self.processing is not None:
            self.processing.process(label)

    def _open_rating(self) -> None:
        """Open the rater's session on the shown participant, its docks placed as the layout wants."""
        self.rating.open(self.presenter.participant)
        self.screen.adopt_docks()

    def _start_processing(self) -> None:
        from app.jobs import attach_processing

        self.processing = attach_processing(self, self.study)
        self.processing.outputs_ready.connect(self.take_outputs)
        self.screen.adopt_docks()

    def take_outputs(self, label: str, _paths: list) -> None:
        """Take new maps or transforms from disk without moving the view (the rater's lesions too)."""
        if self.presenter.participant is not None and label == self.presenter.participant.label:
            self.session.grid.refresh(self.study.participants[label])
            self.rating.outputs_arrived()

    def _cell_chosen(self, session: str, kind: str | None) -> None:
        self.presenter.select_cell(session, kind)
        self.grid_view.scroll_to_visit(session)

    def _cell_changed(self, key: tuple[str, str]) -> None:
        """Follow the focused cell (another cell focused, or its volume arrived)."""
        if key == self.session.grid.focus:
            self.histogram.show_cell(*key)
            self._show_cursor()

    def _tab_changed(self, index: int) -> None:
        """Give the status bar's cursor read-out to the tab shown."""
        self.presenter.set_owns_status(index == SINGLE_TAB)
        self._show_cursor()

    def _show_cursor(self, *_, **__) -> None:
        """Show the grid cursor in the status bar: RAS mm, the focused image's own voxel and value.

        Only while the grid tab is shown: the single-image tab writes its own read-out.
        """
        if self.tabs.currentIndex() == SINGLE_TAB:
            return
        grid = self.session.grid
        cell = grid.cells.get(grid.focus) if grid.focus else None
        volume = cell.view.volume.native if cell and cell.view.volume is not None else None
        text = cursor_readout(volume, grid.cursor.position)
        self.status_label.setText(f"{grid.focus[0]} {grid.focus[1]}: {text}" if cell else text)

    def _show_orientation(self) -> None:
        current = ORIENTATIONS.index(self.presenter.geometry.orientation)
        self.orientation_buttons.buttons()[current].setChecked(True)

    def showEvent(self, event) -> None:
        """Show the window; a status message given before it was shown hides the read-out again.

        Qt hides the status bar's normal widgets when a message is shown, but
        showing the window shows them again: the first screening or consensus
        item's message, given while the window opens, was painted over the
        cursor read-out.
        """
        super().showEvent(event)
        bar = self.statusBar()
        message = bar.currentMessage()
        if message:  # Qt ignores a message equal to the current one: clear it first
            bar.clearMessage()
            bar.showMessage(message, STARTUP_MESSAGE_MS)

    def closeEvent(self, event) -> None:
        """Stop listening, close the rater's session and the background run, then close."""
        self.session.grid.cursor.changed.disconnect(self._show_cursor)
        self.tabs.blockSignals(True)  # no read-out hand-over while the window is taken down
        if self.processing is not None:
            if self.processing.running:  # said before the window goes: it takes a moment
                self.set_status("Stopping background processing (finished jobs are kept)...")
                self.status_label.repaint()  # painted now, without running other events
            self.processing.outputs_ready.disconnect(self.take_outputs)
            self.processing.close()
            self.processing = None
        if self.import_dialog is not None:
            self.import_dialog.shutdown()  # a running import is cancelled: nothing half-written
        self.rating.close()
        self.session.close()
        super().closeEvent(event)
        GuiThreadCollector.shared().release(self._collector_token)

    # -- layout ------------------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        grid_tab = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        grid_tab.addWidget(self.grid_view)
        grid_tab.addWidget(self.timecourses)
        grid_tab.setSizes([800, 170])
        single = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(single)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(self._orientation_bar())
        column.addWidget(self.slice_view, 1)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(grid_tab, "Grid")
        self.tabs.addTab(single, "Single image")
        side = self.side = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        side.addWidget(self.readout)
        side.addWidget(self.histogram)
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        for widget in (self.browser, self.tabs, side):
            splitter.addWidget(widget)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(0, False)
        self.splitter = splitter
        self.setCentralWidget(splitter)

    def _orientation_bar(self) -> QtWidgets.QHBoxLayout:
        bar = QtWidgets.QHBoxLayout()
        group = QtWidgets.QButtonGroup(self)
        for name in ORIENTATIONS:
            button = QtWidgets.QPushButton(name.capitalize())
            button.setCheckable(True)
            button.setChecked(name == self.presenter.geometry.orientation)
            button.clicked.connect(lambda _=False, n=name: self.set_orientation(n))
            group.addButton(button)
            bar.addWidget(button)
        self.orientation_buttons = group
        self.presenter.geometry.events.orientation.connect(self._show_orientation)
        bar.addSpacing(12)
        bar.addWidget(self.image_title, 1)
        return bar
