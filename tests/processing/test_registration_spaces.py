"""LPS<->RAS conversions: images, matrices and ITK transform files."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from processing.errors import FerretError
from processing.registration import spaces
from processing.registration.geometry import apply_matrix, rigid_matrix


def _oblique_affine() -> np.ndarray:
    affine = rigid_matrix((10.0, -20.0, 35.0), (12.0, -7.0, 30.0))
    affine[:3, :3] = affine[:3, :3] @ np.diag([0.8, 1.1, 2.5])
    affine[:3, 0] *= -1.0  # a left-handed (radiological) storage, like many scanners
    return affine


def test_image_round_trip_keeps_data_and_affine():
    rng = np.random.default_rng(1)
    array = rng.random((5, 6, 7)).astype(np.float32)
    affine = _oblique_affine()
    back, back_affine = spaces.sitk_to_image(spaces.image_to_sitk(array, affine))
    np.testing.assert_array_equal(back, array)
    np.testing.assert_allclose(back_affine, affine, atol=1e-9)


def test_sitk_physical_point_is_lps_of_nibabel_world():
    affine = _oblique_affine()
    image = spaces.image_to_sitk(np.zeros((5, 6, 7), np.float32), affine)
    index = (3, 1, 4)
    ras = apply_matrix(affine, np.array([index], float))[0]
    lps = np.array(image.TransformIndexToPhysicalPoint(index))
    np.testing.assert_allclose(lps, [-ras[0], -ras[1], ras[2]], atol=1e-9)


def test_sitk_array_order_matches_index_order():
    array = np.zeros((4, 5, 6), np.float32)
    array[1, 2, 3] = 7.0
    image = spaces.image_to_sitk(array, np.eye(4))
    assert image.GetPixel(1, 2, 3) == 7.0


def test_known_rotation_converts_between_lps_and_ras():
    # 90 degrees about the superior axis: RAS x -> y. In LPS the same physical
    # rotation also sends the first axis to the second (both flip), so the
    # matrices match in rotation but translations in x, y change sign.
    ras = rigid_matrix((0, 0, 90), (3.0, 4.0, 5.0))
    lps = spaces.lps_from_ras_matrix(ras)
    point_ras = np.array([10.0, -2.0, 6.0])
    point_lps = spaces.ras_points_from_lps(point_ras)
    moved_lps = apply_matrix(lps, point_lps[None])[0]
    np.testing.assert_allclose(
        spaces.ras_points_from_lps(moved_lps), apply_matrix(ras, point_ras[None])[0]
    )
    np.testing.assert_allclose(lps[:3, 3], [-3.0, -4.0, 5.0])
    np.testing.assert_allclose(spaces.ras_from_lps_matrix(lps), ras)


def test_itk_file_round_trip(tmp_path):
    matrix = rigid_matrix((5.0, -3.0, 12.0), (4.0, -9.0, 2.5), centre_mm=(10, 20, 30))
    path = spaces.write_itk_transform(tmp_path / "x.txt", matrix)
    np.testing.assert_allclose(spaces.read_itk_transform(path), matrix, atol=1e-10)


def test_itk_file_written_in_lps(tmp_path):
    path = spaces.write_itk_transform(
        tmp_path / "t.txt", rigid_matrix(translation_mm=(1.0, 2.0, 3.0))
    )
    transform = sitk.ReadTransform(str(path))
    np.testing.assert_allclose(transform.TransformPoint((0.0, 0.0, 0.0)), (-1.0, -2.0, 3.0))


def test_reads_centred_matrix_offset_file(tmp_path):
    # ITK files with a centre (as the open MS dataset's) map x -> A (x - c) + c + t.
    path = tmp_path / "centred.txt"
    path.write_text(
        "#Insight Transform File V1.0\n#Transform 0\n"
        "Transform: MatrixOffsetTransformBase_double_3_3\n"
        "Parameters: 0 -1 0 1 0 0 0 0 1 1 2 3\nFixedParameters: 10 20 30\n"
    )
    ras = spaces.read_itk_transform(path)
    lps_point = np.array([11.0, 20.0, 30.0])
    a = np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1.0]])
    expected_lps = a @ (lps_point - [10, 20, 30]) + [10, 20, 30] + [1, 2, 3]
    got = apply_matrix(ras, spaces.ras_points_from_lps(lps_point)[None])[0]
    np.testing.assert_allclose(spaces.ras_points_from_lps(got), expected_lps)


def test_bad_transform_file_is_a_ferret_error(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("not a transform")
    with pytest.raises(FerretError, match="bad.txt"):
        spaces.read_itk_transform(bad)
    with pytest.raises(FerretError, match="not found"):
        spaces.read_itk_transform(tmp_path / "missing.txt")


def test_sheared_affine_is_refused():
    affine = np.eye(4)
    affine[0, 1] = 0.5
    with pytest.raises(FerretError, match="shear"):
        spaces.image_to_sitk(np.zeros((4, 4, 4)), affine)
