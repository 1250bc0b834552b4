"""Per-lesion measurements: centre, volume, largest diameter, cortical location.

Measured in the reference grid's world (RAS mm). The largest diameter is the
maximum Feret diameter of the lesion's voxels: the largest distance between two
voxel centres plus the extent of one voxel along that direction (so a single
1 mm voxel measures 1 mm). Cortical microinfarcts are by definition smaller than
5 mm; :data:`CMI_DIAMETER_LIMIT_MM` drives the warning shown when one reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError
from scipy.spatial.distance import pdist, squareform

from processing.annotations.grid import Grid

CMI_TYPES = ("A-CMI", "C-CMI")
CMI_DIAMETER_LIMIT_MM = 5.0
_HULL_ABOVE = 64


@dataclass(frozen=True)
class LesionGeometry:
    """Where a lesion is and how big (all in reference-space millimetres)."""

    lesion_id: int
    voxels: int
    centre: tuple[float, float, float]
    volume_mm3: float
    diameter_mm: float
    in_cortex: bool | None


def measure_lesions(labels: np.ndarray, grid: Grid, cortex: np.ndarray | None = None) -> dict[int, LesionGeometry]:
    """Measure every lesion of a label volume.

    Parameters
    ----------
    labels : ndarray of int
        Label volume on ``grid`` (0 = background).
    grid : Grid
        The grid of ``labels``.
    cortex : ndarray of bool, optional
        Cortex mask on the same grid; a lesion lies in cortex when at least
        half its voxels do. Without a mask, ``in_cortex`` is None (unknown).

    Returns
    -------
    dict
        ``{lesion_id: LesionGeometry}`` for every ID present.
    """
    labels = np.asarray(labels)
    result = {}
    for index, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None:
            continue
        local = np.argwhere(labels[box] == index) + [s.start for s in box]
        in_cortex = None if cortex is None else bool(np.mean(cortex[tuple(local.T)]) >= 0.5)
        result[index] = measure_voxels(index, local, grid, in_cortex)
    return result


def measure_voxels(lesion_id: int, ijk: np.ndarray, grid: Grid, in_cortex: bool | None = None) -> LesionGeometry:
    """Measure one lesion given its voxel indices ``(n, 3)``."""
    points = grid.voxel_to_world(ijk)
    centre = tuple(float(c) for c in points.mean(axis=0))
    return LesionGeometry(lesion_id=int(lesion_id), voxels=len(ijk), centre=centre,
                          volume_mm3=len(ijk) * grid.voxel_volume,
                          diameter_mm=largest_diameter(points, grid), in_cortex=in_cortex)


def largest_diameter(points: np.ndarray, grid: Grid) -> float:
    """Maximum Feret diameter (mm) of voxels centred at ``points`` (n, 3)."""
    linear = grid.affine[:3, :3]
    if len(points) == 1:
        return float(grid.spacing.max())
    candidates = _hull_points(points)
    distances = squareform(pdist(candidates))
    i, j = np.unravel_index(np.argmax(distances), distances.shape)
    direction = (candidates[j] - candidates[i]) / distances[i, j]
    voxel_extent = float(np.abs(direction @ linear).sum())
    return float(distances[i, j] + voxel_extent)


def diameter_warning(lesion_type: str, diameter_mm: float) -> str | None:
    """The warning for a microinfarct of 5 mm or more, else None."""
    if lesion_type in CMI_TYPES and diameter_mm >= CMI_DIAMETER_LIMIT_MM:
        return (f"{lesion_type} measures {diameter_mm:.1f} mm: microinfarcts are smaller than "
                f"{CMI_DIAMETER_LIMIT_MM:g} mm; check the type or the outline.")
    return None


def _hull_points(points: np.ndarray) -> np.ndarray:
    if len(points) <= _HULL_ABOVE:
        return points
    try:
        return points[ConvexHull(points).vertices]
    except QhullError:  # flat or degenerate sets: all points are candidates
        return points
