"""Registration on real scans (open MS longitudinal, patient01), against the dataset's own transforms.

Direction of the dataset's ITK files, worked out numerically
(``bench/registration.py`` prints the figures): read as RAS matrices with
:func:`read_itk_transform`, ``studyN_FLAIR_to_common_space.txt`` maps points of
the common space to points of visit N's FLAIR (ITK convention: the common
space was the fixed image), so ``flair1_from_flair2 = T1 @ inv(T2)``. Our
visit-2-to-visit-1 registration agrees with it to ~0.3 mm (patient01) and
~0.5 mm (patient12) mean over the brain, while ``inv(T1) @ T2`` is ~20 mm away.
The intra-visit ``T1W/T2W_intrastudy_to_FLAIR`` files are within 1 mm of the
identity; assuming the same convention they map FLAIR points to T1W/T2W points.
"""

from __future__ import annotations

import numpy as np
import pytest

from processing.fileio import load_nifti
from processing.registration import RegistrationParams, read_itk_transform, register_rigid
from processing.registration.geometry import displacement_stats, mask_points, rigid_matrix
from processing.registration.masks import auto_brain_mask

FAST = RegistrationParams(working_spacing_mm=2.5, sampling_fraction=0.2)


@pytest.fixture(scope="module")
def patient01(real_data):
    raw = real_data / "open_ms_longitudinal" / "patient01" / "raw"
    images = {name: load_nifti(raw / f"{name}.nii.gz")[:2] for name in ("study1_FLAIR", "study2_FLAIR", "study1_T1W")}
    mask = auto_brain_mask(*images["study1_FLAIR"])
    points = mask_points(mask, images["study1_FLAIR"][1], max_points=5000)
    return raw, images, mask, points


@pytest.mark.slow
@pytest.mark.realdata
def test_visit2_to_visit1_matches_dataset_transform(patient01):
    raw, images, mask, points = patient01
    result = register_rigid(images["study1_FLAIR"], images["study2_FLAIR"], fixed_mask=mask, params=FAST)
    t1 = read_itk_transform(raw / "study1_FLAIR_to_common_space.txt")
    t2 = read_itk_transform(raw / "study2_FLAIR_to_common_space.txt")
    truth = t1 @ np.linalg.inv(t2)
    stats = displacement_stats(result.fixed_from_moving, truth, points)
    assert stats["mean_mm"] < 1.0, stats
    assert displacement_stats(result.fixed_from_moving, np.eye(4), points)["mean_mm"] > 5.0
    assert result.flags == []


@pytest.mark.slow
@pytest.mark.realdata
def test_converges_from_a_misaligned_start(patient01):
    raw, images, mask, points = patient01
    array, affine = images["study2_FLAIR"]
    centre = points.mean(axis=0)
    moved = rigid_matrix((15.0, 0.0, 0.0), (20.0, 0.0, 0.0), centre_mm=centre)
    result = register_rigid(images["study1_FLAIR"], (array, moved @ affine), fixed_mask=mask, params=FAST)
    t1 = read_itk_transform(raw / "study1_FLAIR_to_common_space.txt")
    t2 = read_itk_transform(raw / "study2_FLAIR_to_common_space.txt")
    truth = t1 @ np.linalg.inv(t2) @ np.linalg.inv(moved)
    assert displacement_stats(result.fixed_from_moving, truth, points)["mean_mm"] < 2.0


@pytest.mark.realdata
def test_t1w_to_flair_is_close_to_dataset_intrastudy(patient01):
    raw, images, mask, points = patient01
    params = RegistrationParams(working_spacing_mm=3.0, sampling_fraction=0.1, iterations=40, initialiser="header")
    result = register_rigid(images["study1_FLAIR"], images["study1_T1W"], fixed_mask=mask, params=params)
    t1w_from_flair = read_itk_transform(raw / "study1_T1W_intrastudy_to_FLAIR.txt")
    stats = displacement_stats(result.fixed_from_moving, np.linalg.inv(t1w_from_flair), points)
    assert stats["mean_mm"] < 2.0, stats


@pytest.mark.realdata
def test_fixed_seed_gives_identical_results(patient01):
    _, images, mask, _ = patient01
    params = RegistrationParams(working_spacing_mm=4.0, sampling_fraction=0.1, iterations=15, initialiser="header")
    first = register_rigid(images["study1_FLAIR"], images["study2_FLAIR"], fixed_mask=mask, params=params)
    second = register_rigid(images["study1_FLAIR"], images["study2_FLAIR"], fixed_mask=mask, params=params)
    np.testing.assert_allclose(first.fixed_from_moving, second.fixed_from_moving, atol=1e-6)
    assert first.metric == pytest.approx(second.metric, abs=1e-9)
