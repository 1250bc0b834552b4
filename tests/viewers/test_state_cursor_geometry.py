"""The shared cursor (echo guard, ordering) and the shared view geometry."""

import numpy as np
import pytest

from tests.viewers.conftest import record_events
from viewers.state import EventEmitter, ViewGeometry, WorldCursor, plane_for


def test_emitter_delivers_in_order_and_can_be_blocked():
    seen = []
    emitter = EventEmitter()
    emitter.connect(lambda value: seen.append(("a", value)))
    second = emitter.connect(lambda value: seen.append(("b", value)))
    emitter.emit(value=1)
    with emitter.blocked():
        emitter.emit(value=2)
    emitter.disconnect(second)
    emitter.emit(value=3)
    assert seen == [("a", 1), ("b", 1), ("a", 3)]


def test_cursor_emits_position_copy_and_source():
    cursor = WorldCursor()
    events = []
    cursor.changed.connect(lambda position, source: events.append((position, source)))
    assert cursor.set_position((1, 2, 3), source="view-a")
    events[0][0][0] = 99  # mutating the event's copy must not move the cursor
    assert cursor.position.tolist() == [1, 2, 3]
    assert events[0][1] == "view-a"


def test_cursor_ignores_no_op_and_echoes():
    cursor = WorldCursor((0, 0, 0))
    events = []

    def echoing_view(position, source):
        events.append(position.copy())
        # a linked view converts to its voxels and back and sets what it got
        cursor.set_position(position + 1e-9, source="echo")

    cursor.changed.connect(echoing_view)
    assert not cursor.set_position((0, 0, 0))
    cursor.set_position((5, 0, 0))
    assert len(events) == 1 and events[0].tolist() == [5, 0, 0]


def test_cursor_change_during_delivery_reaches_everyone_after_current_event():
    cursor = WorldCursor()
    log = []

    def snapping_view(position, source):
        log.append(("snap", position.tolist()))
        cursor.set_position(np.round(position), source="snap")

    cursor.changed.connect(snapping_view)
    cursor.changed.connect(lambda position, source: log.append(("other", position.tolist())))
    cursor.set_position((0.4, 1.6, 2.0))
    assert log == [
        ("snap", [0.4, 1.6, 2.0]),
        ("other", [0.4, 1.6, 2.0]),
        ("snap", [0.0, 2.0, 2.0]),
        ("other", [0.0, 2.0, 2.0]),
    ]
    assert cursor.position.tolist() == [0.0, 2.0, 2.0]


def test_cursor_rejects_bad_positions():
    with pytest.raises(ValueError):
        WorldCursor().set_position((1, 2))
    with pytest.raises(ValueError):
        WorldCursor().set_position((1, np.nan, 2))


def test_planes_are_right_handed_and_follow_display_conventions():
    for name in ("axial", "coronal", "sagittal"):
        plane = plane_for(name)
        assert abs(abs(np.linalg.det(np.stack([plane.u, plane.v, plane.normal]))) - 1) < 1e-12
    assert plane_for("axial").to_plane((10, 20, 30)) == (10, 20)  # right is right, anterior up
    assert plane_for("coronal").to_plane((10, 20, 30)) == (10, 30)  # superior up
    assert plane_for("sagittal").to_plane((10, 20, 30)) == (-20, 30)  # anterior on the left
    point = plane_for("sagittal").to_world(-20, 30, 10)
    assert point.tolist() == [10, 20, 30]


def test_geometry_events_zoom_clip_and_visible_rect():
    geometry = ViewGeometry()
    events = record_events(geometry.events)
    geometry.zoom_by(2.0)
    geometry.pan_by(5.0, -3.0)
    assert geometry.visible_rect((0, 0, 100, 80)) == (30.0, 17.0, 50.0, 40.0)
    geometry.set_zoom(1e6)
    assert geometry.zoom == 64.0
    geometry.set_orientation("coronal")
    assert (geometry.zoom, geometry.pan) == (1.0, (0.0, 0.0))
    geometry.set_orientation("coronal")  # no change, no event
    assert events == ["zoom", "pan", "zoom", "orientation"]
    with pytest.raises(ValueError):
        geometry.set_orientation("oblique")
