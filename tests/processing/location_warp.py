"""A real MNI-space T1 moved by a known transform, for the location registration's tests and bench.

``patient07``'s T1 of the open MS consensus data is in the FSL MNI152 1 mm
grid of the MARS atlas. :func:`warped_case` draws a random affine (a few
degrees, millimetres and per cent of scale) and a smooth nonlinear
displacement (a sum of low-frequency sine waves of a few millimetres),
``mni_from_participant(x) = A x + d(x)`` in RAS mm, and resamples the T1
(linear) and the MARS map (nearest neighbour) onto a participant grid of
another voxel size: the participant's image and the truth of where each
region lies in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np
from scipy.ndimage import map_coordinates

from processing.location.atlas import load_atlas
from processing.location.regions import REGIONS
from processing.spaces.grid import Grid

T1_NAME = "T1_N4_noneck_reduced_winsor_regtoFLAIR_brain_N4_regtoMNI.nii.gz"


@dataclass
class WarpedCase:
    """The moved T1, its brain mask, the true labels on its grid, and the truth transform.

    ``mni_voxel`` holds, for every voxel of ``grid`` (C order), the continuous
    MNI-grid voxel coordinates (3, N) its centre maps to.
    """

    grid: Grid
    image: np.ndarray
    mask: np.ndarray
    labels: np.ndarray
    affine: np.ndarray
    mni_voxel: np.ndarray

    def carry(self, mni_labels: np.ndarray) -> np.ndarray:
        """Return labels on the MNI grid carried onto the case's grid by the known transform."""
        return map_coordinates(mni_labels, self.mni_voxel, order=0).reshape(self.grid.shape)


def _rotation(angles_deg) -> np.ndarray:
    rx, ry, rz = np.deg2rad(angles_deg)
    cx, sx, cy, sy, cz, sz = np.cos(rx), np.sin(rx), np.cos(ry), np.sin(ry), np.cos(rz), np.sin(rz)
    x = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    y = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    z = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return z @ y @ x


def random_affine(rng, degrees=5.0, shift_mm=6.0, scale=0.05) -> np.ndarray:
    """``mni_from_participant`` affine: rotation, anisotropic scale, translation (RAS mm)."""
    matrix = np.eye(4)
    scales = 1 + rng.uniform(-scale, scale, 3)
    matrix[:3, :3] = _rotation(rng.uniform(-degrees, degrees, 3)) @ np.diag(scales)
    matrix[:3, 3] = rng.uniform(-shift_mm, shift_mm, 3)
    return matrix


def displacement(points: np.ndarray, rng_state: dict, amplitude_mm: float) -> np.ndarray:
    """Smooth displacement (mm) at participant points (N, 3): three sine waves per axis."""
    out = np.zeros_like(points)
    for axis in range(3):
        for wave, phase, weight in zip(
            rng_state["waves"][axis],
            rng_state["phases"][axis],
            rng_state["weights"][axis],
            strict=True,
        ):
            out[:, axis] += weight * np.sin(points @ wave + phase)
    return out * amplitude_mm


def warped_case(
    real_data: Path, seed: int = 0, voxel_mm: float = 1.2, amplitude_mm=3.0
) -> WarpedCase:
    """Return patient07's T1 moved by a random known transform onto a ``voxel_mm`` grid."""
    rng = np.random.default_rng(seed)
    source = nib.load(str(real_data / "open_ms_consensus_mni" / "patient07" / T1_NAME))
    t1 = np.asarray(source.get_fdata(dtype=np.float32))
    atlas = load_atlas()
    assert np.allclose(atlas.affine, source.affine)
    affine = random_affine(rng)
    state = {
        "waves": rng.normal(0, 2 * np.pi / 120.0, (3, 3, 3)),  # wavelengths around 120 mm
        "phases": rng.uniform(0, 2 * np.pi, (3, 3)),
        "weights": rng.uniform(0.5, 1.0, (3, 3)) / 3.0**0.5,
    }
    corners = np.array([[x, y, z, 1.0] for x in (-95, 95) for y in (-130, 95) for z in (-75, 110)])
    inside = (np.linalg.inv(affine) @ corners.T).T[:, :3]
    lower, upper = inside.min(axis=0), inside.max(axis=0)
    shape = np.ceil((upper - lower) / voxel_mm).astype(int)
    grid_affine = np.diag([voxel_mm, voxel_mm, voxel_mm, 1.0])
    grid_affine[:3, 3] = lower
    grid = Grid(tuple(int(n) for n in shape), grid_affine)
    ijk = np.indices(grid.shape).reshape(3, -1).T
    points = grid.voxel_to_world(ijk)
    mni = points @ affine[:3, :3].T + affine[:3, 3] + displacement(points, state, amplitude_mm)
    voxel = (np.linalg.inv(source.affine) @ np.c_[mni, np.ones(len(mni))].T)[:3]
    image = map_coordinates(t1, voxel, order=1, cval=0.0).reshape(grid.shape)
    labels = map_coordinates(atlas.data, voxel, order=0, cval=0).reshape(grid.shape)
    mask = map_coordinates((t1 > 0).astype(np.float32), voxel, order=1).reshape(grid.shape) > 0.5
    return WarpedCase(
        grid,
        image.astype(np.float32),
        mask,
        labels.astype(np.uint8),
        affine,
        voxel.astype(np.float32),
    )


def patient_t1(real_data: Path) -> tuple[np.ndarray, np.ndarray]:
    """Return patient07's T1 (float32) and its affine (the MARS atlas's MNI grid)."""
    source = nib.load(str(real_data / "open_ms_consensus_mni" / "patient07" / T1_NAME))
    return np.asarray(source.get_fdata(dtype=np.float32)), source.affine


def agreement(found: np.ndarray, truth: np.ndarray, brain: np.ndarray) -> dict[str, float]:
    """Fractions of the brain's truly labelled voxels whose region, and group, ``found`` gets right."""
    inside = (truth > 0) & brain
    group = np.zeros(256, dtype=np.uint8)
    for number, region in REGIONS.items():
        group[number] = 1 + ("lobar", "deep", "infratentorial").index(region.group)
    result = {
        "region": float(np.mean(found[inside] == truth[inside])),
        "group": float(np.mean(group[found[inside]] == group[truth[inside]])),
    }
    for name, code in (("lobar", 1), ("deep", 2), ("infratentorial", 3)):
        here = inside & (group[truth] == code)
        result[name] = float(np.mean(group[found[here]] == code))
    return result
