"""The grid's shared models without Qt: one cursor, one geometry, a window per column, placement."""

import numpy as np
import pytest

from tests.viewers.conftest import record_events
from viewers.state.columns import COLUMNS, resolve_cell
from viewers.state.grid import GridModel
from viewers.state.loader import VolumeLoader
from viewers.state.placement import placement_of


@pytest.fixture
def grid(phantom_participant):
    loader = VolumeLoader()
    model = GridModel(loader)
    model.open(phantom_participant)
    loader.wait()
    yield model
    model.close()
    loader.shutdown()


def test_every_visible_cell_shares_cursor_geometry_and_its_column_window(grid):
    views = [cell.view for cell in grid.cells.values()]
    assert len(views) == 4 * 7
    assert all(v.cursor is grid.cursor and v.geometry is grid.geometry for v in views)
    for cell in grid.cells.values():
        assert cell.view.window is grid.windows[cell.column.key]
    assert all(cell.state == "shown" for cell in grid.cells.values())


def test_a_click_in_one_view_moves_every_crosshair(grid):
    first, last = grid.cell("ses-01", "b1000").view, grid.cell("ses-04", "FLAIR").view
    target = grid.cursor.position + np.array([7.0, -5.0, 0.0])
    first.click(*first.plane.to_plane(target))
    for cell in grid.cells.values():
        assert cell.view.crosshair() == pytest.approx(last.crosshair())
    assert last.crosshair() == pytest.approx(first.plane.to_plane(target))


def test_zoom_and_pan_give_every_view_the_same_rectangle(grid):
    grid.geometry.zoom_by(2.0)
    grid.geometry.pan_by(10.0, -4.0)
    rects = {cell.view.visible_rect() for cell in grid.cells.values()}
    assert len(rects) == 1
    width = rects.pop()[2]
    assert width == pytest.approx(grid.geometry.shared_field_of_view()[2] / 2)


def test_orientation_applies_to_every_view(grid):
    grid.geometry.set_orientation("coronal")
    assert {cell.view.plane.name for cell in grid.cells.values()} == {"coronal"}
    assert all(cell.view.pixels() is not None for cell in grid.cells.values())


def test_go_to_lesion_centres_every_view_on_it(grid):
    lesion = next(item for item in grid.overlays.lesions if item.type == "acmi")
    grid.go_to_lesion(lesion)
    assert grid.cursor.position == pytest.approx(lesion.centre)
    u, v = grid.geometry.plane.to_plane(lesion.centre)
    for cell in grid.cells.values():
        left, bottom, width, height = cell.view.visible_rect()
        assert (left + width / 2, bottom + height / 2) == pytest.approx((u, v))
    assert grid.geometry.zoom > 1
    assert grid.focus[0] == lesion.onset_session


def test_truth_lesion_is_under_the_cursor_at_onset_and_dwi_is_bright(grid):
    lesion = next(item for item in grid.overlays.lesions if item.type == "acmi")
    grid.go_to_lesion(lesion)
    grid.set_focus(lesion.onset_session, "b1000")
    assert any(text.startswith(lesion.id) for text in grid.lesions_at_cursor())
    sessions = [v.session for v in grid.visible_visits()]
    onset = sessions.index(lesion.onset_session)
    b1000 = grid.values_at_cursor()["b1000"]
    before = [value for value in b1000[:onset]]
    assert before and b1000[onset] > 1.2 * max(before)


def test_placement_uses_the_to_ref_transform_and_marks_unregistered(
    grid, phantom_participant, tmp_path
):
    visit = phantom_participant.visits[1]
    placement = placement_of(visit, "FLAIR")
    assert placement.registered and not np.allclose(placement.matrix, np.eye(4))
    cell = grid.cell(visit.session, "FLAIR")
    raw_affine = cell.view.volume.native.affine @ np.linalg.inv(
        visit.acquisitions["FLAIR"].files[0].header.get_best_affine()
    )
    assert raw_affine == pytest.approx(placement.matrix, abs=1e-6)
    missing = placement_of(visit, "T2w")
    assert not missing.registered and np.allclose(missing.matrix, np.eye(4))


def test_cells_prefer_derived_maps_and_fall_back_to_raw(phantom_participant):
    visit = phantom_participant.visits[0]
    assert resolve_cell(visit, COLUMNS["R2star"]).status == "derived"
    assert resolve_cell(visit, COLUMNS["R2star"]).acquisition == "MEGRE"
    flair = resolve_cell(visit, COLUMNS["FLAIR"])
    assert flair.status == "raw" and flair.acquisition == "FLAIR"
    assert resolve_cell(visit, COLUMNS["T2w"]).status == "missing"


def test_hiding_a_column_and_a_visit_drops_their_cells(grid):
    events = record_events(grid.events)
    grid.layout.set_column_visible("SWI", False)
    grid.layout.set_row_visible("ses-02", False)
    assert not any(key[1] == "SWI" or key[0] == "ses-02" for key in grid.cells)
    assert events.count("structure") == 2
    grid.layout.move_column("FLAIR", -10)
    assert [c.key for c in grid.visible_columns()][0] == "FLAIR"


def test_every_cell_is_resampled_once_into_the_display_grid(grid):
    """Slices are straight views of one axis-aligned grid; read-outs keep the image as read."""
    shapes = {
        cell.view.volume.data.shape for cell in grid.cells.values() if cell.view.volume is not None
    }
    assert shapes == {grid.placer.display_grid.shape}
    for cell in grid.cells.values():
        volume = cell.view.volume
        if volume is None:
            continue
        assert np.allclose(volume.affine, grid.placer.display_grid.affine)
        assert (
            volume.native is not volume
            and volume.native.data.shape != ()
            and volume.nbytes > volume.data.nbytes
        )
    plane_slice = next(iter(grid.cells.values())).view.current_slice()
    assert (
        plane_slice.data.shape[::-1] == grid.placer.display_grid.shape[:2]
    )  # axial: rows along y, columns along x
