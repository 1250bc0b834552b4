"""The working grid of a registration: the image as prepare_image makes it, the mask grown there."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from processing.errors import FerretError
from processing.registration import RegistrationParams, spaces
from processing.registration.rigid_setup import prepare_image
from processing.registration.working import dilate_mask, working_pair


def head(shape=(90, 100, 30), zooms=(0.8, 0.8, 2.0)):
    """Return a bright ellipsoid (the brain) in a noisy background, anisotropic voxels."""
    rng = np.random.default_rng(0)
    grids = np.meshgrid(
        *[(np.arange(n) - n / 2) * z for n, z in zip(shape, zooms, strict=True)], indexing="ij"
    )
    inside = sum((g / r) ** 2 for g, r in zip(grids, (30.0, 34.0, 24.0), strict=True)) <= 1
    array = np.where(inside, 1000.0, 50.0) + rng.normal(0, 20, shape)
    affine = np.diag([*zooms, 1.0])
    affine[:3, 3] = [-10, 5, 3]
    return (array.astype(np.float32), affine), inside


def test_image_on_the_working_grid_is_what_prepare_image_makes():
    image, inside = head()
    params = RegistrationParams()
    (array, affine), mask = working_pair(image, inside, params)
    expected, _ = prepare_image(image, None, params.working_spacing_mm)
    assert np.array_equal(array, spaces.sitk_to_image(expected)[0])
    assert np.allclose(np.linalg.norm(affine[:3, :3], axis=0), (1.5, 1.5, 2.0))
    assert mask.shape == array.shape


def test_mask_grown_on_the_working_grid_matches_growing_it_on_the_image_grid():
    image, inside = head()
    working = working_pair(image, inside, RegistrationParams())[1]
    former = working_pair(image, inside, RegistrationParams(mask_grid="image"))[1]
    plain = working_pair(image, inside, RegistrationParams(mask_dilation_mm=0.0))[1]
    assert working.sum() > 1.3 * plain.sum()  # it grew: 4 mm around a 60 x 68 x 48 mm brain
    disagree = np.count_nonzero(working != former) / np.count_nonzero(former)
    assert disagree < 0.03  # a voxel's width at the edge, not a different mask


def test_dilation_is_euclidean_in_mm():
    mask = np.zeros((41, 41, 11), bool)
    mask[20, 20, 5] = True
    grown = dilate_mask(mask, np.diag([0.5, 0.5, 2.0, 1.0]), 4.0)
    assert grown[20, 28, 5] and not grown[20, 29, 5]  # 4 mm = 8 voxels of 0.5 mm
    assert grown[20, 20, 7] and not grown[20, 20, 8]  # 2 voxels of 2 mm


def test_unknown_mask_grid_is_refused():
    image, inside = head((20, 20, 10))
    with pytest.raises(FerretError, match="mask grid"):
        working_pair(image, inside, RegistrationParams(mask_grid="full"))


def test_mask_reaches_sitk_as_uint8_of_the_same_grid():
    image, inside = head((40, 40, 12))
    (array, affine), mask = working_pair(image, inside, RegistrationParams())
    itk_image, itk_mask = prepare_image((array, affine), mask, 1.5)
    assert itk_mask.GetPixelID() == sitk.sitkUInt8
    assert itk_mask.GetSize() == itk_image.GetSize()
