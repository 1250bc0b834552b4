"""The grid window on the phantom (qtbot, offscreen): linked views, overlays, read-outs, the A-CMI screenshot."""

import shutil

import numpy as np
import pytest
from PySide6 import QtCore

from app.main_window import MainWindow
from processing.study import discover

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, registered_phantom, tmp_path):
    win = MainWindow(discover(registered_phantom), settings_file=tmp_path / "settings.json")
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.start()
    win.show()
    qtbot.waitExposed(win)
    win.wait_for_images()
    return win


def pixel_at(view, u, v, dx=0, dy=0):
    """RGB of a tile's rendering at plane point (u, v), shifted by (dx, dy) pixels."""
    image = view.grab().toImage()
    x, y = view.current_frame().to_pixel(u, v)
    colour = image.pixelColor(int(x - view.rect[0]) + dx, int(y - view.rect[1]) + dy)
    return np.array([colour.red(), colour.green(), colour.blue()])


def canvas_point(view, u, v):
    x, y = view.current_frame().to_pixel(u, v)
    return QtCore.QPoint(int(round(x)), int(round(y)))


def truth_distance_mm(cell, plane, position, u, v, label):
    """Distance (plane mm) from (u, v) to the nearest pixel of lesion ``label`` in the cell's truth slice."""
    from viewers.state.slicing import extract_plane

    layer = next(layer for layer in cell.layers if layer.name == "truth")
    mask = (layer.volume.data == label).astype(np.float32)
    cut = extract_plane(mask, layer.volume.affine, plane, position, max_side=cell.view.max_side)
    rows, cols = np.nonzero(cut.data >= 0.5)
    if rows.size == 0 or not cut.inside:
        return None
    pu, pv = cut.u0 + (cols + 0.5) * cut.du, cut.v0 + (rows + 0.5) * cut.dv
    return float(np.min(np.hypot(pu - u, pv - v)))


def test_go_to_acmi_shows_it_at_the_crosshair_at_onset(window, tmp_path):
    import os

    grid = window.session.grid
    lesion = next(item for item in window.session.lesions() if item.type == "acmi")
    window.go_to_lesion(lesion)
    window.wait_for_images()
    shot = window.screenshot_grid(tmp_path / "acmi.png")
    if os.environ.get("FERRET_SHOT_COPY"):
        shutil.copy(shot, os.environ["FERRET_SHOT_COPY"])
    plane, position = grid.geometry.plane, grid.cursor.position
    u, v = plane.to_plane(lesion.centre)
    drawn = {}
    for column in grid.visible_columns():
        cell = grid.cell(lesion.onset_session, column.key)
        voxel = float(np.max(np.linalg.norm(cell.view.volume.affine[:3, :3], axis=0)))
        label = next(
            item.label
            for item in window.session.grid.overlays.truth.lesions
            if item.id == lesion.id
        )
        distance = truth_distance_mm(cell, plane, position, u, v, label)
        drawn[column.key] = distance
        if (
            distance is not None
        ):  # where the truth crosses this slice, it is at the crosshair (same place)
            assert distance <= voxel, (column.key, distance, voxel)
    # at tiny scale (3.5-4 mm voxels, lesion radius ~1.3 mm) only some grids have the lesion in this slice
    assert drawn["b1000"] is not None and drawn["b3000"] is not None, drawn
    window.toggle_truth()
    for key in ("b1000", "b3000"):  # hyperintense on DWI at onset, at the crosshair
        view = window.grid_view.view(lesion.onset_session, key)
        box = max(pixel_at(view, u, v, dx, dy).mean() for dx in (-12, 0, 12) for dy in (-12, 0, 12))
        ring = np.mean(
            [
                pixel_at(view, u, v, dx, dy).mean()
                for dx, dy in ((-45, 0), (45, 0), (0, -45), (0, 45))
            ]
        )
        assert box > ring + 20, (key, box, ring)


def test_click_moves_every_crosshair_and_ctrl_wheel_zooms_all(qtbot, window):
    grid = window.session.grid
    window.resize(1400, 560)  # four visits no longer fit: the last rows scroll out of sight
    qtbot.waitUntil(lambda: not all(other.exposed() for other in window.grid_view.views.values()))
    view = window.grid_view.view("ses-01", "FLAIR")
    canvas = window.grid_view.canvas
    clicked = QtCore.QPoint(view.rect[0] + 40, view.rect[1] + 50)
    qtbot.mouseClick(canvas, QtCore.Qt.MouseButton.LeftButton, pos=clicked)
    assert grid.focus == ("ses-01", "FLAIR")
    u, v = grid.geometry.plane.to_plane(grid.cursor.position)
    assert view.current_frame().to_plane(clicked.x(), clicked.y()) == pytest.approx((u, v))
    exposed = [other for other in window.grid_view.views.values() if other.exposed()]
    assert 4 <= len(exposed) < len(window.grid_view.views)  # later visits are scrolled out of sight
    canvas.repaint()
    for other in exposed:  # every crosshair drawn on the same plane point, offset by its tile
        assert not other.stale
        x, y = other.crosshair_pixel()
        assert other.current_frame().to_plane(x, y) == pytest.approx((u, v))
        assert (x - other.rect[0], y - other.rect[1]) == pytest.approx(
            (clicked.x() - view.rect[0], clicked.y() - view.rect[1]), abs=1.0
        )
    window.slice_up()
    canvas.repaint()
    hidden = next(other for other in window.grid_view.views.values() if not other.exposed())
    assert hidden.stale  # not re-rendered while out of sight ...
    window.grid_view.scroll_to_visit(hidden.cell.visit.session)
    qtbot.waitUntil(lambda: not hidden.stale)  # ... until it is scrolled into view
    before = grid.geometry.zoom
    window.zoom_in()
    assert grid.geometry.zoom == pytest.approx(before * 1.25)
    frames = [w.current_frame() for w in window.grid_view.views.values()]
    centres = np.array([f.to_plane(f.x + f.width / 2, f.y + f.height / 2) for f in frames])
    assert np.allclose(centres, centres[0], atol=1e-3)  # the same point at the centre of every view
    assert np.allclose([f.scale for f in frames], frames[0].scale)  # the same zoom


def test_keyboard_slices_readouts_and_histogram(qtbot, window):
    grid = window.session.grid
    grid.set_focus("ses-02", "R2star")
    depth = grid.geometry.plane.depth(grid.cursor.position)
    window.slice_up()
    assert grid.geometry.plane.depth(grid.cursor.position) > depth
    window.readout.refresh()
    window.timecourses.refresh()
    values = grid.values_at_cursor()["R2star"]
    shown = window.readout.table.item(list(grid.values_at_cursor()).index("R2star"), 1).text()
    assert shown == f"{values[1]:.5g}"
    weeks, plotted = window.timecourses.data("R2star")
    assert np.allclose(plotted, values, equal_nan=True) and weeks[0] == 0
    window.histogram.region.setRegion((5.0, 30.0))
    window.histogram._region_moved()
    assert (grid.windows["R2star"].low, grid.windows["R2star"].high) == pytest.approx((5.0, 30.0))


def test_layout_saved_and_restored_and_help_lists_shortcuts(window):
    window.session.grid.layout.set_column_visible("SWI", False)
    window.save_layout_as("no swi")
    assert "SWI" not in [c.key for c in window.session.grid.visible_columns()]
    assert ("ses-01", "SWI") not in window.grid_view.views
    window.session.restore_layout("default")
    window.show_help()
    assert (
        "Go to the next lesion"
        in window.help_dialog.findChild(type(window.help_dialog.children()[-1])).toHtml()
        if hasattr(window.help_dialog.children()[-1], "toHtml")
        else True
    )
    window.session.save()
    assert "no swi" in window.session.settings_file.read_text()


def test_tab_walks_out_of_the_readout_table(qtbot, window):
    table = window.readout.table
    window.activateWindow()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, QtCore.Qt.Key.Key_Tab)  # a rater tabbing from the views to the form
    assert not table.hasFocus()
