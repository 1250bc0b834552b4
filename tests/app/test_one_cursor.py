"""One cursor, one geometry: the single-image tab reads the grid's, placed like the grid's cells.

The presenter is driven Qt-free with a recording view over a grid model (a
visit registered by a ``from-FLAIR_to-ref`` transform); the window tests
(offscreen) check that orientation is set once and the status bar has one writer.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from app.main_presenter import MainPresenter
from processing.registration import store as registration_store
from processing.study import discover
from tests.app.test_browser_and_presenter import RecordingView
from viewers.state.grid import GridModel
from viewers.state.loader import VolumeLoader
from viewers.state.readout import cursor_readout
from viewers.state.volume import load_display_volume

LEFT = QtCore.Qt.MouseButton.LeftButton

#: A small rotation about z and a shift: ses-02's FLAIR lies elsewhere than its header says.
MOVE = np.array(
    [[0.996, -0.087, 0.0, 2.5], [0.087, 0.996, 0.0, -2.0], [0.0, 0.0, 1.0, 3.0], [0, 0, 0, 1]]
)


@pytest.fixture
def registered(tmp_path, study_writer):
    """Write a study with a registered ses-02 FLAIR (sub-01); give it and sub-01."""
    root = study_writer(tmp_path / "study", participants=("sub-01",))
    visit = discover(root).participants["sub-01"].visit("ses-02")
    path = registration_store.xfm_path(visit, "FLAIR", "ref")
    path.parent.mkdir(parents=True, exist_ok=True)
    registration_store.write_transform(
        path, MOVE, source="FLAIR", target="ref", method="test", parameters={}, inputs=[]
    )
    study = discover(root)
    return study, study.participants["sub-01"]


@pytest.fixture
def grid(registered):
    loader = VolumeLoader()
    model = GridModel(loader)
    model.open(registered[1])
    loader.wait()
    yield model
    model.close()
    loader.shutdown()


def test_the_single_view_shows_the_grid_cell_value_at_the_shared_cursor(registered, grid):
    study, _ = registered
    presenter = MainPresenter(RecordingView(), study, grid.cursor, grid.geometry)
    presenter.start()
    presenter.select_acquisition("ses-02", "FLAIR")
    assert "not registered" not in presenter.view.title
    cell = grid.cells[("ses-02", "FLAIR")]
    assert cell.placement.registered and cell.view.volume is not None
    unplaced = load_display_volume(
        study.participants["sub-01"].visit("ses-02").acquisitions["FLAIR"]
    )
    centre, differs = grid.cursor.position, 0
    for offset in ([0, 0, 0], [4.0, -3.0, 2.0], [-6.0, 5.0, -4.0], [7.0, 7.0, 0.0]):
        grid.cursor.set_position(centre + offset)
        position = grid.cursor.position
        native, shown = cell.view.volume.native, presenter.slice_model.volume
        assert shown.value_at(position) == native.value_at(position)
        assert presenter.view.status == cursor_readout(native, position)  # the image's own voxel
        differs += unplaced.value_at(position) != shown.value_at(position)
    assert differs  # the transform matters at these points


def test_an_unregistered_image_says_so_in_its_title(registered, grid):
    presenter = MainPresenter(RecordingView(), registered[0], grid.cursor, grid.geometry)
    presenter.start()
    presenter.select_acquisition("ses-01", "FLAIR")
    assert presenter.view.title.endswith("[not registered]")
    assert not grid.cells[("ses-01", "FLAIR")].placement.registered


@pytest.mark.gui
def test_orientation_is_set_once_and_the_single_view_follows_the_grid(
    small_study, open_rating_window
):
    window = open_rating_window(small_study, None)
    views = [window.slice_view.model, *(tile.model for tile in window.grid_view.views.values())]
    geometries = {id(view.geometry): view.geometry for view in views}
    assert list(geometries.values()) == [window.session.grid.geometry]  # one geometry
    assert {id(view.cursor) for view in views} == {id(window.session.grid.cursor)}  # one cursor
    calls = []
    for geometry in geometries.values():
        set_orientation = geometry.set_orientation
        geometry.set_orientation = lambda name, f=set_orientation: (calls.append(name), f(name))
    window.show_sagittal()  # the grid's key
    assert calls == ["sagittal"]
    assert window.slice_view.model.geometry.orientation == "sagittal"
    assert window.orientation_buttons.checkedButton().text() == "Sagittal"
    window.close()


@pytest.mark.gui
def test_the_status_bar_has_one_writer_the_tab_shown(small_study, open_rating_window):
    window = open_rating_window(small_study, None)
    writes = []
    set_text = window.status_label.setText
    window.status_label.setText = lambda text: (writes.append(text), set_text(text))
    cursor = window.session.grid.cursor
    cursor.set_position(cursor.position + [2.0, 1.0, 0.0])
    assert len(writes) == 1 and writes[0].startswith("ses-01 b1000: RAS (")
    window.tabs.setCurrentIndex(1)  # the single-image tab
    writes.clear()
    cursor.set_position(cursor.position + [1.0, 0.0, 0.0])
    assert writes == [window.presenter.readout()] and writes[0].startswith("RAS (")
    window.close()


@pytest.mark.gui
def test_views_made_after_attach_are_painted_in_at_once_without_polling(
    qtbot, tmp_path, study_writer, open_rating_window
):
    from PySide6 import QtWidgets

    from viewers.state.slice_view_model import SliceViewModel
    from viewers.widgets import SliceView

    window = open_rating_window(study_writer(tmp_path / "study", ("sub-01",)), "A", "ses-01")
    attachment, grid = window.rating.annotation, window.session.grid
    assert [t for t in attachment.findChildren(QtCore.QTimer) if not t.isSingleShot()] == []
    assert window.slice_view not in attachment.overlays  # the single-image tab is not painted in
    model = SliceViewModel(grid.cursor, grid.geometry)
    model.set_volume(grid.cells[("ses-01", "b1000")].view.volume)
    dock = QtWidgets.QDockWidget("Another view", window)
    dock.setWidget(SliceView(model))
    window.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    assert ("ses-01", "phase") not in window.grid_view.views
    grid.layout.set_column_visible("phase", True)  # the grid rebuilds its canvas
    window.wait_for_images()
    assert dock.widget() in attachment.overlays  # rescanned on the grid's structure event
    tile = window.grid_view.view("ses-01", "phase")  # a tile made after attach
    point = QtCore.QPoint(
        tile.rect[0] + tile.rect[2] // 2 + 9, tile.rect[1] + tile.rect[3] // 2 + 7
    )
    canvas = window.grid_view.canvas
    qtbot.mousePress(canvas, LEFT, pos=point)
    qtbot.mouseRelease(canvas, LEFT, pos=point)
    u, v = tile.current_frame().to_plane(point.x(), point.y())  # the tile's plane point
    world = tile.model.plane.to_world(u, v, tile.model.plane.depth(grid.cursor.position))
    labels = attachment.session.labels
    voxel = tuple(np.floor(labels.grid.world_to_voxel(world) + 0.5).astype(int))
    assert labels.data[voxel] > 0  # painted in the new tile
    QtWidgets.QApplication.processEvents()  # one pass: the coalesced redraws, no timer to wait for
    for overlay in (attachment.overlays[canvas], attachment.overlays[dock.widget()]):
        assert overlay.shown_ids is not None and overlay.shown_ids.any()
    window.close()
