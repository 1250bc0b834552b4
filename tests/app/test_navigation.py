"""Up/Down step one slice of the displayed images from the start; status bar and histogram follow (12.5)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from viewers.state.slicing import normal_step

LEFT = QtCore.Qt.MouseButton.LeftButton


@pytest.fixture
def window(phantom_copy, open_rating_window):
    window = open_rating_window(phantom_copy, None)  # viewing mode
    yield window
    window.close()


def press(qtbot, window, key) -> np.ndarray:
    before = window.session.grid.cursor.position.copy()
    qtbot.keyClick(window.grid_view.canvas, key)
    return window.session.grid.cursor.position - before


def test_before_any_click_a_view_has_the_focus_and_shows_its_histogram(window):
    grid = window.session.grid
    first = (grid.visible_visits()[0].session, grid.visible_columns()[0].key)
    assert grid.focus == first
    assert window.histogram.window is grid.cells[first].view.window  # was empty until a click
    assert window.status_label.text().startswith(f"{first[0]} {first[1]}: RAS (")


def test_up_and_down_step_one_slice_of_the_focused_view_before_and_after_a_click(qtbot, window):
    grid = window.session.grid
    plane = grid.geometry.plane
    focused = grid.cells[grid.focus].view.volume
    step = normal_step(focused.affine, plane)
    assert step != pytest.approx(1.0)  # the old fallback would show
    np.testing.assert_allclose(
        press(qtbot, window, QtCore.Qt.Key.Key_Up), step * plane.normal, atol=1e-6
    )
    np.testing.assert_allclose(
        press(qtbot, window, QtCore.Qt.Key.Key_Down), -step * plane.normal, atol=1e-6
    )
    other = next(k for k, c in grid.cells.items() if k != grid.focus and c.view.volume is not None)
    tile = window.grid_view.view(*other)
    qtbot.mouseClick(
        window.grid_view.canvas,
        LEFT,
        pos=QtCore.QPoint(tile.rect[0] + tile.rect[2] // 2, tile.rect[1] + tile.rect[3] // 2),
    )
    assert grid.focus == other
    new_step = normal_step(grid.cells[other].view.volume.affine, plane)
    np.testing.assert_allclose(
        press(qtbot, window, QtCore.Qt.Key.Key_Up), new_step * plane.normal, atol=1e-6
    )


def test_the_status_bar_follows_the_grid_cursor(qtbot, window):
    grid = window.session.grid
    grid.cursor.set_position((3.0, -4.0, 5.0), source="test")
    assert "RAS (3.0, -4.0, 5.0) mm" in window.status_label.text()
    press(qtbot, window, QtCore.Qt.Key.Key_Up)
    z = grid.cursor.position
    assert f"RAS ({z[0]:.1f}, {z[1]:.1f}, {z[2]:.1f}) mm" in window.status_label.text()
    voxel = grid.voxel_at_cursor(*grid.focus)  # the read-out panel's voxel
    assert f"voxel ({voxel[0]}, {voxel[1]}, {voxel[2]})" in window.status_label.text()
