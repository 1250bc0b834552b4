"""A quantitative map's column window stays in the map's units (the black T1 / R1 column).

The R1 column falls back to the raw UNIT1 (scanner units 0..4095) at visits
whose R1 map is not computed yet. Its brain window (about 4..3600) once became
the column's window and, the column also holding maps, was saved as the R1
window; every later session showed the R1 maps (about 1.2 1/s) through it:
black at every visit. Tiny studies on disk here, Qt-free grid models.
"""

from __future__ import annotations

import json

import nibabel as nib
import numpy as np
import pytest

from app.viewer_session import ViewerSession
from processing.study import discover
from viewers.state.grid import GridModel
from viewers.state.layout import GridLayout
from viewers.state.loader import VolumeLoader
from viewers.state.windowing import window_fits

SHAPE = (16, 16, 12)
UNIT1_BRAIN, R1_BRAIN = 2300.0, 1.2  # scanner units; 1/s (white matter at 3 T)


def _brain() -> np.ndarray:
    i, j, k = np.indices(SHAPE)
    centre = (np.array(SHAPE) - 1) / 2
    return ((i - centre[0]) ** 2 + (j - centre[1]) ** 2 + (k - centre[2]) ** 2) < 5.0**2


def _save(path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    affine[:3, 3] = -np.array(SHAPE) + 1.0
    nib.save(nib.Nifti1Image(data.astype(np.float32), affine), str(path))


def _study(root, *, maps_at: tuple[str, ...]):
    """Two visits with a UNIT1 each; the R1 map only at the sessions ``maps_at``."""
    brain = _brain()
    (root / "dataset_description.json").parent.mkdir(parents=True)
    (root / "dataset_description.json").write_text(json.dumps({"Name": "r1", "BIDSVersion": "1.9"}))
    for session in ("ses-01", "ses-02"):
        prefix = f"sub-01_{session}"
        unit1 = brain * (UNIT1_BRAIN + 40.0 * (np.indices(SHAPE)[0] - SHAPE[0] / 2))
        _save(root / "sub-01" / session / "anat" / f"{prefix}_UNIT1.nii.gz", unit1)
        if session in maps_at:
            folder = root / "derivatives" / "ferret" / "sub-01" / session / "anat"
            _save(folder / f"{prefix}_R1map.nii.gz", brain * R1_BRAIN)
    return discover(root).participants["sub-01"]


def _open(participant, windows=None) -> GridModel:
    # one worker: volumes arrive in request order (visit 1's cell first)
    loader = VolumeLoader(workers=1)
    grid = GridModel(loader, GridLayout(columns=["R1"]), windows)
    grid.open(participant)
    loader.wait()
    return grid


def _brain_pixels(grid, session) -> np.ndarray:
    cell = grid.cell(session, "R1")
    assert cell.state == "shown"
    pixels = cell.view.pixels()
    plane = cell.view.current_slice()
    assert pixels is not None and plane is not None
    values = np.nan_to_num(cell.view.volume.decoded(plane.data))  # display volumes hold codes
    return pixels[values > 0]  # the brain's voxels in the slice through the centre


@pytest.fixture
def mapped(tmp_path):
    return _study(tmp_path / "mapped", maps_at=("ses-01", "ses-02"))


@pytest.fixture
def half_mapped(tmp_path):
    return _study(tmp_path / "half", maps_at=("ses-02",))


def test_r1_maps_show_mid_grey_with_the_preset(mapped):
    grid = _open(mapped)
    window = grid.windows["R1"]
    assert (window.low, window.high) == (0.0, 2.0)
    for session in ("ses-01", "ses-02"):
        brain = _brain_pixels(grid, session)
        assert brain.size > 20 and np.all(np.abs(brain - 255 * R1_BRAIN / 2.0) <= 1)


def test_a_saved_window_in_scanner_units_does_not_black_out_the_maps(mapped):
    """The window this machine's settings held for R1: a UNIT1 brain window."""
    grid = _open(mapped, {"R1": (3.0, 3636.07)})
    assert (grid.windows["R1"].low, grid.windows["R1"].high) == (0.0, 2.0)
    assert np.all(_brain_pixels(grid, "ses-01") > 100)


def test_a_saved_window_in_the_maps_units_is_kept(mapped):
    grid = _open(mapped, {"R1": (0.5, 1.5)})
    assert (grid.windows["R1"].low, grid.windows["R1"].high) == (0.5, 1.5)
    assert np.all(np.abs(_brain_pixels(grid, "ses-02") - 255 * (R1_BRAIN - 0.5)) <= 1)


def test_a_raw_fallback_and_the_maps_each_keep_their_own_window(half_mapped):
    """Visit 1 shows the raw UNIT1 (arriving first), visit 2 the R1 map: neither is black."""
    grid = _open(half_mapped)
    raw, derived = grid.cell("ses-01", "R1"), grid.cell("ses-02", "R1")
    assert (raw.source.status, derived.source.status) == ("raw", "derived")
    assert (derived.view.window.low, derived.view.window.high) == (0.0, 2.0)
    assert raw.view.window.high > UNIT1_BRAIN / 2  # a UNIT1 window, not the R1 preset
    assert np.all(_brain_pixels(grid, "ses-02") > 100)
    raw_brain = _brain_pixels(grid, "ses-01")  # a ramp of 2100..2500: greys, not the preset's white
    assert 50 < np.median(raw_brain) < 205


def test_a_map_computed_while_shown_takes_the_maps_window(tmp_path):
    """Re-discovered after visit 1's map is written: that cell switches to the R1 window."""
    root = tmp_path / "study"
    grid = _open(_study(root, maps_at=("ses-02",)))
    folder = root / "derivatives" / "ferret" / "sub-01" / "ses-01" / "anat"
    _save(folder / "sub-01_ses-01_R1map.nii.gz", _brain() * R1_BRAIN)
    assert grid.refresh(discover(root).participants["sub-01"]) == [("ses-01", "R1")]
    grid.loader.wait()
    cell = grid.cell("ses-01", "R1")
    assert cell.source.status == "derived" and cell.view.window is grid.windows["R1"]
    assert np.all(np.abs(_brain_pixels(grid, "ses-01") - 255 * R1_BRAIN / 2.0) <= 1)


def test_the_raw_fallback_window_is_never_saved_as_the_maps(tmp_path, half_mapped):
    """Close a session on a half-mapped study, open the mapped one: the maps are not black."""
    settings = tmp_path / "settings.json"
    session = ViewerSession(settings, VolumeLoader(workers=1))
    session.open(half_mapped)
    session.loader.wait()
    session.close()
    saved = json.loads(settings.read_text())["windows"].get("R1")
    assert saved is None or window_fits(tuple(saved), (0.0, 2.0))
    again = ViewerSession(settings, VolumeLoader(workers=1))
    again.open(_study(tmp_path / "later", maps_at=("ses-01", "ses-02")))
    again.loader.wait()
    assert np.all(_brain_pixels(again.grid, "ses-01") > 100)
    again.close()


def test_window_fits_needs_overlap_and_a_similar_width():
    assert window_fits((0.5, 1.5), (0.0, 2.0))
    assert window_fits((1.1, 1.2), (0.0, 2.0))  # a narrow contrast window of the rater's
    assert not window_fits((3.0, 3636.07), (0.0, 2.0))  # other units, above the data
    assert not window_fits((0.0, 4095.0), (0.0, 2.0))  # overlaps, but far too wide
    assert not window_fits((-5.0, -1.0), (0.0, 2.0))
