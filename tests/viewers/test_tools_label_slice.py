"""The label slice a view shows is the slab a tool paints; overlays in outline and fill."""

from __future__ import annotations

import numpy as np
import pytest

from processing.annotations import Grid, LabelVolume
from viewers.state.geometry import plane_for
from viewers.state.tools import BrushTool, LesionSelection, event
from viewers.state.tools.label_slice import MaskStyle, boundary, label_plane, overlay_rgba


def test_a_cursor_half_way_between_label_voxels_paints_the_slice_shown():
    affine = np.diag([0.5, 0.5, 0.5, 1.0])
    labels = LabelVolume(Grid((20, 20, 20), affine))
    cursor = (5.0, 5.0, 5.25)  # exactly between voxel centres k=10 and k=11
    brush = BrushTool(labels, LesionSelection(), size_mm=1.0)
    brush.press(event(cursor))
    brush.release(event(cursor))
    shown = label_plane(labels, plane_for("axial"), cursor)
    assert shown.data.sum() > 0 and shown.data.sum() == labels.data.sum()


def test_an_oblique_label_grid_is_cut_by_nearest_neighbour():
    angle = np.deg2rad(30)
    rotation = np.array(
        [[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]]
    )
    affine = np.eye(4)
    affine[:3, :3] = rotation
    data = np.zeros((20, 20, 5), np.int32)
    data[5:10, 5:10, 2] = 7
    data[12:15, 5:10, 2] = 9
    shown = label_plane(
        LabelVolume(Grid(data.shape, affine), data), plane_for("axial"), (0.0, 0.0, 2.0)
    )
    assert set(np.unique(shown.data)) == {0, 7, 9} and shown.inside  # no blended values
    assert (shown.data == 7).sum() == pytest.approx(25, rel=0.3)


def test_overlay_outline_fill_and_selection():
    ids = np.zeros((7, 7), np.int32)
    ids[1:6, 1:6] = 3
    outline = overlay_rgba(ids, "outline", 0.5, selected=None)
    assert (outline[..., 3] > 0).sum() == 16 and outline[3, 3, 3] == 0
    filled = overlay_rgba(ids, "fill", 0.5, selected=3)
    assert (filled[..., 3] == 128).sum() == 25 and tuple(filled[3, 3, :3]) == (255, 255, 255)
    assert boundary(ids).sum() == 16
    with pytest.raises(ValueError):
        overlay_rgba(ids, "glow")


def test_mask_style_tells_its_views():
    style, seen = MaskStyle(), []
    style.changed.connect(lambda: seen.append(style.mode))
    style.set(mode="fill", opacity=2.0)
    assert seen == ["fill"] and style.opacity == 1.0
