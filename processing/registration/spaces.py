"""The one place where SimpleITK's LPS meets nibabel's RAS.

Ferret's world space is RAS+ millimetres (nibabel). SimpleITK and ITK transform
files speak LPS+ millimetres. Every conversion between the two lives in this
module; nothing else in Ferret flips signs of x and y.

Conventions
-----------
* An image is ``(array, affine)``: ``array[i, j, k]`` is the voxel whose
  centre is at ``affine @ [i, j, k, 1]`` (RAS mm), as nibabel returns it.
* A transform is a 4x4 RAS matrix named ``<to>_from_<from>``: it maps the RAS
  coordinates of a point in the *from* image's world to its coordinates in the
  *to* image's world (``mp2rage_from_flair @ p_flair = p_mp2rage``).
* ITK's registration result maps points of the *fixed* image to the *moving*
  image (the direction needed to resample the moving image onto the fixed
  grid). :func:`read_itk_transform` and :func:`write_itk_transform` convert
  LPS<->RAS but never invert: the caller states which direction the file holds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk

from processing.errors import FerretError

#: Diagonal flip between LPS and RAS (its own inverse).
LPS_RAS_FLIP = np.diag([-1.0, -1.0, 1.0, 1.0])


def ras_from_lps_matrix(matrix_lps: np.ndarray) -> np.ndarray:
    """Express a 4x4 point transform given in LPS coordinates in RAS coordinates."""
    return LPS_RAS_FLIP @ np.asarray(matrix_lps, dtype=float) @ LPS_RAS_FLIP


def lps_from_ras_matrix(matrix_ras: np.ndarray) -> np.ndarray:
    """Express a 4x4 point transform given in RAS coordinates in LPS coordinates."""
    return LPS_RAS_FLIP @ np.asarray(matrix_ras, dtype=float) @ LPS_RAS_FLIP


def ras_points_from_lps(points: np.ndarray) -> np.ndarray:
    """Convert (..., 3) LPS points to RAS (and back: the flip is its own inverse)."""
    out = np.array(points, dtype=float, copy=True)
    out[..., :2] *= -1.0
    return out


def image_to_sitk(array: np.ndarray, affine: np.ndarray) -> sitk.Image:
    """Build a SimpleITK image from a nibabel-ordered 3D array and its RAS affine.

    Parameters
    ----------
    array : ndarray, shape (I, J, K)
        Voxel values indexed ``[i, j, k]``.
    affine : ndarray, shape (4, 4)
        RAS voxel-to-world matrix. Shears are not representable in ITK and
        raise a :class:`FerretError`.
    """
    array = np.asarray(array)
    if array.ndim != 3:
        raise FerretError(
            f"expected a 3D image, got shape {array.shape}.",
            None,
            "pass one volume (e.g. the first echo or the b=0 mean).",
        )
    lps = LPS_RAS_FLIP @ np.asarray(affine, dtype=float)
    linear = lps[:3, :3]
    spacing = np.linalg.norm(linear, axis=0)
    direction = linear / spacing
    if not np.allclose(direction.T @ direction, np.eye(3), atol=1e-4):
        raise FerretError(
            "the image affine has a shear, which ITK cannot represent.",
            None,
            "reslice the image to an orthogonal grid first.",
        )
    image = sitk.GetImageFromArray(np.ascontiguousarray(array.transpose(2, 1, 0)))
    image.SetSpacing(tuple(float(s) for s in spacing))
    image.SetDirection(tuple(float(d) for d in direction.ravel()))
    image.SetOrigin(tuple(float(o) for o in lps[:3, 3]))
    return image


def affine_from_sitk(image: sitk.Image) -> np.ndarray:
    """Return the RAS voxel-to-world 4x4 matrix of a SimpleITK image."""
    direction = np.array(image.GetDirection(), dtype=float).reshape(3, 3)
    lps = np.eye(4)
    lps[:3, :3] = direction * np.array(image.GetSpacing(), dtype=float)
    lps[:3, 3] = image.GetOrigin()
    return LPS_RAS_FLIP @ lps


def sitk_to_image(image: sitk.Image) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(array, affine)`` of a SimpleITK image in nibabel's order and RAS."""
    array = sitk.GetArrayFromImage(image).transpose(2, 1, 0)
    return np.ascontiguousarray(array), affine_from_sitk(image)


def matrix_from_sitk_transform(transform: sitk.Transform) -> np.ndarray:
    """4x4 LPS point matrix of any linear SimpleITK transform (read from 4 points)."""
    origin = np.array(transform.TransformPoint((0.0, 0.0, 0.0)))
    matrix = np.eye(4)
    for axis in range(3):
        unit = [0.0, 0.0, 0.0]
        unit[axis] = 1.0
        matrix[:3, axis] = np.array(transform.TransformPoint(tuple(unit))) - origin
    matrix[:3, 3] = origin
    return matrix


def sitk_transform_from_matrix(matrix_lps: np.ndarray) -> sitk.AffineTransform:
    """Return a SimpleITK affine transform that applies the 4x4 LPS point matrix."""
    matrix_lps = np.asarray(matrix_lps, dtype=float)
    transform = sitk.AffineTransform(3)
    transform.SetMatrix(tuple(matrix_lps[:3, :3].ravel()))
    transform.SetTranslation(tuple(matrix_lps[:3, 3]))
    return transform


def read_itk_transform(path: str | Path) -> np.ndarray:
    """Read a linear ITK transform file (.txt/.tfm/.mat) as a 4x4 RAS point matrix.

    The matrix maps points exactly as the file does (for a registration
    result: fixed image -> moving image), converted from LPS to RAS.
    """
    path = Path(path)
    if not path.exists():
        raise FerretError(
            "transform file not found.", path, "check the path or run the registration again."
        )
    try:
        transform = sitk.ReadTransform(str(path))
    except RuntimeError as exc:
        raise FerretError(
            f"cannot read this ITK transform ({str(exc).strip().splitlines()[-1]}).",
            path,
            "the file must be an ITK text or .mat transform; re-export it.",
        ) from exc
    matrix = matrix_from_sitk_transform(transform)
    if not _is_linear(transform, matrix):
        raise FerretError(
            "the transform is not linear (affine or rigid).",
            path,
            "only affine and rigid transforms are supported here.",
        )
    return ras_from_lps_matrix(matrix)


def write_itk_transform(path: str | Path, matrix_ras: np.ndarray) -> Path:
    """Write a 4x4 RAS point matrix as an ITK text transform (LPS) atomically."""
    from processing.fileio import atomic_path

    transform = sitk_transform_from_matrix(lps_from_ras_matrix(matrix_ras))
    with atomic_path(path) as tmp:
        sitk.WriteTransform(transform, str(tmp))
    return Path(path)


def _is_linear(transform: sitk.Transform, matrix_lps: np.ndarray) -> bool:
    """Check a transform against its 4-point matrix at a few distant points."""
    probes = np.array([[50.0, -70.0, 30.0], [-90.0, 40.0, -60.0], [13.0, 17.0, 110.0]])
    for point in probes:
        expected = matrix_lps[:3, :3] @ point + matrix_lps[:3, 3]
        if not np.allclose(transform.TransformPoint(tuple(point)), expected, atol=1e-4):
            return False
    return True
