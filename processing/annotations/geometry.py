"""Per-lesion measurements: centre, volume, largest diameter, cortical location.

Measured in the reference grid's world (RAS mm). The largest diameter is the
larger of the lesion's voxel-centre Feret diameter (the largest distance
between two of its voxel centres) and the edge of a cube of its volume, so a
single voxel measures its edge and two 3 mm voxels side by side 3.8 mm, not
the 8.5 mm that adding a whole voxel's extent along the diagonal gave. It is a
lower bound within one voxel of the outline's extent, which is what the
"smaller than 5 mm" definition of a microinfarct can be checked against on a
grid of 1-3 mm voxels: :data:`CMI_DIAMETER_LIMIT_MM` drives the warning shown
only when a microinfarct is above it by this measure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError
from scipy.spatial.distance import pdist

from processing.spaces.grid import Grid

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


def measure_lesions(
    labels: np.ndarray, grid: Grid, cortex: np.ndarray | None = None
) -> dict[int, LesionGeometry]:
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


def measure_voxels(
    lesion_id: int, ijk: np.ndarray, grid: Grid, in_cortex: bool | None = None
) -> LesionGeometry:
    """Measure one lesion given its voxel indices ``(n, 3)``."""
    points = grid.voxel_to_world(ijk)
    x, y, z = (float(c) for c in points.mean(axis=0))
    volume = len(ijk) * grid.voxel_volume
    return LesionGeometry(
        lesion_id=int(lesion_id),
        voxels=len(ijk),
        centre=(x, y, z),
        volume_mm3=volume,
        diameter_mm=largest_diameter(points, volume),
        in_cortex=in_cortex,
    )


def largest_diameter(points: np.ndarray, volume_mm3: float) -> float:
    """Largest diameter (mm).

    Max(voxel-centre Feret diameter of ``points`` (n, 3), cube root of the volume).
    """
    cube_edge = float(volume_mm3) ** (1.0 / 3.0)
    if len(points) == 1:
        return cube_edge
    candidates = _hull_points(points)
    return max(float(pdist(candidates).max()), cube_edge)


def diameter_warning(lesion_type: str, diameter_mm: float) -> str | None:
    """Return the warning for a microinfarct above 5 mm, else None."""
    if lesion_type in CMI_TYPES and diameter_mm > CMI_DIAMETER_LIMIT_MM:
        return (
            f"{lesion_type} measures {diameter_mm:.1f} mm: microinfarcts are smaller than "
            f"{CMI_DIAMETER_LIMIT_MM:g} mm; check the type or the outline."
        )
    return None


def _hull_points(points: np.ndarray) -> np.ndarray:
    if len(points) <= _HULL_ABOVE:
        return points
    try:
        return points[ConvexHull(points).vertices]
    except QhullError:  # flat or degenerate sets: all points are candidates
        return points
