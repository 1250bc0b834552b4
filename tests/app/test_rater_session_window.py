"""attach_annotation on a main window with an axial and a coronal SliceView: paint, go, rate, undo."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from app.annotation import RaterSession, attach_annotation
from viewers.state import ViewGeometry, WindowLevel, WorldCursor
from viewers.state.slice_view_model import SliceViewModel
from viewers.state.volume import Volume
from viewers.widgets import SliceView

pytestmark = pytest.mark.gui
LEFT = QtCore.Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot, tmp_path, study_writer):
    study = study_writer(tmp_path / "study", participants=("sub-01",))
    dwi = nib.load(study / "sub-01" / "ses-01" / "dwi" / "sub-01_ses-01_dwi.nii.gz")
    volume = Volume.from_array(np.asarray(dwi.dataobj)[..., 0], dwi.affine, "DWI", "ses-01")
    cursor, window_level = WorldCursor(volume.centre), WindowLevel()
    views = []
    for orientation in ("axial", "coronal"):
        model = SliceViewModel(cursor, ViewGeometry(orientation), window_level)
        model.set_volume(volume)
        views.append(SliceView(model, orientation))
    main = QtWidgets.QMainWindow()
    qtbot.addWidget(main)
    grid = QtWidgets.QWidget()
    row = QtWidgets.QHBoxLayout(grid)
    for view in views:
        row.addWidget(view)
    main.setCentralWidget(grid)
    session = RaterSession(study, "A", "sub-01", visit="ses-01", cursor=cursor)
    attachment = attach_annotation(main, session)
    main.resize(1200, 600)
    main.show()
    qtbot.waitExposed(main)
    yield main, views, session, attachment
    session.close()


def pixel(view, u, v) -> QtCore.QPoint:
    return view.mapFromScene(view.view_box.mapViewToScene(QtCore.QPointF(u, v)))


def test_one_call_attaches_every_view_and_docks_the_panel(window):
    main, views, session, attachment = window
    assert set(attachment.overlays) == set(views)
    assert (
        attachment.dock is not None
        and main.dockWidgetArea(attachment.dock) == QtCore.Qt.DockWidgetArea.RightDockWidgetArea
    )
    assert session.cursor is views[0].model.cursor


def test_paint_in_coronal_shows_in_axial_then_rate_and_undo(qtbot, window):
    main, (axial, coronal), session, attachment = window
    attachment.panel.tools.set_brush_size(3.0)
    centre = session.cursor.position
    qtbot.mousePress(coronal.viewport(), LEFT, pos=pixel(coronal, centre[0] - 3, centre[2]))
    qtbot.mouseMove(coronal.viewport(), pixel(coronal, centre[0] + 3, centre[2]))
    qtbot.mouseRelease(coronal.viewport(), LEFT, pos=pixel(coronal, centre[0] + 3, centre[2]))
    painted = session.labels.grid.voxel_to_world(np.argwhere(session.labels.data == 1))
    assert len(np.unique(np.round(painted[:, 1], 3))) == 1  # one coronal slab
    assert abs(painted[0, 1] - centre[1]) <= 0.5
    qtbot.waitUntil(
        lambda: (attachment.overlays[axial].shown_ids == 1).any()
    )  # the axial view shows it
    # the table lists the lesion; a click goes there in every view
    session.cursor.set_position(centre + [10.0, 10.0, 0.0])
    table = attachment.panel.table
    qtbot.mouseClick(
        table.view.viewport(),
        LEFT,
        pos=table.view.visualRect(table.rows_model.index(0, 0)).center(),
    )
    np.testing.assert_allclose(session.cursor.position, session.table.rows[0]["centre"])
    assert axial.crosshair[0].value() == pytest.approx(session.cursor.position[0])
    # rate from the keyboard in the dock's form
    form_widget = attachment.panel.form
    form_widget.setFocus()
    qtbot.keyClicks(form_widget, "hh")
    assert session.annotation.store.ratings()[1] == {"dwi_onset": "hyper", "md_onset": "hyper"}
    # Ctrl+Z in the window undoes the stroke, everywhere
    main.windowHandle().requestActivate()
    qtbot.waitUntil(main.isActiveWindow)
    qtbot.keyClick(form_widget, QtCore.Qt.Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert not session.labels.data.any() and session.table.rows == []
    qtbot.waitUntil(lambda: not attachment.overlays[axial].shown_ids.any())


def test_views_made_later_are_picked_up(qtbot, window):
    main, views, session, attachment = window
    model = SliceViewModel(views[0].model.cursor, ViewGeometry("sagittal"))
    model.set_volume(views[0].model.volume)
    late = SliceView(model, "sagittal")
    main.centralWidget().layout().addWidget(late)
    attachment.rescan()
    assert late in attachment.overlays and late.viewport() in attachment.controller.views
