"""Painting with simulated mouse events on real SliceViews (offscreen) paints the one label volume."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from processing.annotations import Grid, LabelVolume
from viewers.state.tools import ToolBox
from viewers.state.tools.label_slice import MaskStyle
from viewers.widgets import SliceView
from viewers.widgets.annotation import MaskOverlay, ToolController

pytestmark = pytest.mark.gui
LEFT, RIGHT = QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.MouseButton.RightButton
CTRL = QtCore.Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def labels(ramp_volume):
    """Labels on a finer grid than the image (0.5 mm): painting lands in the reference grid, not the image's."""
    affine = np.diag([0.5, 0.5, 0.5, 1.0])
    affine[:3, 3] = (-10.25, -8.25, -11.25)
    return LabelVolume(Grid((40, 32, 40), affine))


@pytest.fixture
def painter(qtbot, view_model, labels):
    view = SliceView(view_model, "FLAIR")
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    qtbot.waitExposed(view)
    toolbox = ToolBox(labels)
    controller = ToolController(toolbox)
    controller.attach(view)
    overlay = MaskOverlay(view, labels, toolbox.selection, MaskStyle(mode="fill"))
    return view, toolbox, controller, overlay


def pixel(view, u, v) -> QtCore.QPoint:
    return view.mapFromScene(view.view_box.mapViewToScene(QtCore.QPointF(u, v)))


def drag(qtbot, view, points, button=LEFT, modifier=QtCore.Qt.KeyboardModifier.NoModifier):
    widget = view.viewport()
    qtbot.mousePress(widget, button, modifier, pixel(view, *points[0]))
    for u, v in points[1:]:
        qtbot.mouseMove(widget, pixel(view, u, v))
    qtbot.mouseRelease(widget, button, modifier, pixel(view, *points[-1]))


def painted_world(labels, lesion_id=None):
    mask = labels.data > 0 if lesion_id is None else labels.data == lesion_id
    return labels.grid.voxel_to_world(np.argwhere(mask))


def test_a_drag_paints_a_line_in_the_cursor_slice_and_leaves_the_cursor(
    qtbot, painter, labels, view_model
):
    view, toolbox, _, overlay = painter
    toolbox.tools["brush"].size_mm = 1.0
    cursor_before = view_model.cursor.position
    drag(qtbot, view, [(-4.0, 2.0), (0.0, 2.0), (4.0, 2.0)])
    points = painted_world(labels)
    depth = cursor_before[2]
    assert len(np.unique(points[:, 2])) == 1 and abs(points[0, 2] - depth) <= 0.25
    assert points[:, 0].min() == pytest.approx(-4.5, abs=0.6) and points[
        :, 0
    ].max() == pytest.approx(4.5, abs=0.6)
    assert np.all(np.abs(points[:, 1] - 2.0) <= 0.8)
    assert labels.ids() == [1] and len(toolbox.history) == 1  # one stroke, one undo step
    np.testing.assert_allclose(view_model.cursor.position, cursor_before)
    qtbot.waitUntil(lambda: overlay.shown_ids is not None and (overlay.shown_ids == 1).sum() > 10)


def test_right_drag_erases_and_ctrl_click_picks(qtbot, painter, labels):
    view, toolbox, _, _ = painter
    toolbox.tools["brush"].size_mm = 3.0
    drag(qtbot, view, [(-3.0, 0.0), (3.0, 0.0)])
    before = int((labels.data > 0).sum())
    drag(qtbot, view, [(0.0, 0.0)], button=RIGHT)
    assert 0 < int((labels.data > 0).sum()) < before
    toolbox.selection.select(None)
    drag(qtbot, view, [(-2.5, 0.0)], modifier=CTRL)
    assert toolbox.selection.lesion_id == 1 and int((labels.data > 0).sum()) < before


def test_navigation_mode_leaves_the_view_its_clicks(qtbot, painter, labels, view_model):
    view, _, controller, _ = painter
    controller.set_painting(False)
    qtbot.mouseClick(view.viewport(), LEFT, pos=pixel(view, 3.0, -2.0))
    assert not labels.data.any()
    assert view_model.crosshair() == pytest.approx((3.0, -2.0), abs=0.6)


def test_painting_in_a_coronal_view_and_scrolling_mid_stroke(qtbot, painter, labels, view_model):
    view, toolbox, _, _ = painter
    view_model.geometry.set_orientation("coronal")
    toolbox.tools["brush"].size_mm = 1.0
    widget = view.viewport()
    qtbot.mousePress(widget, LEFT, pos=pixel(view, 0.0, 0.0))
    y_first = view_model.cursor.position[1]
    view_model.scroll(2)  # the wheel moves two image slices (1 mm each) mid-stroke
    qtbot.mouseMove(widget, pixel(view, 0.0, 1.0))
    qtbot.mouseRelease(widget, LEFT, pos=pixel(view, 0.0, 1.0))
    ys = np.unique(painted_world(labels)[:, 1])
    assert ys.min() == pytest.approx(y_first, abs=0.3) and ys.max() == pytest.approx(
        y_first + 2.0, abs=0.3
    )
    assert len(toolbox.history) == 1


def test_polygon_closes_on_double_click(qtbot, painter, labels):
    view, toolbox, _, _ = painter
    toolbox.activate("polygon")
    for u, v in [(-3.0, -3.0), (3.0, -3.0), (3.0, 3.0)]:
        qtbot.mouseClick(view.viewport(), LEFT, pos=pixel(view, u, v))
    qtbot.mouseDClick(view.viewport(), LEFT, pos=pixel(view, -3.0, 3.0))
    points = painted_world(labels)
    assert len(points) > 50 and np.all(np.abs(points[:, :2]) <= 3.3)
