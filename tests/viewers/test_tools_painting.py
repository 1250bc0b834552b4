"""Brush, eraser, polygon, fill and picker on synthetic events, in several views."""

from __future__ import annotations

import numpy as np
import pytest

from processing.annotations import Grid, LabelVolume
from viewers.state.tools import (
    BrushTool,
    EraserTool,
    FloodFillTool,
    LesionPicker,
    LesionSelection,
    PolygonTool,
    ToolBox,
    event,
)

# x flipped, anisotropic voxels, shifted origin: nothing is an identity by accident.
AFFINE = np.array([[-0.8, 0, 0, 20.0], [0, 0.8, 0, -16.0], [0, 0, 2.0, -10.0], [0, 0, 0, 1]])


@pytest.fixture
def labels():
    return LabelVolume(Grid((50, 40, 12), AFFINE))


def world(i, j, k):
    return tuple((AFFINE @ [i, j, k, 1])[:3])


def brute_disc(grid, centre, radius, axis):
    ijk = np.stack(np.meshgrid(*[np.arange(n) for n in grid.shape], indexing="ij"), -1)
    points = grid.voxel_to_world(ijk)
    inside = np.linalg.norm(points - centre, axis=-1) <= radius
    if axis is not None:
        index = np.round(grid.world_to_voxel(centre)).astype(int)[axis]
        inside &= np.take(ijk, axis, axis=-1) == index
    return inside


@pytest.mark.parametrize("orientation, axis", [("axial", 2), ("coronal", 1), ("sagittal", 0)])
def test_disc_is_painted_in_the_views_plane(labels, orientation, axis):
    brush = BrushTool(labels, LesionSelection(), size_mm=4.0)
    centre = world(20, 15, 5)
    brush.press(event(centre, orientation))
    brush.release(event(centre, orientation))
    expected = brute_disc(labels.grid, np.array(centre), 2.0, axis)
    assert np.array_equal(labels.data > 0, expected)
    assert len(np.unique(np.nonzero(labels.data)[axis])) == 1


def test_ball_is_3d(labels):
    brush = BrushTool(labels, LesionSelection(), size_mm=5.0, mode="3d")
    centre = np.array(world(20, 15, 5))
    brush.press(event(centre))
    brush.release(event(centre))
    assert np.array_equal(labels.data > 0, brute_disc(labels.grid, centre, 2.5, None))
    assert len(np.unique(np.nonzero(labels.data)[2])) == 3  # 2 mm slices: z = -2, 0, +2 mm


def test_stroke_leaves_no_gaps_and_crosses_slices(labels):
    brush = BrushTool(labels, LesionSelection(), size_mm=1.0)
    brush.press(event(world(5, 5, 3)))
    brush.move(event(world(30, 5, 3)))  # a fast move: two events 20 mm apart
    brush.move(event(world(30, 5, 6)))  # scrolled three slices while painting
    brush.release(event(world(30, 20, 6)))
    assert np.all(labels.data[5:31, 5, 3] == 1)
    assert np.all(labels.data[30, 5, 3:7] == 1)
    assert np.all(labels.data[30, 5:21, 6] == 1)
    assert labels.ids() == [1]


def test_strokes_in_different_views_paint_one_mask(labels):
    tools = ToolBox(labels)
    tools.tools["brush"].size_mm = 4.5
    for orientation in ("axial", "coronal", "sagittal"):
        tools.press(event(world(20, 15, 5), orientation))
        tools.release(event(world(20, 15, 5), orientation))
    painted = labels.data > 0
    assert (
        painted[:, 15, 5].sum() > 1 and painted[20, :, 5].sum() > 1 and painted[20, 15, :].sum() > 1
    )
    assert labels.ids() == [1]  # touching strokes extend the same lesion
    assert len(tools.history) == 3


def test_new_lesion_ids_and_preserving_neighbours(labels):
    selection = LesionSelection()
    brush = BrushTool(labels, selection, size_mm=3.0)
    for x in (10, 30):
        brush.press(event(world(x, 10, 4)))
        brush.release(event(world(x, 10, 4)))
    assert labels.ids() == [1, 2]
    first = labels.data == 1
    selection.start_new_lesion()
    brush.press(event(world(11, 10, 4)))  # overlaps lesion 1 but asks for a new one
    brush.release(event(world(11, 10, 4)))
    assert labels.ids() == [1, 2, 3]
    assert np.array_equal(labels.data == 1, first)  # lesion 1 kept every voxel
    brush.press(event(world(33, 10, 4)))  # adjacent to lesion 2: extends it
    brush.release(event(world(33, 10, 4)))
    assert labels.ids() == [1, 2, 3] and selection.lesion_id == 2


def test_right_button_and_eraser_erase(labels):
    selection = LesionSelection()
    brush = BrushTool(labels, selection, size_mm=6.0)
    brush.press(event(world(20, 20, 4)))
    brush.release(event(world(20, 20, 4)))
    before = int((labels.data > 0).sum())
    brush.size_mm = 2.0
    brush.press(event(world(20, 20, 4), "axial", "right"))
    brush.release(event(world(20, 20, 4), "axial", "right"))
    assert labels.data[20, 20, 4] == 0 and 0 < (labels.data > 0).sum() < before
    eraser = EraserTool(labels, selection, size_mm=20.0)
    eraser.press(event(world(20, 20, 4)))
    eraser.release(event(world(20, 20, 4)))
    assert not labels.data.any()


def test_polygon_fills_in_a_sagittal_plane(labels):
    polygon = PolygonTool(labels, LesionSelection())
    corners = [world(10, 5, 2), world(10, 25, 2), world(10, 25, 8), world(10, 5, 8)]
    for corner in corners + [corners[0]]:
        polygon.press(event(corner, "sagittal"))
    painted = np.argwhere(labels.data > 0)
    assert set(painted[:, 0]) == {10}
    assert painted[:, 1].min() >= 5 and painted[:, 1].max() <= 25
    assert (labels.data[10, 6:25, 3:8] == 1).all()


def test_flood_fill_stays_within_range_and_plane(labels):
    image = np.zeros(labels.grid.shape, np.float32)
    image[15:25, 10:20, 3:9] = 100.0
    image[20, 15, 5] = 300.0  # out of range: left unfilled
    fill = FloodFillTool(labels, LesionSelection(), image, low=50, high=150, mode="2d")
    fill.press(event(world(17, 12, 5)))
    filled = labels.data > 0
    assert filled.sum() == 10 * 10 - 1 and filled[:, :, 5].sum() == filled.sum()
    fill.mode = "3d"
    fill.press(event(world(17, 12, 5)))
    assert (labels.data > 0).sum() == 10 * 10 * 6 - 1
    assert labels.ids() == [1]


def test_ctrl_click_picks_the_lesion_under_the_cursor(labels):
    tools = ToolBox(labels)
    for x in (10, 30):
        tools.press(event(world(x, 10, 4)))
        tools.release(event(world(x, 10, 4)))
    tools.press(event(world(10, 10, 4), "axial", "left", "ctrl"))
    tools.release(event(world(10, 10, 4), "axial", "left", "ctrl"))
    assert tools.selection.lesion_id == 1 and labels.ids() == [1, 2]
    LesionPicker(labels, tools.selection).press(event(world(40, 35, 1)))
    assert tools.selection.lesion_id is None
