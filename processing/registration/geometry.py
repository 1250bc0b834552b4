"""Small functions on 4x4 RAS matrices: build, decompose, compare.

All matrices here act on RAS points in millimetres (``p' = M @ [x, y, z, 1]``).
Nothing here knows about LPS; see :mod:`processing.registration.spaces`.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation


def rigid_matrix(
    angles_deg=(0.0, 0.0, 0.0), translation_mm=(0.0, 0.0, 0.0), centre_mm=(0.0, 0.0, 0.0)
) -> np.ndarray:
    """Return a rigid 4x4 matrix: rotate by x-y-z Euler angles about ``centre_mm``, then translate.

    Examples
    --------
    >>> m = rigid_matrix((0, 0, 90))
    >>> np.round(m @ [1, 0, 0, 1], 6).tolist()
    [0.0, 1.0, 0.0, 1.0]
    """
    matrix = np.eye(4)
    matrix[:3, :3] = Rotation.from_euler("xyz", angles_deg, degrees=True).as_matrix()
    centre = np.asarray(centre_mm, dtype=float)
    matrix[:3, 3] = centre - matrix[:3, :3] @ centre + np.asarray(translation_mm, dtype=float)
    return matrix


def rotation_angle_deg(matrix: np.ndarray) -> float:
    """Angle (degrees) of the rotation in a 4x4 matrix's linear part (polar part if not rigid)."""
    linear = np.asarray(matrix, dtype=float)[:3, :3]
    u, _, vt = np.linalg.svd(linear)
    rotation = u @ vt
    cosine = (np.trace(rotation) - 1.0) / 2.0
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def apply_matrix(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 4x4 matrix to (N, 3) points."""
    points = np.asarray(points, dtype=float)
    return points @ matrix[:3, :3].T + matrix[:3, 3]


def displacement_mm(matrix_a: np.ndarray, matrix_b: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Distance (mm) between where two matrices send each of (N, 3) points."""
    return np.linalg.norm(apply_matrix(matrix_a, points) - apply_matrix(matrix_b, points), axis=1)


def mask_points(
    mask: np.ndarray, affine: np.ndarray, *, max_points: int = 20000, seed: int = 0
) -> np.ndarray:
    """World (RAS) coordinates of up to ``max_points`` voxels of a mask (a fixed random subset)."""
    index = np.argwhere(np.asarray(mask) > 0)
    if len(index) > max_points:
        index = index[np.random.default_rng(seed).choice(len(index), max_points, replace=False)]
    return apply_matrix(affine, index)


def displacement_stats(
    matrix_a: np.ndarray, matrix_b: np.ndarray, points: np.ndarray
) -> dict[str, float]:
    """Mean and max displacement (mm) between two matrices over points."""
    distances = displacement_mm(matrix_a, matrix_b, points)
    return {"mean_mm": float(distances.mean()), "max_mm": float(distances.max())}
