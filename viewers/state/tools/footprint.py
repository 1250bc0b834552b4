"""Which voxels of the reference grid a tool touches: balls, discs, slabs, polygons.

All shapes are computed in world millimetres on voxel centres inside a small
box, so a disc painted in any view (axial, coronal, sagittal, or oblique) lands
in that view's plane of the reference grid. The slab of a plane is one voxel
thick: voxel centres whose depth ``d`` along the normal satisfies
``-t/2 < d - depth <= t/2`` with ``t`` the voxel's extent along the normal. Ties
go to the higher voxel, as in :func:`nearest_voxel` and in
:func:`viewers.state.slicing.extract_plane` (``floor(x + 0.5)``), so the slab a
tool paints is the slice a view shows even when the cursor lies exactly half
way between two label voxels (a 2 mm image over a 1 mm label grid).
"""

from __future__ import annotations

from typing import cast

import numpy as np
from skimage.measure import points_in_poly

from processing.spaces.grid import Grid

Box = tuple[slice, slice, slice]


def slab_thickness(grid: Grid, normal: np.ndarray) -> float:
    """Extent of one voxel along ``normal`` (mm)."""
    return float(np.abs(np.asarray(normal) @ grid.affine[:3, :3]).sum())


def nearest_voxel(grid: Grid, point) -> np.ndarray:
    """Integer index of the voxel containing a world point (ties go up: ``floor(x + 0.5)``)."""
    return np.floor(grid.world_to_voxel(np.asarray(point, float)) + 0.5).astype(int)


def box_around(grid: Grid, centre: np.ndarray, radius_mm: float) -> Box | None:
    """Voxel box covering a ball of ``radius_mm`` around ``centre`` (clipped to the grid)."""
    middle = grid.world_to_voxel(centre)
    reach = radius_mm / grid.spacing + 1
    return cast(Box | None, grid.clip_box(middle - reach, middle + reach))  # a 3-D grid's box


def in_slab(centres: np.ndarray, grid: Grid, normal: np.ndarray, depth: float) -> np.ndarray:
    """Boolean mask of voxel ``centres`` lying in the one-voxel slab of a plane."""
    half = slab_thickness(grid, normal) / 2
    offset = centres @ np.asarray(normal, float) - depth
    return (offset > -half) & (offset <= half)


def ball(grid: Grid, centre, radius_mm: float, plane=None) -> tuple[Box, np.ndarray] | None:
    """Voxels within ``radius_mm`` of ``centre`` (a disc in ``plane`` when given).

    The voxel nearest to ``centre`` is always included, so a brush smaller
    than a voxel still paints one voxel.
    """
    centre = np.asarray(centre, float)
    box = box_around(grid, centre, radius_mm)
    if box is None:
        return None
    centres = grid.box_centres(box)
    mask = np.linalg.norm(centres - centre, axis=-1) <= radius_mm
    if plane is not None:
        mask &= in_slab(centres, grid, plane.normal, plane.depth(centre))
    nearest = nearest_voxel(grid, centre) - [s.start for s in box]
    if np.all(nearest >= 0) and np.all(nearest < mask.shape):
        mask[tuple(nearest)] = True
    return box, mask


def polygon(grid: Grid, vertices: np.ndarray, plane) -> tuple[Box, np.ndarray] | None:
    """Voxels of the slab through ``vertices[0]`` whose projection falls inside the polygon."""
    vertices = np.asarray(vertices, float)
    depth = plane.depth(vertices[0])
    corners = grid.world_to_voxel(vertices)
    box = cast(Box | None, grid.clip_box(corners.min(axis=0) - 1, corners.max(axis=0) + 1))
    if box is None:
        return None
    centres = grid.box_centres(box)
    flat = centres.reshape(-1, 3)
    uv = np.stack([flat @ plane.u, flat @ plane.v], axis=1)
    ring = np.stack([vertices @ plane.u, vertices @ plane.v], axis=1)
    inside = points_in_poly(uv, ring).reshape(centres.shape[:3])
    return box, inside & in_slab(centres, grid, plane.normal, depth)


def segment_points(start: np.ndarray, stop: np.ndarray, step_mm: float) -> list[np.ndarray]:
    """Points from ``start`` (excluded) to ``stop`` (included) no more than ``step_mm`` apart."""
    start, stop = np.asarray(start, float), np.asarray(stop, float)
    count = max(1, int(np.ceil(np.linalg.norm(stop - start) / step_mm)))
    return [start + (stop - start) * (k / count) for k in range(1, count + 1)]
