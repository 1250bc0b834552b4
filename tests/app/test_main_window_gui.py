"""The main window's wiring: table clicks, participant chooser and orientation buttons (offscreen Qt)."""

import pytest
from PySide6 import QtCore

from app.main_window import MainWindow
from processing.study import discover

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, small_study):
    win = MainWindow(discover(small_study))
    qtbot.addWidget(win)
    win.start()
    win.resize(1000, 600)
    win.show()
    qtbot.waitExposed(win)
    return win


def click_cell(qtbot, table, row, column):
    rect = table.visualRect(table.model().index(row, column))
    qtbot.mouseClick(table.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())


def test_table_lists_visits_and_marks_missing_scans(window):
    table = window.browser.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["Visit", "Date", "Weeks", "MEGRE", "FLAIR", "T1w", "dwi"]
    assert (
        table.item(1, 5).text() == "\u2013"
        and table.item(1, 5).toolTip() == "missing at this visit"
    )
    assert (table.currentRow(), table.currentColumn()) == (0, 4)


def test_clicking_a_modality_cell_shows_that_image(qtbot, window):
    before = window.slice_view.image_item.image.copy()
    click_cell(qtbot, window.browser.table, 2, 3)  # ses-03 MEGRE
    assert window.presenter.selection == ("ses-03", "MEGRE")
    assert window.image_title.text().startswith("MEGRE  sub-01 ses-03, week 8.0")
    assert (window.slice_view.image_item.image != before).any()


def test_participant_chooser_and_orientation_buttons(qtbot, window):
    window.browser.participants.setCurrentText("sub-02")
    assert window.presenter.participant.label == "sub-02"
    window.tabs.setCurrentIndex(
        1
    )  # the buttons are on the single-image tab, which owns the status bar
    coronal = window.orientation_buttons.buttons()[1]
    qtbot.mouseClick(coronal, QtCore.Qt.MouseButton.LeftButton)
    assert window.presenter.geometry.orientation == "coronal"
    assert window.slice_view.image_item.image.shape == (20, 40)  # z rows x x columns
    assert window.status_label.text().startswith("RAS (")


def test_orientation_buttons_follow_the_shared_geometry(window):
    window.presenter.set_orientation("sagittal")
    assert window.orientation_buttons.checkedButton().text() == "Sagittal"
    needed = sum(
        window.browser.table.columnWidth(c) for c in range(window.browser.table.columnCount())
    )
    assert window.browser.width() >= window.browser.minimumWidth() >= min(needed, 360)


def test_a_message_given_before_the_window_is_shown_is_not_painted_over_the_readout(
    qtbot, small_study
):
    win = MainWindow(discover(small_study))
    qtbot.addWidget(win)
    win.set_status("ses-01 b1000: RAS (0.0, 0.0, 0.0) mm")
    win.statusBar().showMessage("A-CMI candidate 1 at ses-06", 8000)  # a mode opening its queue
    win.show()
    qtbot.waitExposed(win)
    assert win.statusBar().currentMessage() == "A-CMI candidate 1 at ses-06"
    assert not win.status_label.isVisible()  # Qt showed it again with the window: hidden now
    win.statusBar().clearMessage()
    assert win.status_label.isVisible()
