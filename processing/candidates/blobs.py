"""Compact foci in a z-map: multi-scale Laplacian-of-Gaussian blob detection (scikit-image).

:func:`skimage.feature.blob_log` on the positive part of one visit's combined
z-map, inside the brain's bounding box, with per-axis sigmas so that
anisotropic grids search the same millimetres. Scales run from
``min_diameter_mm`` to ``max_diameter_mm`` (the radius of a 3D LoG blob is
about sqrt(3) sigma, so sigma = diameter / (2 sqrt(3))).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skimage.feature import blob_log

SQRT3 = np.sqrt(3.0)
LOG_THRESHOLD = 0.2


@dataclass(frozen=True)
class Blob:
    """A focus: visit index, voxel position (ints) and its diameter estimate in mm."""

    visit: int
    ijk: tuple[int, int, int]
    diameter_mm: float


def sigmas_mm(min_diameter_mm: float, max_diameter_mm: float) -> tuple[float, float]:
    """Return the LoG sigma range (mm) for a diameter range."""
    return min_diameter_mm / (2 * SQRT3), max_diameter_mm / (2 * SQRT3)


def find_blobs(
    z: np.ndarray,
    visit: int,
    brain: np.ndarray,
    spacing,
    min_diameter_mm: float,
    max_diameter_mm: float,
    scales: int,
) -> list[Blob]:
    """Blobs of one visit's z-map (``z`` (x, y, z); negative values ignored)."""
    box = _bounding_box(brain)
    if box is None:
        return []
    spacing = np.asarray(spacing, float)
    low, high = sigmas_mm(min_diameter_mm, max_diameter_mm)
    image = np.clip(z[box], 0, None)
    found = blob_log(
        image,
        min_sigma=tuple(low / spacing),
        max_sigma=tuple(high / spacing),
        num_sigma=scales,
        threshold=LOG_THRESHOLD,
        exclude_border=False,
    )
    offset = np.array([s.start for s in box])
    blobs = []
    for row in found:
        i, j, k = (int(round(c)) for c in row[:3] + offset)
        sigma_vox = np.asarray(row[3:6] if len(row) > 4 else [row[3]] * 3, float)
        blobs.append(Blob(visit, (i, j, k), float(2 * SQRT3 * np.mean(sigma_vox * spacing))))
    return blobs


def _bounding_box(mask: np.ndarray) -> tuple[slice, ...] | None:
    where = np.argwhere(mask)
    if not len(where):
        return None
    return tuple(slice(int(a), int(b) + 1) for a, b in zip(where.min(0), where.max(0), strict=True))
