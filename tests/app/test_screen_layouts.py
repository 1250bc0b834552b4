"""One-key screening layouts in the real window at 1920 x 1080, and docks that stay closed (issue 12.6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6 import QtWidgets

from processing.study.example import write_tiny_study
from viewers.state.columns import COLUMNS, resolve_cell

pytestmark = pytest.mark.gui


@pytest.fixture
def ten_visits(tmp_path) -> Path:
    return write_tiny_study(tmp_path / "study", participants=1, visits=10, shape=(24, 24, 12))


@pytest.fixture
def open_window(open_rating_window):
    """``open_window(qtbot, root, settings)``: rater K's window at 1920 x 1080 with these settings."""
    return lambda qtbot, root, settings: open_rating_window(
        root, "K", size=(1920, 1080), settings_file=settings
    )


def docks(window) -> dict[str, QtWidgets.QDockWidget]:
    return {dock.windowTitle(): dock for dock in window.findChildren(QtWidgets.QDockWidget)}


def test_dwi_screening_fits_ten_visits_of_three_columns_at_180_px(
    qtbot, ten_visits, tmp_path, open_window
):
    window = open_window(qtbot, ten_visits, tmp_path / "settings.json")
    before = [tile.rect for tile in window.grid_view.views.values()]
    window.actions_by_name["layout_dwi_screening"].trigger()  # F5
    qtbot.waitUntil(lambda: len(window.grid_view.views) == 30)
    QtWidgets.QApplication.processEvents()
    tiles = window.grid_view.views
    assert {key for _, key in tiles} == {"b1000", "b3000", "MD"}
    qtbot.waitUntil(lambda: min(min(t.rect[2], t.rect[3]) for t in tiles.values()) >= 180)
    canvas, viewport = window.grid_view.canvas, window.grid_view.viewport()
    assert canvas.height() <= viewport.height()  # no scrolling: all ten visits shown
    assert min(min(r[2], r[3]) for r in before) < 180  # the default layout's tiles were smaller
    assert not window.browser.isVisible() and not window.side.isVisible()
    panel = window.rating.annotation.panel
    assert window.dockWidgetArea(docks(window)["Annotation"]) == window.dockWidgetArea(
        docks(window)["Analysis"]
    )
    assert panel.splitter.orientation().name == "Horizontal"  # the form beside the lesion table
    window.actions_by_name["layout_all"].trigger()  # F8: the panels are back
    qtbot.waitUntil(lambda: window.browser.isVisible() and window.side.isVisible())
    assert panel.splitter.orientation().name == "Vertical"
    window.close()


def test_acmi_check_shows_the_selected_lesions_onset_and_the_last_visit(
    qtbot, ten_visits, tmp_path, open_window
):
    window = open_window(qtbot, ten_visits, tmp_path / "settings.json")
    session = window.rating.annotation.session
    window.session.grid.set_focus("ses-04", "b1000")
    window.actions_by_name["layout_acmi_check"].trigger()  # F6, no lesion: the focused visit
    qtbot.waitUntil(lambda: {s for s, _ in window.grid_view.views} == {"ses-04", "ses-10"})
    assert {k for _, k in window.grid_view.views} == {"b1000", "FLAIR", "R1", "SWI", "R2star"}
    assert session.table.rows == []
    annotation = docks(window)["Annotation"]  # the form beside the lesion table,
    assert window.dockWidgetArea(annotation).name == "BottomDockWidgetArea"  # under the grid
    assert window.rating.annotation.panel.splitter.orientation().name == "Horizontal"
    assert window.browser.isVisible()  # two visits leave room for it
    window.actions_by_name["layout_cmb"].trigger()  # F7
    qtbot.waitUntil(
        lambda: {k for _, k in window.grid_view.views} == {"SWI", "minIP", "R2star", "phase"}
    )
    assert len({s for s, _ in window.grid_view.views}) == 10
    window.close()


def test_a_closed_dock_stays_closed_until_shown_again(qtbot, tmp_path, open_window):
    settings = tmp_path / "settings.json"
    two_visits = write_tiny_study(tmp_path / "study", participants=1, visits=2, shape=(24, 24, 12))
    window = open_window(qtbot, two_visits, settings)
    docks(window)["Analysis"].close()  # the dock's close button
    window.close()
    again = open_window(qtbot, two_visits, settings)
    analysis = docks(again)["Analysis"]
    assert not analysis.isVisible() and docks(again)["Annotation"].isVisible()
    analysis.toggleViewAction().trigger()  # View -> Panels -> Analysis
    assert analysis.isVisible()
    again.close()
    third = open_window(qtbot, two_visits, settings)
    assert docks(third)["Analysis"].isVisible()
    third.close()


def test_the_phase_column_shows_the_first_echo_phase_not_the_magnitude(small_study):
    from processing.study import discover

    visit = discover(small_study).participants["sub-01"].visits[0]
    source = resolve_cell(visit, COLUMNS["phase"])
    assert (
        source.status == "raw" and "part-phase" in source.path.name and "echo-1" in source.path.name
    )
    assert (
        "part-mag" in resolve_cell(visit, COLUMNS["SWI"]).path.name
    )  # SWI's raw fallback stays the magnitude
