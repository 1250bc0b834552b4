"""File -> Quit and Ctrl+Q close the rating window with the rater's work on disk and the lock released (12.7)."""

from __future__ import annotations

from PySide6 import QtCore

from processing.annotations.workspace import read_only_store

LEFT = QtCore.Qt.MouseButton.LeftButton


def paint_a_stroke(qtbot, window) -> None:
    canvas, tile = window.grid_view.canvas, window.grid_view.view("ses-02", "b1000")
    start = QtCore.QPoint(
        tile.rect[0] + tile.rect[2] // 2 + 15, tile.rect[1] + tile.rect[3] // 2 + 12
    )
    qtbot.mousePress(canvas, LEFT, pos=start)
    qtbot.mouseMove(canvas, start + QtCore.QPoint(6, 0))
    qtbot.mouseRelease(canvas, LEFT, pos=start + QtCore.QPoint(6, 0))


def test_ctrl_q_quits_with_the_lesion_saved_and_the_lock_released(
    qtbot, phantom_copy, open_rating_window
):
    window = open_rating_window(phantom_copy, "Q")
    quit_action = window.actions_by_name["quit_window"]
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "File")
    assert quit_action in file_menu.actions() and quit_action.shortcut().toString() == "Ctrl+Q"
    paint_a_stroke(qtbot, window)
    window.grid_view.canvas.setFocus()
    qtbot.keyClick(
        window.grid_view.canvas, QtCore.Qt.Key.Key_Q, QtCore.Qt.KeyboardModifier.ControlModifier
    )
    qtbot.waitUntil(lambda: not window.isVisible())
    assert window.rating.annotation is None  # closed: store flushed, lock gone
    with read_only_store(phantom_copy, "Q", "sub-01") as store:
        (record,) = store.lesions()
    assert record.visit == "ses-02"
    again = open_rating_window(phantom_copy, "Q")  # the lock was released
    assert [row["lesion_id"] for row in again.rating.annotation.session.table.rows] == [
        record.lesion_id
    ]
    again.close()
