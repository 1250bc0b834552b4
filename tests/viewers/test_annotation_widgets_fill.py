"""The flood fill offered in the ToolPanel: a click in a grid cell fills on that cell's image."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore
from scipy import ndimage

from processing.annotations import LabelVolume
from processing.annotations.grid import resample_image
from processing.spaces import reference as spaces
from processing.study import discover
from viewers.state.grid import GridModel
from viewers.state.loader import VolumeLoader
from viewers.state.tools import ToolBox
from viewers.state.tools.label_slice import MaskStyle
from viewers.widgets.annotation import ToolController
from viewers.widgets.annotation.tool_panel import ToolPanel
from viewers.widgets.grid_view import GridView

pytestmark = pytest.mark.gui
LEFT = QtCore.Qt.MouseButton.LeftButton


@pytest.fixture
def filling(qtbot, phantom_study):
    loader = VolumeLoader()
    model = GridModel(loader)
    model.open(discover(phantom_study).participants["sub-01"])
    loader.wait()
    view = GridView(model)
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show()
    qtbot.waitExposed(view)
    labels = LabelVolume(spaces.reference_grid(phantom_study, "sub-01"))
    toolbox = ToolBox(labels)
    controller = ToolController(toolbox)
    controller.attach(view.canvas)
    panel = ToolPanel(toolbox, controller, MaskStyle())
    qtbot.addWidget(panel)
    panel.choose("fill")
    yield view, labels, toolbox, panel
    loader.shutdown()


def click_in(qtbot, view, session, key, dx=15, dy=12):
    tile = view.view(session, key)
    point = QtCore.QPoint(
        tile.rect[0] + tile.rect[2] // 2 + dx, tile.rect[1] + tile.rect[3] // 2 + dy
    )
    qtbot.mouseClick(view.canvas, LEFT, pos=point)
    return tile, view.canvas.hit(QtCore.QPointF(point), tile).world


def connected_in_range(image, seed, low, high):
    inside = (image >= low) & (image <= high)
    parts, _ = ndimage.label(inside, structure=np.ones((3, 3, 3), bool))
    return parts == parts[seed]


def test_a_click_fills_the_connected_in_range_region_of_the_clicked_cells_image(qtbot, filling):
    view, labels, toolbox, panel = filling
    fill = toolbox.tools["fill"]
    fill.max_radius_mm = 1000.0  # no cap: the region is the whole connected component
    panel.fill_mode_box.setCurrentText("3d")
    panel.fill_tolerance_box.setValue(40.0)
    assert fill.mode == "3d" and fill.tolerance == 40.0 and fill.auto_range
    tile, world = click_in(qtbot, view, "ses-02", "FLAIR")
    image = resample_image(tile.model.volume.decoded(), tile.model.volume.affine, labels.grid)
    seed = tuple(np.floor(labels.grid.world_to_voxel(world) + 0.5).astype(int))
    value = image[seed]
    assert (fill.low, fill.high) == pytest.approx((value - 40.0, value + 40.0))
    assert panel.fill_low_box.value() == pytest.approx(
        value - 40.0, abs=1e-3
    )  # the panel shows the range
    expected = connected_in_range(image, seed, value - 40.0, value + 40.0)
    assert expected.sum() > 1
    assert np.array_equal(labels.data > 0, expected)
    other = resample_image(
        view.view("ses-02", "b1000").model.volume.decoded(),
        view.view("ses-02", "b1000").model.volume.affine,
        labels.grid,
    )
    assert not np.array_equal(
        expected, connected_in_range(other, seed, other[seed] - 40, other[seed] + 40)
    )


def test_a_fixed_range_in_2d_fills_only_the_clicked_slice(qtbot, filling):
    view, labels, toolbox, panel = filling
    fill = toolbox.tools["fill"]
    fill.max_radius_mm = 1000.0
    tile, world = click_in(qtbot, view, "ses-01", "FLAIR", dx=0, dy=0)  # first read the value there
    toolbox.undo()
    assert not labels.data.any()
    image = resample_image(tile.model.volume.decoded(), tile.model.volume.affine, labels.grid)
    seed = tuple(np.floor(labels.grid.world_to_voxel(world) + 0.5).astype(int))
    low, high = image[seed] - 25.0, image[seed] + 60.0
    panel.set_fill_range(low, high)
    assert not fill.auto_range and not panel.fill_auto_box.isChecked()
    assert fill.mode == "2d"
    click_in(qtbot, view, "ses-01", "FLAIR", dx=0, dy=0)
    assert (fill.low, fill.high) == pytest.approx((low, high))
    axis = int(np.argmax(np.abs(tile.model.plane.normal @ labels.grid.affine[:3, :3])))
    in_slice = np.zeros(labels.grid.shape, bool)
    in_slice[(slice(None),) * axis + (seed[axis],)] = True
    inside = (image >= low) & (image <= high) & in_slice
    parts, _ = ndimage.label(inside, structure=np.ones((3, 3, 3), bool))
    assert np.array_equal(labels.data > 0, parts == parts[seed])
