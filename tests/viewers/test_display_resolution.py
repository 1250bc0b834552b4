"""The display resolution without Qt: reload on a new grid, cursor kept, compact volumes, exact windows."""

import nibabel as nib
import numpy as np
import pytest

from tests.viewers.conftest import record_events
from tests.viewers.display_data import write_participant
from viewers.state.display_grid import CODE_MAX, DisplayGrid, quantise, resample_into
from viewers.state.grid import GridModel
from viewers.state.layout import GridLayout
from viewers.state.loader import VolumeLoader
from viewers.state.volume import Volume
from viewers.state.windowing import to_uint8


@pytest.fixture
def grid(tmp_path):
    study = write_participant(tmp_path / "study")
    loader = VolumeLoader()
    model = GridModel(loader, GridLayout(columns=["b1000", "R1", "SWI"]))
    model.open(study.participants["sub-01"])
    loader.wait()
    yield model
    model.close()
    loader.shutdown()


def uncropped(volume: Volume) -> Volume:
    """Return the image as read, its zero margins back (what the display volume was made from)."""
    full = np.zeros(volume.shape, np.float32)
    full[tuple(slice(o, o + n) for o, n in zip(volume.origin, volume.data.shape, strict=True))] = (
        volume.data
    )
    return Volume(full, volume.file_affine, volume.modality, volume.label, volume.window)


def shapes_by_column(grid) -> dict[str, set]:
    found: dict[str, set] = {}
    for (_, column), cell in grid.cells.items():
        found.setdefault(column, set()).add(cell.view.volume.data.shape)
    return found


def test_a_finer_display_grid_reloads_every_cell_and_keeps_the_cursor(grid):
    assert grid.placer.display_grid.spacing == pytest.approx([3.4] * 3)  # float32 headers
    assert grid.placer.display_grid.shape == (32, 32, 20)
    grid.cursor.set_position([7.3, -11.9, 4.45])
    grid.geometry.zoom_by(2.0)
    events = record_events(grid.events)
    grid.set_display_spacing(1.7)
    assert events[:2] == ["display_grid", "structure"]
    assert grid.loading_progress() == (0, 6)  # results wait on this thread's drain
    grid.loader.wait()
    assert grid.loading_progress() == (6, 6)
    assert all(cell.state == "shown" for cell in grid.cells.values())
    assert grid.cursor.position == pytest.approx([7.3, -11.9, 4.45], abs=1e-9)
    assert grid.geometry.zoom == pytest.approx(2.0)
    display = grid.placer.display_grid
    assert display.spacing.tolist() == [1.7, 1.7, 1.7] and display.shape == (64, 64, 40)
    assert np.allclose(display.box, [[-56.1, -56.1, -35.7], [52.7, 52.7, 32.3]])  # visit 1's DWI
    # never finer than the image: DWI 3.4 mm stays 3.4, SWI's 4 mm slices take 2 x 1.7 mm
    assert shapes_by_column(grid) == {
        "R1": {(64, 64, 40)},
        "b1000": {(32, 32, 20)},
        "SWI": {(64, 64, 20)},
    }
    swi = grid.cell("ses-02", "SWI").view.volume
    assert np.diag(swi.affine)[:3].tolist() == pytest.approx([1.7, 1.7, 3.4])
    assert swi.data.dtype == np.uint16 and swi.quantised


def test_the_reference_grid_again_and_read_outs_unchanged(grid):
    grid.cursor.set_position([5.0, 3.0, -2.0])
    before = grid.values_at_cursor()
    grid.set_display_spacing(0.85)
    grid.loader.wait()
    assert grid.values_at_cursor() == before  # read-outs come from the images as read
    grid.set_display_spacing(None)
    grid.loader.wait()
    assert grid.placer.display_grid.shape == (32, 32, 20)
    assert shapes_by_column(grid)["R1"] == {(32, 32, 20)}
    assert grid.cursor.position == pytest.approx([5.0, 3.0, -2.0])
    keys = [key for key in grid.loader.cache._items if len(key) > 2]
    assert keys and all(key[2][1] == grid.placer.display_grid.key for key in keys)


def test_the_same_spacing_again_changes_nothing(grid):
    events = record_events(grid.events)
    grid.set_display_spacing(None)
    assert events == []
    with pytest.raises(ValueError, match="positive"):
        grid.set_display_spacing(0.0)


def test_quantised_cells_show_the_float_pictures_and_values_within_half_a_step(grid):
    grid.set_display_spacing(1.7)
    grid.loader.wait()
    for cell in grid.cells.values():
        volume = cell.view.volume
        exact = resample_into(
            uncropped(volume.native), DisplayGrid(volume.data.shape, volume.affine), compact=False
        )
        decoded = volume.decoded()
        rounding = 2 * np.spacing(np.float32(np.abs(exact.data).max()))  # float32 arithmetic
        assert np.nanmax(np.abs(decoded - exact.data)) <= volume.scale / 2 + rounding
        assert np.all(decoded[exact.data == 0] == 0)  # the background stays exactly 0
        window = cell.view.window
        windowed = to_uint8(exact.data, window.low, window.high)
        pixels = cell.view.pixels().astype(int)
        straight = cell.view.current_slice()
        assert pixels.shape == straight.data.shape
        assert np.array_equal(pixels, window.apply(volume.decoded(straight.data)))
        # the same slice of the float32 volume, windowed the classic way: at most one grey level off
        depth_index = int(
            np.floor(np.linalg.solve(volume.affine, [*grid.cursor.position, 1])[2] + 0.5)
        )
        float_slice = windowed[:, :, depth_index].T
        assert np.abs(pixels - float_slice.astype(int)).max() <= 1
        cell.view.window.set_range(window.low + 50, window.high - 50)  # a new window: a new table
        assert np.array_equal(
            cell.view.pixels(), to_uint8(volume.decoded(straight.data), window.low, window.high)
        )


def test_quantise_keeps_nan_zero_and_ordinary_values_despite_an_outlier():
    rng = np.random.default_rng(1)
    data = rng.uniform(0, 50, (30, 30, 30)).astype(np.float32)
    data[:3] = 0.0
    data[5, 5, 5], data[6, 6, 6], data[7, 7, 7] = np.nan, 1e9, np.inf
    codes, scale, offset = quantise(data)
    assert codes.dtype == np.uint16 and codes[5, 5, 5] == 0
    assert codes[6, 6, 6] == codes[7, 7, 7] == CODE_MAX  # saturated, not widening the steps
    assert scale < 250 / CODE_MAX  # the 1e9 outlier did not set the range
    values = (codes.astype(np.float64) + offset / scale) * scale
    ordinary = np.isfinite(data) & (data < 100)
    assert np.abs(values[ordinary] - data[ordinary]).max() <= scale * 0.502  # float32 rounding
    assert np.all(values[:3] == 0.0)
    flat, flat_scale, flat_offset = quantise(np.full((4, 4, 4), 7.0, np.float32))
    assert np.allclose((flat + flat_offset / flat_scale) * flat_scale, 7.0)


def test_images_as_read_are_kept_without_their_zero_margins_and_read_out_as_before(grid):
    cell = grid.cell("ses-02", "R1")
    source = cell.view.volume.native
    assert source.shape == (60, 64, 48) and source.data.shape != source.shape
    assert all(o > 0 for o in source.origin)  # the head's box: zero margins on every side

    image = nib.load(str(cell.source.path))
    file_values = np.asarray(image.dataobj, dtype=np.float32)
    rng = np.random.default_rng(0)
    for voxel in rng.integers(0, (60, 64, 48), size=(200, 3)):
        world = source.file_affine @ np.append(voxel, 1.0)
        assert source.voxel_at(world[:3]) == tuple(voxel)
        assert source.value_at(world[:3]) == file_values[tuple(voxel)]
    placement = cell.placement.matrix
    assert source.file_affine == pytest.approx(placement @ image.affine)


def test_compact_storage_is_a_fraction_of_float32_on_the_grid(grid):
    grid.set_display_spacing(0.85)
    grid.loader.wait()
    fine = grid.placer.display_grid
    assert fine.shape == (128, 128, 80)
    dwi = grid.cell("ses-01", "b1000").view.volume
    assert dwi.data.nbytes * 128 == np.prod(fine.shape) * 4  # 4 x 4 x 4 coarser, 2 bytes


def test_label_maps_keep_their_ids_in_uint16_and_one_mask_serves_every_view():
    from viewers.state.overlays import LabelLayer, MaskSlicer

    labels = np.zeros((20, 20, 10), np.float32)
    labels[4:8, 4:8, 2:5], labels[12:14, 10:15, 6] = 3.0, 70000.0
    grid = DisplayGrid.covering(np.array([[-0.5] * 3, [19.5, 19.5, 9.5]]), 1.0)
    too_big = resample_into(Volume(labels, np.eye(4)), grid, order=0)
    assert too_big.data.dtype == np.float32  # 70000 does not fit uint16: kept as float32
    labels[labels > 10] = 9.0
    placed = resample_into(Volume(labels, np.eye(4)), grid, order=0)
    assert placed.data.dtype == np.uint16 and placed.data.flags.f_contiguous
    assert np.array_equal(placed.data, labels) and placed.value_at([5, 5, 3]) == 3.0
    layer = LabelLayer("truth", placed, (0, 255, 0))
    first, second = MaskSlicer(layer), MaskSlicer(layer)
    assert first._mask is second._mask and first._mask.dtype == np.uint8
