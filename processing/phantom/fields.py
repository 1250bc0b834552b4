"""The B0 field offset (ppm) a GRE acquisition sees at its voxel centres.

Three parts: the dipole field of the tissue susceptibility (k-space kernel on
a regular anatomy grid, veins mixed in by volume fraction, B0 along the scanner z axis carried into anatomy
space by the head movement, then interpolated linearly), the analytic
dipole fields of the spherical sources (microbleeds, iron-positive C-CMIs),
and a smooth background field in scanner coordinates (imperfect shim).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import map_coordinates

from processing.forward import gre
from processing.phantom import tissues as T
from processing.phantom.anatomy import Anatomy
from processing.phantom.tube_volume import vein_fraction
from processing.phantom.veins import Vein

HALF_EXTENT_MM = np.array([90.0, 105.0, 85.0])


class SusceptibilityGrid:
    """Tissue susceptibility of one participant on a regular anatomy grid (built once).

    ``veins`` (None for none) replace tissue by blood in proportion to the
    volume fraction of each grid cell they fill.
    """

    def __init__(self, anatomy: Anatomy, spacing_mm: float, veins: list[Vein] | None = None):
        self.spacing = float(spacing_mm)
        axes = [np.arange(-h, h + 1e-6, self.spacing, dtype=np.float32) for h in HALF_EXTENT_MM]
        self.origin = np.array([a[0] for a in axes])
        points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
        column = T.PARAMETERS.index("chi")
        self.chi = T.property_table()[anatomy.labels(points), column]
        if veins:
            grid = np.diag([self.spacing] * 3 + [1.0])
            grid[:3, 3] = self.origin
            fraction = vein_fraction(veins, points, grid)
            self.chi += fraction * (T.property_table()[T.VEIN, column] - self.chi)

    def field_at(self, points, b0_direction) -> np.ndarray:
        """Field (ppm) at anatomy points ``(..., 3)`` for a B0 direction in anatomy axes."""
        field = gre.dipole_field(self.chi, (self.spacing,) * 3, b0_direction)
        coords = ((points.reshape(-1, 3) - self.origin) / self.spacing).T
        values = map_coordinates(field, coords, order=1, mode="constant", cval=0.0)
        return values.reshape(points.shape[:-1])


def background_field(points_world) -> np.ndarray:
    """Return a smooth shim residual: 0.1 ppm per 10 cm along z plus a weak x^2 term."""
    x, z = points_world[..., 0] / 100.0, points_world[..., 2] / 100.0
    return 0.1 * z + 0.05 * x**2


def field_offset(
    grid_points_anatomy, lesions, chi_grid: SusceptibilityGrid, world_from_anatomy
) -> np.ndarray:
    """Total field offset (ppm) at the anatomy points of a GRE grid."""
    b0_anatomy = world_from_anatomy[:3, :3].T @ np.array([0.0, 0.0, 1.0])
    total = chi_grid.field_at(grid_points_anatomy, b0_anatomy)
    for lesion in lesions:
        if lesion.extra_chi:
            total += gre.sphere_field(
                grid_points_anatomy,
                lesion.centre,
                float(np.mean(lesion.radii)),
                lesion.extra_chi,
                b0_anatomy,
            )
    world = (
        grid_points_anatomy @ world_from_anatomy[:3, :3].T.astype(np.float32)
        + world_from_anatomy[:3, 3]
    )
    return total + background_field(world)
