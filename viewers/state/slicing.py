"""A volume's slice on a display plane at a world position, through its affine.

The affine is nibabel's 4x4 voxel -> RAS mm matrix. When the voxel axes are
parallel to the world axes (any permutation and flips, e.g. LPS or LAS storage)
the slice is taken straight from the array, flipped and transposed so that
columns run along the plane's ``u`` and rows along its ``v``; the voxel nearest
to the requested depth is shown. Oblique images are resampled on the plane
(``scipy.ndimage.map_coordinates``, linear, or nearest neighbour with
``order=0`` for label maps) on a square grid of the image's smallest voxel size.

Returned pixels are row-major: ``data[row, col]`` with row 0 at the smallest
``v`` (the bottom of the screen) and column 0 at the smallest ``u``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from nibabel.affines import apply_affine
from scipy.ndimage import map_coordinates

from viewers.state.geometry import Plane

ALIGNED_TOLERANCE = 1e-4
MAX_OBLIQUE_SIDE = 2048


@dataclass(frozen=True)
class PlaneSlice:
    """Pixels of one plane and where they lie.

    Attributes
    ----------
    data : ndarray, shape (rows, cols)
        Values, float32, C-contiguous; rows along ``v``, columns along ``u``.
    u0, v0 : float
        Plane coordinates (mm) of the outer corner of pixel (0, 0).
    du, dv : float
        Pixel width and height in mm (positive).
    depth : float
        Depth of the shown slice along the plane normal (mm); for a straight
        slice, that of the voxel centres shown.
    inside : bool
        False when the plane misses the volume (``data`` is then all zero).
    """

    data: np.ndarray
    u0: float
    v0: float
    du: float
    dv: float
    depth: float
    inside: bool

    @property
    def rect(self) -> tuple[float, float, float, float]:
        """``(u0, v0, width, height)`` covered by the pixels, in plane mm."""
        rows, cols = self.data.shape
        return self.u0, self.v0, cols * self.du, rows * self.dv


def world_to_voxel(affine: np.ndarray, world) -> np.ndarray:
    """Continuous voxel coordinates of world point(s) (RAS mm)."""
    return apply_affine(np.linalg.inv(affine), np.asarray(world, dtype=float))


def voxel_to_world(affine: np.ndarray, voxel) -> np.ndarray:
    """World coordinates (RAS mm) of voxel coordinate(s)."""
    return apply_affine(affine, np.asarray(voxel, dtype=float))


def aligned_axes(affine: np.ndarray) -> list[int] | None:
    """For each world axis, the voxel axis parallel to it; None for an oblique affine."""
    rotation = np.asarray(affine, dtype=float)[:3, :3]
    scale = np.abs(rotation).max(axis=0)
    normalised = np.abs(rotation) / np.where(scale > 0, scale, 1.0)
    voxel_of_world = [int(np.argmax(normalised[w])) for w in range(3)]
    if sorted(voxel_of_world) != [0, 1, 2]:
        return None
    off_axis = normalised.copy()
    off_axis[range(3), voxel_of_world] = 0.0
    return voxel_of_world if off_axis.max() < ALIGNED_TOLERANCE else None


def normal_step(affine: np.ndarray, plane: Plane) -> float:
    """Distance (mm) along the normal that moves one voxel along the most parallel axis."""
    per_mm = np.linalg.inv(np.asarray(affine, dtype=float)[:3, :3]) @ plane.normal
    return float(1.0 / np.abs(per_mm).max())


def plane_extent(shape, affine: np.ndarray, plane: Plane) -> tuple[float, float, float, float]:
    """``(u0, v0, width, height)`` of the volume's bounding box projected on the plane."""
    corners = (
        np.array(np.meshgrid(*[(-0.5, n - 0.5) for n in shape[:3]], indexing="ij")).reshape(3, -1).T
    )
    world = voxel_to_world(affine, corners)
    u, v = world @ plane.u, world @ plane.v
    return float(u.min()), float(v.min()), float(np.ptp(u)), float(np.ptp(v))


def extract_plane(
    volume: np.ndarray,
    affine: np.ndarray,
    plane: Plane,
    position,
    *,
    resample: bool | None = None,
    max_side: int | None = None,
    order: int = 1,
) -> PlaneSlice:
    """Return the slice of ``volume`` on ``plane`` through world ``position``.

    Parameters
    ----------
    volume : ndarray, 3D
        Voxel data.
    affine : ndarray (4, 4)
        Voxel -> RAS mm.
    plane : Plane
        The display plane.
    position : sequence of 3 floats
        A world point on the wanted slice (the cursor).
    resample : bool, optional
        Force (True) or forbid (False) resampling; default: only for oblique affines.
    max_side : int, optional
        For resampled slices: at most this many pixels along each side (coarser
        than the voxels when the view is smaller than the image; a grid of small
        views needs no more pixels than it shows).
    order : int
        1 (default): linear interpolation, values returned as float32. 0: nearest
        neighbour for label maps: IDs are never blended and the volume's dtype is
        kept (a straight slice takes the voxel ``floor(x + 0.5)``, as the tools paint).
    """
    if order not in (0, 1):
        raise ValueError(f"extract_plane supports order 0 (nearest) or 1 (linear), got {order!r}")
    if volume.ndim != 3:
        raise ValueError(f"extract_plane needs a 3D volume, got shape {volume.shape}")
    axes = aligned_axes(affine)
    if resample is None:
        resample = axes is None
    if not resample and axes is not None:
        return _straight_slice(
            volume, affine, axes, plane, np.asarray(position, dtype=float), order
        )
    return _resampled_slice(
        volume,
        affine,
        plane,
        np.asarray(position, dtype=float),
        min(MAX_OBLIQUE_SIDE, max_side or MAX_OBLIQUE_SIDE),
        order,
    )


def _straight_slice(
    volume, affine, voxel_of_world, plane: Plane, position, order: int = 1
) -> PlaneSlice:
    axis_u = voxel_of_world[int(np.argmax(np.abs(plane.u)))]
    axis_v = voxel_of_world[int(np.argmax(np.abs(plane.v)))]
    axis_n = voxel_of_world[int(np.argmax(np.abs(plane.normal)))]
    index = int(np.floor(world_to_voxel(affine, position)[axis_n] + 0.5))
    inside = 0 <= index < volume.shape[axis_n]
    # basic indexing gives a view; np.take would first copy a non-C-ordered volume whole (~20 ms)
    where = [slice(None)] * 3
    where[axis_n] = min(max(index, 0), volume.shape[axis_n] - 1)
    layer = volume[tuple(where)]
    remaining = [a for a in range(3) if a != axis_n]
    pixels = np.transpose(layer, (remaining.index(axis_v), remaining.index(axis_u)))
    first = np.zeros(3)
    first[axis_n] = index
    last = first.copy()
    last[axis_u], last[axis_v] = volume.shape[axis_u] - 1, volume.shape[axis_v] - 1
    (u_first, v_first), (u_last, v_last) = (
        plane.to_plane(voxel_to_world(affine, first)),
        plane.to_plane(voxel_to_world(affine, last)),
    )
    if u_last < u_first:
        pixels = pixels[:, ::-1]
    if v_last < v_first:
        pixels = pixels[::-1, :]
    du = abs(u_last - u_first) / max(volume.shape[axis_u] - 1, 1) or _column_norm(affine, axis_u)
    dv = abs(v_last - v_first) / max(volume.shape[axis_v] - 1, 1) or _column_norm(affine, axis_v)
    data = np.ascontiguousarray(pixels, dtype=np.float32 if order else pixels.dtype)
    if not inside:
        data = np.zeros_like(data)
    return PlaneSlice(
        data,
        min(u_first, u_last) - du / 2,
        min(v_first, v_last) - dv / 2,
        du,
        dv,
        plane.depth(voxel_to_world(affine, first)),
        inside,
    )


def _resampled_slice(
    volume, affine, plane: Plane, position, max_side: int = MAX_OBLIQUE_SIDE, order: int = 1
) -> PlaneSlice:
    spacing = float(np.sqrt((np.asarray(affine)[:3, :3] ** 2).sum(axis=0)).min())
    u0, v0, width, height = plane_extent(volume.shape, affine, plane)
    spacing = max(spacing, max(width, height) / max_side)
    cols = int(min(max_side, max(1, np.ceil(width / spacing))))
    rows = int(min(max_side, max(1, np.ceil(height / spacing))))
    du, dv = width / cols, height / rows
    depth = plane.depth(position)
    # voxel coordinates are linear in (row, col): base + col * per_col + row * per_row
    to_voxel = np.linalg.inv(np.asarray(affine, dtype=float))
    base = apply_affine(
        to_voxel, (u0 + du / 2) * plane.u + (v0 + dv / 2) * plane.v + depth * plane.normal
    )
    per_col, per_row = to_voxel[:3, :3] @ (du * plane.u), to_voxel[:3, :3] @ (dv * plane.v)
    col, row = np.arange(cols, dtype=float), np.arange(rows, dtype=float)[:, None]
    voxels = np.stack([base[a] + col * per_col[a] + row * per_row[a] for a in range(3)])
    source = np.asarray(volume, dtype=np.float32) if order else np.asarray(volume)
    values = map_coordinates(source, voxels, order=order, mode="nearest", prefilter=False)
    within = np.ones((rows, cols), dtype=bool)
    for axis in range(3):
        within &= (voxels[axis] >= -0.5) & (voxels[axis] <= volume.shape[axis] - 0.5)
    values[~within] = 0.0
    inside = bool(within.any())
    return PlaneSlice(
        np.ascontiguousarray(
            values.reshape(rows, cols), dtype=np.float32 if order else source.dtype
        ),
        u0,
        v0,
        du,
        dv,
        depth,
        inside,
    )


def _column_norm(affine, axis: int) -> float:
    return float(np.linalg.norm(np.asarray(affine)[:3, axis]))
