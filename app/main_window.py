"""The main window: study browser on the left, the image view, orientation buttons, status bar.

Wiring only: :class:`~app.main_presenter.MainPresenter` decides what to show,
:class:`~viewers.widgets.SliceView` draws the image.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from processing.study.model import Study
from viewers.state import ORIENTATIONS
from viewers.widgets import SliceView

from app.main_presenter import MainPresenter
from app.widgets.study_browser import StudyBrowser


class MainWindow(QtWidgets.QMainWindow):
    """Ferret's main window over one study."""

    def __init__(self, study: Study, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Ferret - {study.name or study.root.name}")
        self.presenter = MainPresenter(self, study)
        self.browser = StudyBrowser(self.presenter.select_participant, self.presenter.select_cell)
        self.slice_view = SliceView(self.presenter.slice_model)
        self.image_title = QtWidgets.QLabel()
        self.status_label = QtWidgets.QLabel()
        self.statusBar().addWidget(self.status_label, 1)
        self._build_layout()

    def start(self, participant: str | None = None) -> None:
        """Open ``participant`` (default: the first); raises FerretError if unknown."""
        self.presenter.start(participant)
        self.splitter.setSizes([self.browser.minimumWidth(), max(1, self.width() - self.browser.minimumWidth())])

    # -- MainView -----------------------------------------------------------------
    def show_participants(self, labels: list[str], current: str) -> None:
        self.browser.show_participants(labels, current)

    def show_visits(self, rows, kinds) -> None:
        self.browser.show_visits(rows, kinds)

    def mark_selection(self, session: str, kind: str) -> None:
        self.browser.mark_selection(session, kind)

    def set_image_title(self, text: str) -> None:
        self.image_title.setText(text)

    def set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def show_error(self, text: str) -> None:
        # not modal: a dialog would block an offscreen screenshot run forever
        self.statusBar().showMessage(text, 15_000)
        self.image_title.setText(f"Cannot show this image: {text}")

    def _show_orientation(self, what: str) -> None:
        current = ORIENTATIONS.index(self.presenter.geometry.orientation)
        self.orientation_buttons.buttons()[current].setChecked(True)

    # -- layout ---------------------------------------------------------------------
    def _build_layout(self) -> None:
        viewer = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(viewer)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(self._orientation_bar())
        column.addWidget(self.slice_view, 1)
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        splitter.addWidget(self.browser)
        splitter.addWidget(viewer)
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
            button.clicked.connect(lambda _=False, n=name: self.presenter.set_orientation(n))
            group.addButton(button)
            bar.addWidget(button)
        self.orientation_buttons = group
        self.presenter.geometry.changed.connect(self._show_orientation)
        bar.addSpacing(12)
        bar.addWidget(self.image_title, 1)
        return bar
