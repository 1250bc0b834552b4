"""The SliceView widget draws its model and turns mouse input into intents (offscreen Qt)."""

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from viewers.state.slice_view_model import SliceViewModel
from viewers.widgets import SliceView

pytestmark = pytest.mark.gui


@pytest.fixture
def view(qtbot, view_model):
    widget = SliceView(view_model, "FLAIR ses-01")
    qtbot.addWidget(widget)
    widget.resize(300, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def widget_point(view, u, v) -> QtCore.QPoint:
    scene = view.view_box.mapViewToScene(QtCore.QPointF(u, v))
    return view.mapFromScene(scene)


def test_image_item_holds_the_model_pixels_at_the_right_place(view, view_model):
    np.testing.assert_array_equal(view.image_item.image, view_model.pixels())
    rect = view.image_item.mapRectToView(view.image_item.boundingRect())
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == pytest.approx(
        view_model.current_slice().rect
    )
    assert view.crosshair[0].value() == pytest.approx(view_model.crosshair()[0])


def test_click_sets_the_shared_cursor(qtbot, view, view_model):
    qtbot.mouseClick(
        view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=widget_point(view, 4.0, -3.0)
    )
    u, v = view_model.crosshair()
    assert u == pytest.approx(4.0, abs=0.5) and v == pytest.approx(-3.0, abs=0.5)
    assert view.crosshair[1].value() == pytest.approx(v)


def send_wheel(view, delta: int, modifiers=QtCore.Qt.KeyboardModifier.NoModifier):
    centre = QtCore.QPointF(view.viewport().rect().center())
    event = QtGui.QWheelEvent(
        centre,
        view.viewport().mapToGlobal(centre),
        QtCore.QPoint(0, 0),
        QtCore.QPoint(0, delta),
        QtCore.Qt.MouseButton.NoButton,
        modifiers,
        QtCore.Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QtWidgets.QApplication.sendEvent(view.viewport(), event)


def test_wheel_changes_slice_and_ctrl_wheel_zooms(view, view_model):
    before_z = view_model.cursor.position[2]
    before = view.image_item.image.copy()
    send_wheel(view, 120)
    assert view_model.cursor.position[2] == pytest.approx(before_z + 2.0)
    assert not np.array_equal(view.image_item.image, before)
    send_wheel(view, 120, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert view_model.geometry.zoom == pytest.approx(1.25)
    shown = view.view_box.viewRect()
    # the 20 x 16 mm field of view fills a square widget as 20 x 20 mm; zoomed 1.25 x: 16 x 16
    assert (shown.width(), shown.height()) == pytest.approx((16.0, 16.0))


def test_two_views_over_shared_models_follow_each_other(qtbot, view, view_model, ramp_volume):
    other_model = SliceViewModel(view_model.cursor, view_model.geometry)
    other_model.set_volume(ramp_volume)
    other = SliceView(other_model)
    qtbot.addWidget(other)
    view_model.click(-2.0, 5.0)
    assert other.crosshair[0].value() == pytest.approx(-2.0)
    view_model.geometry.set_orientation("coronal")
    assert other.image_item.image.shape == (10, 20)
