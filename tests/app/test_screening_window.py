"""Screening mode in the main window, driven by real key presses on the grid (issue 18 item 3).

The study is :mod:`tests.processing.screening_data` (four ranked candidates,
two of them planted foci); a second rater D has a lesion that must stay out
of sight.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from app.cli import build_parser, main
from app.cli.window_cmds import _mode
from app.grid_actions import SHORTCUTS
from app.screening_dock import SCREENING_KEYS
from processing.annotations import RaterWorkspace, ReviewWorkspace
from processing.errors import FerretError
from processing.spaces.reference import reference_grid
from tests.processing.screening_data import FOCUS_A, FOCUS_B, focus_a_mask, write_screening_study
from tests.processing.test_screening_session import decisions
from viewers.widgets.grid_view import HEADER_HEIGHT

pytestmark = pytest.mark.gui
Key, Shift = QtCore.Qt.Key, QtCore.Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def study(tmp_path):
    root = write_screening_study(tmp_path / "study")
    with RaterWorkspace(root, "D") as workspace:
        session = workspace.open_session("sub-01", reference_grid(root, "sub-01"), visit="ses-01")
        session.labels.write_voxels(np.array([0]), 1)  # another rater's lesion: never shown
    return root


def shown_layers(window) -> set[str]:
    return {layer.name for cell in window.session.grid.cells.values() for layer in cell.layers}


def expected_scroll(window, session: str) -> int:
    top = next(tile.rect[1] for (s, _), tile in window.grid_view.views.items() if s == session)
    return min(top - HEADER_HEIGHT, window.grid_view.verticalScrollBar().maximum())


def scrolled_to(window) -> int:
    return window.grid_view.verticalScrollBar().value()


def test_candidates_are_walked_accepted_and_rejected_by_key_and_resumed(
    qtbot, study, open_rating_window
):
    window = open_rating_window(study, "R", screen="candidates")
    mode, grid, canvas = window.rating, window.session.grid, window.grid_view.canvas
    screening, panel = mode.screening, mode.queue
    items = screening.items
    assert "screening as R" in window.windowTitle() and shown_layers(window) == set()
    assert grid.overlays.truth is None and not window.menus.review.isEnabled()
    assert panel.progress.text() == "0 of 4 reviewed, 0 accepted" and panel.list.count() == 4
    assert screening.current is items[0] and grid.focus[0] == "ses-02"
    assert np.allclose(grid.cursor.position, items[0].centre)
    qtbot.keyClick(canvas, Key.Key_N)
    assert screening.current is items[1] and panel.list.currentRow() == 1
    qtbot.keyClick(canvas, Key.Key_N, Shift)
    assert screening.current is items[0]
    qtbot.keyClick(canvas, Key.Key_Return)  # accept: the focus grows into R's A-CMI
    (lesion,) = screening.labels.ids()
    assert np.array_equal(screening.labels.data == lesion, focus_a_mask())
    assert [(r["type"], r["onset_visit"]) for r in mode.annotation.session.table.rows] == [
        ("A-CMI", "ses-02")
    ]
    assert panel.progress.text() == "1 of 4 reviewed, 1 accepted"
    assert screening.current is items[1] and np.allclose(grid.cursor.position, items[1].centre)
    panel.list.setFocus()
    qtbot.waitUntil(panel.list.hasFocus)
    qtbot.keyClick(panel.list, Key.Key_Delete)  # outside the image views: not a decision
    assert panel.progress.text() == "1 of 4 reviewed, 1 accepted"
    canvas.setFocus()
    qtbot.keyClick(canvas, Key.Key_Delete)
    assert panel.progress.text() == "2 of 4 reviewed, 1 accepted"
    assert [panel.list.item(r).text()[:3] for r in range(4)] == ["[+]", "[-]", "[ ]", "[ ]"]
    panel.list.setFocus()
    qtbot.waitUntil(panel.list.hasFocus)
    panel.list.setCurrentRow(0)
    qtbot.keyClick(panel.list, Key.Key_Return)  # in the list: goes to the row, accepts nothing
    assert screening.current is items[0] and panel.progress.text().startswith("2 of 4")
    assert canvas.hasFocus()  # the keys work on at once
    qtbot.keyClick(canvas, Key.Key_Return)  # already decided: said, not stored twice
    assert "already decided" in panel.message.text()
    qtbot.keyClick(canvas, Key.Key_N)
    assert screening.current is items[2]
    window.close()  # written, lock released
    window = open_rating_window(study, "R", screen="candidates")
    screening, canvas = window.rating.screening, window.grid_view.canvas
    assert window.rating.queue.progress.text() == "2 of 4 reviewed, 1 accepted"
    assert screening.current.item_id == items[2].item_id and grid is not window.session.grid
    assert window.session.grid.focus[0] == "ses-03"
    assert scrolled_to(window) == expected_scroll(window, "ses-02")  # the visit before on top
    qtbot.keyClick(canvas, Key.Key_Enter)  # the keypad's Enter accepts too
    qtbot.keyClick(canvas, Key.Key_Delete)
    assert screening.current is None
    assert window.rating.queue.progress.text() == "4 of 4 reviewed, 2 accepted"
    window.close()
    labels, rows = ReviewWorkspace(study).read("R", "sub-01")
    assert labels.data[FOCUS_A] and labels.data[FOCUS_B] and len(rows) == 2
    assert [r["after"]["decision"] for r in decisions(study)] == [
        "accept",
        "reject",
        "accept",
        "reject",
    ]


def test_the_visit_by_visit_walk_marks_visits_screened(qtbot, study, open_rating_window):
    window = open_rating_window(study, "R", screen="visits")
    screening, panel = window.rating.screening, window.rating.queue
    canvas, grid = window.grid_view.canvas, window.session.grid
    assert [item.visit for item in screening.items] == ["ses-01", "ses-02", "ses-03"]
    assert panel.buttons["accept"].text() == "Screened (Enter)"
    assert not panel.buttons["reject"].isEnabled() and grid.cursor_gap_mm == 0
    qtbot.keyClick(canvas, Key.Key_Delete)
    assert "not rejected" in panel.message.text() and not screening.decided
    qtbot.keyClick(canvas, Key.Key_Return)
    assert grid.focus[0] == "ses-02" and screening.annotation.visit == "ses-02"
    assert panel.progress.text() == "1 of 3 reviewed, 0 accepted"
    window.close()


def test_the_keys_are_free_and_the_command_line_opens_screening(study, tmp_path):
    taken = {key for key, *_ in SHORTCUTS}
    assert not taken & {key for keys, *_ in SCREENING_KEYS for key in keys}
    parse = build_parser().parse_args
    assert _mode(parse(["open", str(study), "--screen", "--rater", "R"])) == {
        "rater": "R",
        "visit": None,
        "screen": "candidates",
    }
    assert _mode(parse(["open", str(study), "--screen", "visits", "--rater", "R"]))["screen"] == (
        "visits"
    )
    with pytest.raises(FerretError, match="--screen"):
        _mode(parse(["open", str(study), "--screen"]))
    shot = tmp_path / "screening.png"
    argv = ["open", str(study), "--screen", "--rater", "lead", "--screenshot", str(shot)]
    assert main([*argv, "--size", "1200x700"]) == 0 and shot.exists()
    assert "lead" in ReviewWorkspace(study).raters()
    assert QtWidgets.QApplication.instance() is not None


def test_a_row_clicked_in_the_list_is_shown_and_the_keys_decide_it(
    qtbot, study, open_rating_window
):
    window = open_rating_window(study, "R", screen="candidates")
    screening, panel, grid = window.rating.screening, window.rating.queue, window.session.grid
    third = screening.items[2]
    window.activateWindow()
    rect = panel.list.visualItemRect(panel.list.item(2))
    qtbot.mouseClick(panel.list.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())
    assert screening.current is third and np.allclose(grid.cursor.position, third.centre)
    qtbot.waitUntil(window.grid_view.canvas.hasFocus)  # Delete now rejects the row clicked
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Key.Key_Delete)
    assert third.item_id in screening.decided and third.item_id not in screening.accepted
    window.close()


def test_a_microbleed_accepted_by_key_is_a_cmb_with_its_form(qtbot, tmp_path, open_rating_window):
    from tests.processing.screening_data import NEW_BLEED, bleed_mask, write_microbleeds

    root = write_microbleeds(write_screening_study(tmp_path / "cmb"))
    window = open_rating_window(root, "R", screen="candidates")
    screening, panel, canvas = window.rating.screening, window.rating.queue, window.grid_view.canvas
    assert panel.list.count() == 7 and panel.list.item(5).text().startswith("[ ] CMB 1  ses-02")
    assert panel.buttons["possible"].text() == "Accept as possible (Shift+Enter)"
    screening.go_to(screening.items[5].item_id)
    assert np.allclose(window.session.grid.cursor.position, screening.items[5].centre)
    canvas.setFocus()
    qtbot.keyClick(canvas, Key.Key_Return)
    (lesion,) = screening.labels.ids()
    assert np.array_equal(screening.labels.data == lesion, bleed_mask())
    assert window.rating.annotation.session.form_lesion_id == lesion  # its form is open
    assert window.rating.annotation.session.form.schema.lesion_type == "CMB"
    screening.go_to(screening.items[4].item_id)  # the new microbleed
    qtbot.keyClick(canvas, Key.Key_Return, Shift)
    rows = {r["lesion_id"]: r for r in window.rating.annotation.session.table.rows}
    assert {(r["type"], r["onset_visit"]) for r in rows.values()} == {
        ("CMB", None),
        ("CMB", "ses-03"),
    }
    window.close()
    _, stored = ReviewWorkspace(root).read("R", "sub-01")
    assert sorted(r.ratings["certainty"] for r in stored) == ["definite", "possible"]
    assert ReviewWorkspace(root).read("R", "sub-01")[0].data[NEW_BLEED]


def test_the_queue_reloads_when_the_engine_rewrites_the_table(qtbot, study, open_rating_window):
    from tests.processing.screening_data import BLOCK, FOCUS_A
    from tests.processing.test_screening_reload import NEW, rewrite

    window = open_rating_window(study, "R", screen="candidates")
    screening, panel, canvas = window.rating.screening, window.rating.queue, window.grid_view.canvas
    qtbot.keyClick(canvas, Key.Key_Delete)  # A rejected; the false one shown
    qtbot.keyClick(canvas, Key.Key_N)  # B shown
    shown, cursor = screening.current, window.session.grid.cursor.position.copy()
    assert shown.rank == 3 and panel.list.currentRow() == 2
    rewrite(study, [("ses-03", FOCUS_B), ("ses-01", NEW), ("ses-02", FOCUS_A), ("ses-03", BLOCK)])
    qtbot.waitUntil(lambda: panel.list.count() == 4 and "ses-01" in panel.list.item(1).text())
    qtbot.waitUntil(lambda: "Candidates reloaded" in window.statusBar().currentMessage())
    message = window.statusBar().currentMessage()
    assert "1 new, 1 gone, 4 in the queue; decisions kept" in message
    assert "still at A-CMI candidate 1 at ses-03" in message
    assert screening.current.item_id == shown.item_id and panel.list.currentRow() == 0
    assert np.allclose(window.session.grid.cursor.position, cursor)  # the grid stayed put
    assert [panel.list.item(r).text()[:3] for r in range(4)] == ["[ ]", "[ ]", "[-]", "[ ]"]
    assert panel.progress.text() == "1 of 4 reviewed, 0 accepted"
    qtbot.keyClick(canvas, Key.Key_Return)  # B accepted at its new rank; the new one next
    assert screening.current.visit == "ses-01" and panel.list.currentRow() == 1
    window.close()
    assert [r["after"]["decision"] for r in decisions(study)] == ["reject", "accept"]


def yellowness(image, x: float, y: float) -> int:
    """Red minus blue at a canvas pixel: the crosshair's yellow over a grey image."""
    colour = image.pixelColor(int(x), int(y))
    return colour.red() - colour.blue()


def test_the_crosshair_leaves_the_candidate_in_sight_and_the_titles_fit(
    qtbot, study, open_rating_window
):
    from PySide6 import QtGui

    from viewers.widgets.grid_canvas import MIN_GAP_PX, fitted_title

    window = open_rating_window(study, "R", screen="candidates")
    grid, canvas = window.session.grid, window.grid_view.canvas
    item = window.rating.screening.current
    assert grid.cursor_gap_mm == item.radius_mm == 3.0
    tile = window.grid_view.view(item.visit, grid.focus[1])
    canvas.repaint()
    image = canvas.grab().toImage()
    x, y = tile.crosshair_pixel()
    gap = max(MIN_GAP_PX, 3.0 * tile.crosshair_frame().scale)
    assert gap > 5, (gap, tile.rect)
    for dx, dy in ((0, 0), (0, gap - 2), (gap - 2, 0), (0, 1 - gap), (1 - gap, 0)):
        assert yellowness(image, x + dx, y + dy) < 30, (dx, dy)  # the candidate's surroundings
    assert yellowness(image, x, y + gap + 3) > 60 and yellowness(image, x + gap + 3, y) > 60
    metrics = QtGui.QFontMetrics(canvas.font())
    full, short = tile.cell.titles()
    assert f"  {item.visit}" in full and item.visit not in short
    assert fitted_title(metrics, [full, short], 10_000) == full
    narrow = metrics.horizontalAdvance(short) + 1
    assert fitted_title(metrics, [full, short], narrow) == short  # the visit goes first
    cut = fitted_title(metrics, [full, short], metrics.horizontalAdvance(short) // 2)
    assert cut.endswith("…") and metrics.horizontalAdvance(cut) <= narrow
    grid.set_cursor_gap(0)  # as in the visit-by-visit walk
    canvas.repaint()
    image = canvas.grab().toImage()
    x, y = tile.crosshair_pixel()
    assert yellowness(image, x, y + 3) > 60  # no gap: the lines cross at the cursor
    window.close()
