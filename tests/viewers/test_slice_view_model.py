"""The Qt-free state of one image view: pixels, crosshair, intents and caching."""

import numpy as np
import pytest

from tests.viewers.conftest import record_events
from viewers.state.readout import cursor_readout, format_value
from viewers.state.slice_view_model import SliceViewModel
from viewers.state.volume import Volume


def collect(model):
    return record_events(model.events)


def test_pixels_are_the_windowed_slice_through_the_cursor(view_model, ramp_volume):
    cursor = view_model.cursor
    cursor.set_position((-10.0, -8.0, -10.0 + 2 * 3))  # voxel (0, 0, 3)
    view_model.window.set_range(30000, 30000 + 255 * 7)
    pixels = view_model.pixels()
    assert pixels.dtype == np.uint8 and pixels.flags.c_contiguous and pixels.shape == (16, 20)
    expected = np.clip(np.round((ramp_volume.data[:, :, 3].T - 30000) / 7), 0, 255)
    np.testing.assert_array_equal(pixels, expected)
    assert view_model.crosshair() == (-10.0, -8.0)


def test_cursor_moves_in_plane_only_move_the_crosshair(view_model):
    first = view_model.current_slice()
    events = collect(view_model)
    view_model.click(3.0, 4.0)
    assert events == ["cursor"]
    assert view_model.current_slice() is first
    assert view_model.cursor.position[:2].tolist() == [3.0, 4.0]


def test_wheel_moves_one_voxel_along_the_normal(view_model):
    depth = view_model.cursor.position[2]
    events = collect(view_model)
    view_model.scroll(+1)
    assert view_model.cursor.position[2] == pytest.approx(depth + 2.0)
    assert events == ["image", "cursor"]
    view_model.geometry.set_orientation("sagittal")
    x = view_model.cursor.position[0]
    view_model.scroll(-2)
    assert view_model.cursor.position[0] == pytest.approx(x - 2.0)
    assert view_model.current_slice().data.shape == (10, 16)


def test_window_change_rewindows_without_reslicing(view_model):
    plane_slice = view_model.current_slice()
    before = view_model.pixels().copy()
    events = collect(view_model)
    view_model.window.set_range(0, 10)
    assert events == ["image"]
    assert view_model.current_slice() is plane_slice
    assert not np.array_equal(view_model.pixels(), before)


def test_views_share_cursor_and_geometry(shared_models, ramp_volume):
    cursor, geometry, window = shared_models
    left, right = SliceViewModel(cursor, geometry, window), SliceViewModel(cursor, geometry)
    left.set_volume(ramp_volume)
    right.set_volume(Volume.from_array(ramp_volume.data * 2, ramp_volume.affine, "T1w"))
    left.click(1.0, 2.0)
    assert right.crosshair() == (1.0, 2.0)
    geometry.zoom_by(2.0)
    assert right.visible_rect() == left.visible_rect()
    assert right.visible_rect()[2] == pytest.approx(10.0)
    right.close()
    events = collect(right)
    cursor.set_position((0, 0, 0))
    assert events == []


def test_no_volume_means_nothing_to_draw(shared_models):
    model = SliceViewModel(*shared_models)
    assert model.pixels() is None and model.visible_rect() is None
    model.scroll(3)
    assert shared_models[0].position.tolist() == [0, 0, 0]


def test_readout_reports_world_voxel_and_value(ramp_volume):
    text = cursor_readout(ramp_volume, (-9.0, -6.0, -4.0))  # voxel (1, 2, 3)
    assert text == "RAS (-9.0, -6.0, -4.0) mm | voxel (1, 2, 3) | value 30201"
    assert cursor_readout(ramp_volume, (500, 0, 0)).endswith("outside the image")
    assert format_value(1.5e-3) == "1.500e-03" and format_value(None) == "-"


def test_a_new_volume_window_reaches_every_view_sharing_the_window(shared_models, ramp_volume):
    cursor, geometry, window = shared_models
    first, second = (
        SliceViewModel(cursor, geometry, window),
        SliceViewModel(cursor, geometry, window),
    )
    first.set_volume(ramp_volume)
    second.set_volume(ramp_volume, reset_window=False)
    cursor.set_position(ramp_volume.centre)
    before = second.pixels().copy()
    events = collect(first)
    brighter = Volume.from_array(ramp_volume.data * 3, ramp_volume.affine, "FLAIR")
    first.set_volume(brighter)
    assert events == ["image", "range"]  # one redraw, not two
    assert (window.low, window.high) == brighter.window
    assert not np.array_equal(second.pixels(), before)
