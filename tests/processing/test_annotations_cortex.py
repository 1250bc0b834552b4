"""The cortex mask behind the lesions' "in cortex" flag, checked against the phantom's truth tissues.

A tiny 2-visit phantom with truth-perfect registrations goes through
``ferret process --steps maps,resample``; the R1 map in the reference space then
gives the cortex mask, compared with the truth cortex resampled to the
reference grid (measured Dice 0.69 at the tiny scale's 4 mm voxels).
"""

from __future__ import annotations

import numpy as np
import pytest

from app.cli import main as ferret
from processing.annotations.cortex import cortex_from_r1, cortex_mask
from processing.annotations.geometry import measure_lesions
from processing.annotations.grid import resample_labels
from processing.phantom import load_truth, make_phantom_study, tissues
from processing.phantom.perfect_registration import write_truth_registrations
from processing.spaces import reference as spaces
from processing.spaces.grid import Grid

DICE_FLOOR = 0.6  # measured 0.69


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    root = make_phantom_study(
        tmp_path_factory.mktemp("cortex") / "study", visits=2, scale="tiny", seed=0
    )
    write_truth_registrations(root)
    assert ferret(["process", str(root), "--steps", "maps,resample"]) == 0
    return root


def truth_tissue(root, grid):
    truth = load_truth(root, "sub-01")
    acquisition = truth.acquisition("ses-01", "dwi")
    tissue = acquisition.load_map("tissue").astype(np.int32)
    return truth, resample_labels(tissue, Grid(tissue.shape, acquisition.affine), grid)


def centre_voxel(grid, centre_mm):
    return tuple(np.floor(grid.world_to_voxel(np.asarray(centre_mm, float)) + 0.5).astype(int))


@pytest.mark.slow
def test_cortex_mask_matches_the_truth_cortex(processed):
    grid = spaces.reference_grid(processed, "sub-01")
    mask = cortex_mask(processed, "sub-01", grid)
    truth, tissue = truth_tissue(processed, grid)
    true_cortex = tissue == tissues.CORTEX
    dice = 2 * (mask & true_cortex).sum() / (mask.sum() + true_cortex.sum())
    assert dice >= DICE_FLOOR
    assert not (mask & (tissue == tissues.DEEP_GREY)).any()  # deep nuclei are not cortex
    for kind in ("acmi", "ccmi"):
        for lesion in truth.lesions_of(kind):
            assert mask[centre_voxel(grid, lesion.centre_mm)], lesion.id
    for lesion in truth.lesions_of("wmh"):
        assert not mask[centre_voxel(grid, lesion.centre_mm)], lesion.id


@pytest.mark.slow
def test_lesions_measured_with_the_mask_are_flagged(processed):
    grid = spaces.reference_grid(processed, "sub-01")
    truth, _ = truth_tissue(processed, grid)
    labels = np.zeros(grid.shape, np.int32)
    cmi, wmh = truth.lesions_of("acmi")[0], truth.lesions_of("wmh")[0]
    labels[centre_voxel(grid, cmi.centre_mm)] = 1
    labels[centre_voxel(grid, wmh.centre_mm)] = 2
    geometry = measure_lesions(labels, grid, cortex_mask(processed, "sub-01", grid))
    assert geometry[1].in_cortex is True and geometry[2].in_cortex is False


def test_no_r1_map_gives_no_mask(phantom_study):
    grid = spaces.reference_grid(phantom_study, "sub-01")
    assert cortex_mask(phantom_study, "sub-01", grid) is None


def test_ventricle_side_grey_is_not_cortex():
    """Synthetic block: outer CSF shell, grey ribbon, white matter, a ventricle lined by grey."""
    r1 = np.full((30, 30, 30), 1.2, np.float32)  # white matter
    brain = np.zeros(r1.shape, bool)
    brain[2:-2, 2:-2, 2:-2] = True
    r1[2:-2, 2:-2, 2:-2][:2] = 0.3  # outer CSF layer
    r1[4:7, 2:-2, 2:-2] = 0.7  # cortical ribbon under it
    r1[16:24, 12:18, 12:18] = 0.8  # deep grey ...
    r1[18:22, 14:16, 14:16] = 0.3  # ... around a ventricle
    cortex = cortex_from_r1(r1, brain, (1.0, 1.0, 1.0))
    assert cortex[5, 15, 15] and cortex[4:7, 10:20, 10:20].all()
    assert not cortex[16:24, 12:18, 12:18].any()
    assert not cortex[10, 15, 15]
