"""The voxel grid: a shape and a 4x4 voxel-to-RAS affine, on nibabel's affine helpers.

``Grid(shape, affine)``: ``affine @ [i, j, k, 1]`` is the RAS millimetre centre
of voxel ``[i, j, k]`` (nibabel's convention). Label volumes, registration
targets and resampling outputs all live on one of these.

>>> grid = Grid((4, 4, 2), np.diag([1.0, 1.0, 2.0, 1.0]))
>>> grid.spacing.tolist(), grid.voxel_volume
([1.0, 1.0, 2.0], 2.0)
>>> grid.voxel_to_world([1, 1, 1]).tolist()
[1.0, 1.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from nibabel.affines import apply_affine, voxel_sizes
from numpy.typing import ArrayLike


@dataclass(frozen=True, eq=False, init=False)
class Grid:
    """A voxel grid: ``shape`` (3 ints) and the 4x4 voxel-to-RAS ``affine``.

    ``shape`` may be any sequence of ints (e.g. an array's shape); its first three are kept.
    """

    shape: tuple[int, int, int]
    affine: np.ndarray

    def __init__(self, shape: Sequence[int], affine: ArrayLike) -> None:
        object.__setattr__(self, "shape", tuple(int(n) for n in shape[:3]))
        object.__setattr__(self, "affine", np.asarray(affine, dtype=float).copy())

    @property
    def spacing(self) -> np.ndarray:
        """Return the voxel size along each array axis, in mm."""
        return voxel_sizes(self.affine)

    @property
    def voxel_volume(self) -> float:
        """Return the volume of one voxel in mm^3."""
        return float(abs(np.linalg.det(self.affine[:3, :3])))

    def world_to_voxel(self, points: np.ndarray) -> np.ndarray:
        """Return the continuous voxel coordinates of RAS points ``(..., 3)``."""
        return apply_affine(np.linalg.inv(self.affine), np.asarray(points, dtype=float))

    def voxel_to_world(self, indices: np.ndarray) -> np.ndarray:
        """Return the RAS centres of voxel coordinates ``(..., 3)``."""
        return apply_affine(self.affine, np.asarray(indices, dtype=float))

    def same_as(self, other: Grid, atol: float = 1e-4) -> bool:
        """Return True when both grids have the same shape and (nearly) the same affine."""
        return self.shape == other.shape and np.allclose(self.affine, other.affine, atol=atol)

    def clip_box(self, lower: np.ndarray, upper: np.ndarray) -> tuple[slice, ...] | None:
        """Return the slices of the integer box ``[lower, upper]`` (inclusive) inside the grid.

        None when the box and the grid do not overlap.
        """
        lo = np.maximum(np.floor(lower).astype(int), 0)
        hi = np.minimum(np.ceil(upper).astype(int) + 1, self.shape)
        if np.any(hi <= lo):
            return None
        return tuple(slice(int(a), int(b)) for a, b in zip(lo, hi, strict=True))

    def box_centres(self, box: tuple[slice, ...]) -> np.ndarray:
        """Return the RAS centres ``(ni, nj, nk, 3)`` of every voxel of ``box``."""
        axes = [np.arange(s.start, s.stop, dtype=float) for s in box]
        ijk = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
        return self.voxel_to_world(ijk)

    def isotropic(self, voxel_mm: float) -> Grid:
        """Return the grid of the same orientation and field of view with cubic voxels."""
        spacing = self.spacing
        extent = np.array(self.shape) * spacing
        n = [int(max(1, round(e / voxel_mm))) for e in extent]
        affine = self.affine.copy()
        affine[:3, :3] = self.affine[:3, :3] / spacing * voxel_mm
        corner = self.affine[:3, :3] @ (-0.5 * np.ones(3)) + self.affine[:3, 3]
        affine[:3, 3] = corner + affine[:3, :3] @ (0.5 * np.ones(3))
        return Grid((n[0], n[1], n[2]), affine)
