"""Slice extraction through RAS, LPS and oblique affines, with known answers."""

import numpy as np
import pytest
from nibabel.affines import from_matvec
from scipy.spatial.transform import Rotation

from viewers.state import extract_plane, plane_for, voxel_to_world, world_to_voxel
from viewers.state.slicing import aligned_axes, normal_step, plane_extent


def numbered_volume(shape=(4, 5, 6)):
    return np.arange(np.prod(shape), dtype=np.float32).reshape(shape)


def test_ras_axial_slice_is_transposed_array_slice():
    volume = numbered_volume()
    affine = np.diag([2.0, 3.0, 4.0, 1.0])
    result = extract_plane(volume, affine, plane_for("axial"), (0, 0, 8.1))
    assert result.inside and result.depth == 8.0
    np.testing.assert_array_equal(result.data, volume[:, :, 2].T)
    assert result.rect == (-1.0, -1.5, 8.0, 15.0)
    assert (result.du, result.dv) == (2.0, 3.0)


def test_lps_storage_is_flipped_to_screen_conventions():
    volume = numbered_volume()
    affine = from_matvec(np.diag([-1.0, -1.0, 1.0]), [10.0, 20.0, -5.0])  # voxel axes go L, P, S
    assert aligned_axes(affine) == [0, 1, 2]
    result = extract_plane(volume, affine, plane_for("axial"), voxel_to_world(affine, (0, 0, 3)))
    # screen right is the participant's right = decreasing voxel i; up is anterior = decreasing j
    np.testing.assert_array_equal(result.data, volume[::-1, ::-1, 3].T)
    assert result.u0 == pytest.approx(10 - 3 - 0.5) and result.v0 == pytest.approx(20 - 4 - 0.5)
    # the pixel in the first row and column is the voxel at the lowest u, v
    corner = world_to_voxel(affine, (result.u0 + 0.5, result.v0 + 0.5, -2.0))
    assert result.data[0, 0] == volume[tuple(np.round(corner).astype(int))]


def test_permuted_axes_sagittal():
    volume = numbered_volume((3, 4, 5))
    # voxel axis 0 -> A, 1 -> S, 2 -> R (a sagittally stored image)
    affine = from_matvec(np.array([[0, 0, 1.0], [1.0, 0, 0], [0, 1.0, 0]]), [0, 0, 0])
    assert aligned_axes(affine) == [2, 0, 1]
    result = extract_plane(volume, affine, plane_for("sagittal"), (2.0, 0, 0))
    # sagittal: u = -A (anterior on the left), v = S, at R = 2 -> voxel k = 2
    np.testing.assert_array_equal(result.data, volume[::-1, :, 2].T)


def test_plane_outside_volume_is_blank_and_flagged():
    volume = numbered_volume() + 1
    result = extract_plane(volume, np.eye(4), plane_for("coronal"), (0, 99, 0))
    assert not result.inside and not result.data.any()


def test_oblique_resampling_reproduces_a_linear_field():
    rotation = Rotation.from_euler("zx", [30, 20], degrees=True).as_matrix()
    affine = from_matvec(rotation @ np.diag([1.0, 1.2, 1.5]), [-20.0, -15.0, -10.0])
    assert aligned_axes(affine) is None
    grid = np.stack(np.meshgrid(*[np.arange(n) for n in (40, 36, 30)], indexing="ij"), -1)
    world = voxel_to_world(affine, grid.reshape(-1, 3)).reshape(grid.shape)
    gradient = np.array([0.5, -1.0, 2.0])
    volume = (world @ gradient + 100).astype(np.float32)
    plane = plane_for("coronal")
    depth = 5.0
    result = extract_plane(volume, affine, plane, (0, depth, 0))
    rows, cols = result.data.shape
    u = result.u0 + (np.arange(cols) + 0.5) * result.du
    v = result.v0 + (np.arange(rows) + 0.5) * result.dv
    points = u[None, :, None] * plane.u + v[:, None, None] * plane.v + depth * plane.normal
    expected = points @ gradient + 100
    voxels = world_to_voxel(affine, points.reshape(-1, 3)).reshape(rows, cols, 3)
    interior = np.all((voxels >= 0) & (voxels <= np.array(volume.shape) - 1), axis=-1)
    assert interior.sum() > 500
    np.testing.assert_allclose(result.data[interior], expected[interior], rtol=0, atol=1e-3)
    assert not result.data[
        ~np.all((voxels >= -0.5) & (voxels <= np.array(volume.shape) - 0.5), -1)
    ].any()
    assert result.du == pytest.approx(1.0, rel=0.05)


def test_resampling_an_aligned_image_agrees_with_straight_slicing():
    volume = np.random.default_rng(1).random((12, 10, 8)).astype(np.float32)
    affine = np.diag([1.0, 1.0, 2.0, 1.0])
    position = (0, 0, 6.0)
    straight = extract_plane(volume, affine, plane_for("axial"), position)
    resampled = extract_plane(volume, affine, plane_for("axial"), position, resample=True)
    np.testing.assert_allclose(resampled.data, straight.data, atol=1e-6)
    assert resampled.rect == pytest.approx(straight.rect)


def test_normal_step_and_extent():
    affine = np.diag([0.8, 0.8, 2.0, 1.0])
    assert normal_step(affine, plane_for("axial")) == pytest.approx(2.0)
    assert normal_step(affine, plane_for("sagittal")) == pytest.approx(0.8)
    assert plane_extent((10, 20, 5), affine, plane_for("coronal")) == pytest.approx(
        (-0.4, -1.0, 8.0, 10.0)
    )


def test_extract_plane_needs_3d():
    with pytest.raises(ValueError):
        extract_plane(np.zeros((3, 3)), np.eye(4), plane_for("axial"), (0, 0, 0))


def test_nearest_order_keeps_label_values_and_dtype_on_an_oblique_grid():
    from viewers.state.geometry import plane_for
    from viewers.state.slicing import extract_plane

    angle = np.deg2rad(25)
    affine = np.eye(4)
    affine[:2, :2] = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    labels = np.zeros((16, 16, 4), np.int32)
    labels[3:8, 3:8, 1], labels[9:13, 3:8, 1] = 7, 9
    nearest = extract_plane(labels, affine, plane_for("axial"), (0.0, 0.0, 1.0), order=0)
    linear = extract_plane(labels, affine, plane_for("axial"), (0.0, 0.0, 1.0))
    assert nearest.data.dtype == np.int32 and set(np.unique(nearest.data)) == {0, 7, 9}
    assert (
        linear.data.dtype == np.float32 and len(np.unique(linear.data)) > 3
    )  # blended at the edges
    with pytest.raises(ValueError):
        extract_plane(labels, affine, plane_for("axial"), (0.0, 0.0, 1.0), order=3)
