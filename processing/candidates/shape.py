"""Is a focus a dot or a piece of a tube? Frangi's blobness from the Hessian at the focus.

With the Hessian's eigenvalues at the focus sorted by magnitude,
``|l1| <= |l2| <= |l3|``, Frangi et al. (1998) separate a blob from a line
by ``R_B = |l1| / sqrt(|l2 l3|)``: about 1 for a round dot (all three curve
alike), near 0 across a vessel (no curvature along it). It is
dimensionless, so unlike the vesselness filter's output it needs no
calibration per image. The Hessian is scikit-image's, at the focus's scale
(sigma = its diameter / (2 sqrt 3), per axis in voxels), on a box around it.

>>> i, j, k = np.indices((21, 21, 21)) - 10
>>> dot = np.exp(-(i**2 + j**2 + k**2) / 8.0)
>>> tube = np.exp(-(i**2 + j**2) / 8.0)
>>> blobness(dot, (10, 10, 10), [1, 1, 1], 4.0) > 0.9
True
>>> blobness(tube, (10, 10, 10), [1, 1, 1], 4.0) < 0.2
True
"""

from __future__ import annotations

import numpy as np
from skimage.feature import hessian_matrix

SQRT3 = np.sqrt(3.0)


def blobness(volume: np.ndarray, ijk, spacing, diameter_mm: float) -> float:
    """Frangi's R_B of ``volume`` at ``ijk`` at the scale of a focus of ``diameter_mm``."""
    spacing = np.asarray(spacing, float)
    sigma_mm = max(diameter_mm, 2 * float(spacing.min())) / (2 * SQRT3)
    reach = np.ceil(4 * sigma_mm / spacing).astype(int) + 1
    box = tuple(
        slice(max(0, c - r), min(n, c + r + 1))
        for c, r, n in zip(ijk, reach, volume.shape, strict=True)
    )
    local = np.nan_to_num(np.asarray(volume[box], float))
    centre = tuple(c - s.start for c, s in zip(ijk, box, strict=True))
    elements = hessian_matrix(
        local, sigma=tuple(sigma_mm / spacing), order="rc", use_gaussian_derivatives=True
    )
    hessian = np.zeros((3, 3))
    for (row, column), element in zip(zip(*np.triu_indices(3), strict=True), elements, strict=True):
        value = element[centre] / (spacing[row] * spacing[column])  # per mm, not per voxel
        hessian[row, column] = hessian[column, row] = value
    small, middle, large = np.sort(np.abs(np.linalg.eigvalsh(hessian)))
    if middle * large <= 0:
        return 0.0
    return float(small / np.sqrt(middle * large))
