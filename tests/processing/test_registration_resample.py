"""Resampling images and masks into a reference grid and back; QC overlays."""

from __future__ import annotations

import numpy as np

from processing.registration import spaces
from processing.registration.geometry import displacement_stats, rigid_matrix, rotation_angle_deg
from processing.registration.qc import checkerboard, edges, header_deviation, quality_flags
from processing.registration.resample import (
    resample_image,
    resample_mask_fraction,
    resample_mask_nearest,
)
from processing.spaces.grid import Grid


def _blob(shape=(40, 40, 40), centre=(20, 20, 20), radius=8.0):
    grid = np.indices(shape).astype(float)
    distance = np.sqrt(sum((g - c) ** 2 for g, c in zip(grid, centre, strict=True)))
    return (distance <= radius).astype(np.float32)


def test_identity_resampling_returns_the_image():
    image = np.random.default_rng(0).random((10, 11, 12)).astype(np.float32)
    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    out = resample_image(image, affine, Grid(image.shape, affine))
    np.testing.assert_allclose(out, image, atol=1e-6)


def test_translation_moves_content_by_whole_voxels():
    image = _blob()
    affine = np.eye(4)
    out = resample_image(
        image, affine, Grid(image.shape, affine), rigid_matrix(translation_mm=(3, 0, 0))
    )
    np.testing.assert_allclose(out[23, 20, 20], 1.0)
    np.testing.assert_allclose(np.roll(image, 3, axis=0)[5:-5], out[5:-5], atol=1e-6)


def test_mask_to_reference_and_back_is_consistent():
    mask = _blob(radius=6).astype(bool)
    native = np.diag([1.0, 1.0, 1.0, 1.0])
    ref_grid = Grid((40, 40, 40), native)
    ref_from_acq = rigid_matrix((0, 0, 10), (2, -1, 0), centre_mm=(20, 20, 20))
    in_ref = resample_mask_nearest(mask, native, ref_grid, ref_from_acq)
    assert in_ref.dtype == bool
    back = resample_mask_nearest(
        in_ref, ref_grid.affine, Grid(mask.shape, native), np.linalg.inv(ref_from_acq)
    )
    overlap = (back & mask).sum() / mask.sum()
    assert overlap > 0.9


def test_fractional_coverage_of_a_half_covered_voxel():
    mask = np.zeros((4, 4, 4), bool)
    mask[:2] = True  # first half along x, 1 mm voxels
    target = Grid(
        (1, 1, 1), np.array([[4.0, 0, 0, 1.5], [0, 4, 0, 1.5], [0, 0, 4, 1.5], [0, 0, 0, 1]])
    )
    assert resample_mask_fraction(mask, np.eye(4), target, factor=4)[0, 0, 0] == 0.5


def test_fractional_coverage_preserves_volume():
    mask = _blob(radius=7)
    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    affine[:3, 3] = 0.5  # 2 mm voxels exactly covering 2x2x2 blocks of 1 mm voxels
    coarse = Grid((20, 20, 20), affine)
    fraction = resample_mask_fraction(mask, np.eye(4), coarse, factor=4)
    assert abs(fraction.sum() * 8 - mask.sum()) / mask.sum() < 0.02
    assert fraction.min() >= 0.0 and fraction.max() <= 1.0
    assert 0.0 < fraction[fraction > 0].min() < 1.0  # partial voxels on the surface


def test_isotropic_grid_keeps_field_of_view():
    grid = Grid((100, 100, 20), np.diag([0.5, 0.5, 3.0, 1.0]))
    iso = grid.isotropic(1.0)
    assert iso.shape == (50, 50, 60)

    def corner(g):
        return g.affine[:3, :3] @ [-0.5, -0.5, -0.5] + g.affine[:3, 3]

    np.testing.assert_allclose(corner(iso), corner(grid))


def test_checkerboard_tiles_alternate():
    a, b = np.zeros((8, 8, 8)), np.ones((8, 8, 8))
    board = checkerboard(a, b, 2)
    assert (
        board[0, 0, 0] == 0 and board[4, 0, 0] == 1 and board[4, 4, 0] == 0 and board[4, 4, 4] == 1
    )
    assert board.mean() == 0.5


def test_edges_found_on_a_sphere_surface_only():
    sphere = _blob()
    outline = edges(sphere)
    assert outline[20, 20, 12] and not outline[20, 20, 20] and not outline[2, 2, 2]


def test_quality_flags_and_header_deviation():
    matrix = rigid_matrix((0, 0, 20), (25, 0, 0))
    shift, angle = header_deviation(matrix, np.zeros(3))
    assert abs(shift - 25) < 1e-9 and abs(angle - 20) < 1e-9
    assert quality_flags(-0.5, shift, angle) == [
        "far_from_header_shift",
        "far_from_header_rotation",
    ]
    assert quality_flags(-0.05, 1.0, 1.0) == ["poor_metric"]
    assert quality_flags(-0.5, 1.0, 1.0) == []


def test_geometry_helpers():
    matrix = rigid_matrix((0, 30, 0), centre_mm=(5, 5, 5))
    assert abs(rotation_angle_deg(matrix) - 30) < 1e-9
    np.testing.assert_allclose(matrix @ [5, 5, 5, 1], [5, 5, 5, 1])
    stats = displacement_stats(rigid_matrix(translation_mm=(0, 3, 4)), np.eye(4), np.zeros((3, 3)))
    assert stats == {"mean_mm": 5.0, "max_mm": 5.0}


def test_sitk_and_scipy_resampling_agree():
    import SimpleITK as sitk

    image = _blob(radius=10)
    affine = np.diag([1.0, 1.2, 0.9, 1.0])
    ref_from_acq = rigid_matrix((4, -3, 8), (1.5, -2, 0.5), centre_mm=(20, 24, 18))
    ours = resample_image(image, affine, Grid(image.shape, affine), ref_from_acq)
    itk_image = spaces.image_to_sitk(image, affine)
    moving_from_fixed = spaces.sitk_transform_from_matrix(
        spaces.lps_from_ras_matrix(np.linalg.inv(ref_from_acq))
    )
    theirs, _ = spaces.sitk_to_image(
        sitk.Resample(itk_image, itk_image, moving_from_fixed, sitk.sitkLinear, 0.0)
    )
    assert np.abs(ours - theirs).max() < 1e-4
