"""Grids, affines and head movement of the phantom's acquisitions.

``world_from_anatomy`` (4x4, RAS mm) says where the head movement put the
anatomy in a scan's scanner world; an acquisition's ``affine`` maps its voxel
indices to that world. A voxel's anatomy position is therefore
``inv(world_from_anatomy) @ affine @ [i, j, k, 1]``.
"""

from __future__ import annotations

import numpy as np

from processing.phantom.protocol import AcquisitionSpec

_AXIS_OF = {"R": (0, 1), "L": (0, -1), "A": (1, 1), "P": (1, -1), "S": (2, 1), "I": (2, -1)}


def rotation_matrix(angles_deg) -> np.ndarray:
    """Rotation ``Rz @ Ry @ Rx`` from angles (degrees) about x, y, z."""
    ax, ay, az = np.deg2rad(np.asarray(angles_deg, dtype=float))
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


def rigid(angles_deg, translation_mm) -> np.ndarray:
    """4x4 rigid transform."""
    matrix = np.eye(4)
    matrix[:3, :3] = rotation_matrix(angles_deg)
    matrix[:3, 3] = translation_mm
    return matrix


def random_motion(rng: np.random.Generator, degrees: float, mm: float) -> np.ndarray:
    """Return a random rigid movement with normal angles (sd ``degrees``) and shifts (sd ``mm``)."""
    return rigid(rng.normal(0.0, degrees, 3), rng.normal(0.0, mm, 3))


def grid_shape(spec: AcquisitionSpec) -> tuple[int, int, int]:
    """Voxels along each stored axis: the field of view divided by the voxel size."""
    nx, ny, nz = (int(round(f / v)) for f, v in zip(spec.fov, spec.voxel_size, strict=True))
    return nx, ny, nz


def acquisition_affine(spec: AcquisitionSpec) -> np.ndarray:
    """Voxel-to-world affine with the spec's axis codes and tilt, grid centred at world 0."""
    direction = np.zeros((3, 3))
    for column, code in enumerate(spec.axcodes):
        row, sign = _AXIS_OF[code]
        direction[row, column] = sign
    direction = rotation_matrix((spec.tilt_deg, 0.0, 0.0)) @ direction
    affine = np.eye(4)
    affine[:3, :3] = direction * np.asarray(spec.voxel_size)
    centre_index = (np.asarray(grid_shape(spec)) - 1) / 2.0
    affine[:3, 3] = -affine[:3, :3] @ centre_index
    return affine


def voxel_centres(shape, affine, transform=None) -> np.ndarray:
    """Positions ``(*shape, 3)`` of all voxel centres, through ``transform @ affine``."""
    matrix = affine if transform is None else transform @ affine
    ijk = np.stack(
        np.meshgrid(*[np.arange(n, dtype=np.float32) for n in shape], indexing="ij"), axis=-1
    )
    return ijk @ matrix[:3, :3].T.astype(np.float32) + matrix[:3, 3].astype(np.float32)


def voxel_of(points, shape, affine, world_from_anatomy) -> np.ndarray:
    """Integer voxel index ``(N, 3)`` containing anatomy points ``(N, 3)``; -1 rows when outside."""
    matrix = np.linalg.inv(affine) @ world_from_anatomy
    ijk = np.rint(np.asarray(points, dtype=float) @ matrix[:3, :3].T + matrix[:3, 3]).astype(int)
    outside = np.any((ijk < 0) | (ijk >= np.asarray(shape)), axis=-1)
    ijk[outside] = -1
    return ijk
