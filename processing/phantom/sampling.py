"""Point-sampling the phantom's tissue properties on an acquisition grid.

Every voxel centre is mapped through the head movement into anatomy space and
takes the exact properties found there (tissue table, then lesion values of
that visit): the true parameter of every voxel is known, with no partial
volume, except along the veins (:mod:`.veins`): there the properties are the
volume-weighted mix of blood and the tissue around it, the truth's
``vein`` fraction says how much of each voxel is vein, and voxels that are at
least half vein (outside lesions) carry the tissue label ``VEIN``. Cortical
patches of coarse-scale CMIs (see :mod:`.lesions`) turn whatever tissue lies
in them into cortex before the lesions are marked.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from processing.phantom import tissues as T
from processing.phantom.anatomy import Anatomy
from processing.phantom.geometry import voxel_centres, voxel_of
from processing.phantom.lesions import Lesion
from processing.phantom.tube_volume import vein_fraction
from processing.phantom.veins import Vein


@dataclass
class SampledGrid:
    """Truth on one grid: labels, properties (float32, keyed by PARAMETERS) and anatomy points."""

    tissue: np.ndarray
    lesion: np.ndarray
    properties: dict[str, np.ndarray]
    points: np.ndarray
    anatomy_from_grid: np.ndarray
    vein: np.ndarray | None = (
        None  # volume fraction of vein per voxel; None: a phantom without veins
    )

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the sampled grid."""
        return self.tissue.shape

    def fibre_direction(self) -> np.ndarray:
        """Return the unit principal diffusion direction per voxel (anatomy axes)."""
        radial = self.points / np.maximum(np.linalg.norm(self.points, axis=-1, keepdims=True), 1e-6)
        circ = np.stack(
            [-self.points[..., 1], self.points[..., 0], 0.3 * self.points[..., 2] + 1.0], axis=-1
        )
        circ /= np.maximum(np.linalg.norm(circ, axis=-1, keepdims=True), 1e-6)
        cortex = (self.tissue == T.CORTEX)[..., None]
        return np.where(cortex, radial, circ).astype(np.float32)


def _lesion_box(lesion: Lesion, shape, grid_from_anatomy, radii=None) -> tuple[slice, slice, slice]:
    """Index slices of the grid covering the lesion's bounding box (with one voxel margin).

    ``radii`` replaces the lesion's own semi-axes (e.g. its cortical patch).
    """
    radii = lesion.radii if radii is None else radii
    corners = np.array(list(itertools.product(*[(-1, 1)] * 3))) * radii + lesion.centre
    ijk = corners @ grid_from_anatomy[:3, :3].T + grid_from_anatomy[:3, 3]
    low = np.clip(np.floor(ijk.min(axis=0)).astype(int) - 1, 0, shape)
    high = np.clip(np.ceil(ijk.max(axis=0)).astype(int) + 2, 0, shape)
    x, y, z = (slice(a, b) for a, b in zip(low, high, strict=True))
    return x, y, z


def add_cortical_patches(lesions, tissue, points, anatomy_from_grid) -> np.ndarray:
    """Tissue labels with every lesion's cortical patch set to cortex (in place; returned)."""
    grid_from_anatomy = np.linalg.inv(anatomy_from_grid)
    for lesion in lesions:
        if lesion.patch_radius > 0:
            box = _lesion_box(
                lesion, tissue.shape, grid_from_anatomy, np.full(3, lesion.patch_radius)
            )
            tissue[box][lesion.in_patch(points[box])] = T.CORTEX
    return tissue


def lesion_labels(lesions, tissue, points, anatomy_from_grid) -> np.ndarray:
    """Lesion label map (uint16, 0 = none) on a grid, by the rule of :mod:`lesions`."""
    label = np.zeros(tissue.shape, dtype=np.uint16)
    grid_from_anatomy = np.linalg.inv(anatomy_from_grid)
    for lesion in lesions:
        box = _lesion_box(lesion, tissue.shape, grid_from_anatomy)
        inside = lesion.inside(points[box])
        if lesion.host_tissue in (T.CORTEX,):
            inside &= tissue[box] == lesion.host_tissue
        label[box][inside] = lesion.label
        centre = voxel_of(lesion.centre[None], tissue.shape, anatomy_from_grid, np.eye(4))[0]
        if centre[0] >= 0:
            label[tuple(centre)] = lesion.label
    return label


def sample_grid(
    anatomy: Anatomy,
    lesions: list[Lesion],
    visit: int,
    shape,
    affine,
    world_from_anatomy,
    veins: list[Vein] | None = None,
) -> SampledGrid:
    """Sample labels and properties at a visit (1-based) on a grid.

    Parameters
    ----------
    shape, affine : grid of the acquisition (affine maps voxels to its world)
    world_from_anatomy : 4x4, the head position in that acquisition
    veins : the participant's veins, mixed in by volume fraction; None for none
    """
    anatomy_from_grid = np.linalg.inv(world_from_anatomy) @ affine
    points = voxel_centres(shape, anatomy_from_grid)
    tissue = add_cortical_patches(lesions, anatomy.labels(points), points, anatomy_from_grid)
    lesion = lesion_labels(lesions, tissue, points, anatomy_from_grid)
    values = T.property_table()[tissue].astype(np.float32)
    fraction = None
    if veins is not None:
        fraction = vein_fraction(veins, points, anatomy_from_grid)
        blood = T.property_table()[T.VEIN].astype(np.float32)
        values += fraction[..., None] * (blood - values)
        tissue[(fraction >= 0.5) & (lesion == 0)] = T.VEIN
    for item in lesions:
        mask = lesion == item.label
        if mask.any():
            values[mask] = [item.values[visit - 1][name] for name in T.PARAMETERS]
    properties = {name: values[..., k] for k, name in enumerate(T.PARAMETERS)}
    return SampledGrid(tissue, lesion, properties, points, anatomy_from_grid, fraction)
