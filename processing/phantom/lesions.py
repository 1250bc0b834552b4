"""Planting lesions: positions, sizes, onsets and per-visit parameter values.

Every lesion is an axis-aligned ellipsoid in anatomy space. Its mask on an
acquisition grid is the voxels whose centre lies inside it and in its host
tissue (cortex for CMIs), plus always the voxel containing its centre, so
that even a 1 mm lesion is visible on a 3 mm grid. Lesion values replace the
tissue values in those voxels (no partial volume).

Sizes depend on the scale (:data:`CMI_GEOMETRY`). At ``full`` and ``small``
scale the cortical microinfarcts (A-CMI and C-CMI) have realistic sizes, as
the < 5 mm lesion definitions require of the scales raters rate on (the demo
is ``small``): radii of 0.5-2 mm (``full``) and 1.0-1.8 mm (``small``, whose
3 mm DWI shows each as one or two voxels, as real 3 T data shows a small
A-CMI) in the 2.75 mm cortical ribbon, with no cortical patch. Ferret's
largest diameter of each on the reference (DWI) grid stays below 5 mm (a
test). As in real data, how much of such a lesion one voxel holds changes with
the head movement between visits, so its planted time course is not recovered
voxel for voxel.
At the ``tiny`` scale (3.5-5 mm voxels, for fast tests) such a lesion is about
one voxel of the coarsest grid, so every head movement between visits changes
how much of it, and of the CSF and white matter around it, each voxel sees;
its planted time course cannot be recovered. As a **testability compromise**
``tiny`` therefore plants CMIs with a radius of about 1.2x the largest voxel
dimension of the scale's coarsest grid (the multi-echo spin echo's 5 mm
slices), so that every lesion has a core of pure lesion in every
acquisition's grid and in the reference grid (visit 1's DWI), and surrounds
each with a sphere of cortex one coarse voxel wider than the lesion (a
locally thickened cortex, a "cortical patch", see :attr:`Lesion.patch_radius`)
so that its control ring lies in cortex too. The lesion centre then sits one
patch radius below the pial surface, so that the patch lies within the brain,
away from the CSF and the skull (whose R2* of 150 1/s would otherwise leak
into the ring). These tiny-scale CMIs are far larger than the < 5 mm of the
lesion definitions, on purpose: the size warnings of the annotations (a CMI
reaching 5 mm) fire on them.
The tissue labels and truth maps include the patches; the susceptibility
model does not (cortex and white matter differ by 0.03 ppm).
Lesions are planted first; the veins (:mod:`processing.phantom.veins`) then
keep 1.5 mm from every lesion's extent, so the lesions are the same with or
without veins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from processing.phantom import tissues as T
from processing.phantom.anatomy import CORTEX_THICKNESS, FOLD_DEPTH, Anatomy
from processing.phantom.trajectories import LESION_COUNTS, SUSCEPTIBILITY_PPM, factor

MIN_SEPARATION_MM = 14.0
HOST = {"acmi": T.CORTEX, "ccmi": T.CORTEX, "microbleed": None, "wmh": None}


@dataclass(frozen=True)
class CmiGeometry:
    """Size of the cortical microinfarcts at one scale.

    Attributes
    ----------
    radius_mm : (float, float)
        Range of a CMI's mean radius.
    aspect : float
        Spread of the semi-axes around the mean radius (0.2: each within +-20 %).
    patch_margin_mm : float
        Width of cortex around the lesion (0: no patch, the lesion lies in the ribbon).
    """

    radius_mm: tuple[float, float]
    aspect: float
    patch_margin_mm: float

    @property
    def largest_radius(self) -> float:
        """The largest semi-axis in mm (the largest radius times the elongation)."""
        return self.radius_mm[1] * (1 + self.aspect)


#: scale -> CMI sizes: realistic at ``full`` and ``small``; at ``tiny`` a radius ~1.2x the largest voxel
#: size (MESE slices of 5 mm) and a margin of one reference (DWI) voxel of 4 mm. See the module docstring.
CMI_GEOMETRY = {
    "full": CmiGeometry((0.5, 2.0), 0.2, 0.0),
    "small": CmiGeometry((1.0, 1.8), 0.2, 0.0),
    "tiny": CmiGeometry((6.0, 6.4), 0.05, 4.0),
}


@dataclass
class Lesion:
    """One planted lesion; ``label`` is its value in the lesion label maps (1..n)."""

    label: int
    type: str
    subtype: str
    centre: np.ndarray
    radii: np.ndarray
    host_tissue: int
    onset_visit: int | None = None  # 1-based; None = present from visit 1
    values: list[dict[str, float]] = field(default_factory=list)  # per visit
    patch_radius: float = 0.0  # radius (mm) of the sphere of cortex around it; 0 = none

    @property
    def id(self) -> str:
        """The lesion's name, ``<type>-<label>`` (e.g. ``CMI-03``)."""
        return f"{self.type}-{self.label:02d}"

    @property
    def extra_chi(self) -> float:
        """Susceptibility (ppm) of its sphere field source, 0 if none."""
        return SUSCEPTIBILITY_PPM.get((self.type, self.subtype), 0.0)

    def inside(self, points) -> np.ndarray:
        """Boolean: points ``(..., 3)`` (anatomy mm) inside the ellipsoid."""
        return np.sum(((np.asarray(points) - self.centre) / self.radii) ** 2, axis=-1) <= 1.0

    @property
    def extent(self) -> float:
        """Largest distance (mm) from the centre that the lesion or its cortical patch reaches."""
        return max(float(np.max(self.radii)), self.patch_radius)

    def in_patch(self, points) -> np.ndarray:
        """Boolean: points ``(..., 3)`` (anatomy mm) inside the cortical patch.

        All False for a lesion without a patch.
        """
        if self.patch_radius <= 0:
            return np.zeros(np.shape(points)[:-1], dtype=bool)
        return np.sum((np.asarray(points) - self.centre) ** 2, axis=-1) <= self.patch_radius**2


def visit_values(lesion_type, subtype, host_tissue, onset_visit, visit) -> dict[str, float]:
    """Absolute parameter values of a lesion at a 1-based visit."""
    base = T.baseline(host_tissue)
    since = None if onset_visit is None else visit - onset_visit
    values = {}
    for name in T.PARAMETERS:
        f = factor(lesion_type, subtype, name, since)
        values[name] = T.baseline(T.CSF)[name] if isinstance(f, str) else base[name] * f  # "csf"
    return values


def patch_radius(geometry: CmiGeometry) -> float:
    """Radius of the cortical patch around every CMI at a scale (0 when none)."""
    return (
        geometry.largest_radius + geometry.patch_margin_mm if geometry.patch_margin_mm > 0 else 0.0
    )


def _cortical_centre(anatomy: Anatomy, rng, depth_mm: float) -> np.ndarray:
    """Return a point ``depth_mm`` below the pial surface of a gyral crown in the upper brain.

    Such crowns have shallow folds.
    """
    while True:
        u = rng.standard_normal(3)
        u /= np.linalg.norm(u)
        if u[2] > -0.2 and anatomy.fold(u) < 0.25 * FOLD_DEPTH:
            return u * (anatomy.pial_radius(u) - depth_mm)


def _cmi_depth(geometry: CmiGeometry) -> float:
    """Depth of a CMI centre below the pial surface.

    Mid-ribbon, or one patch radius (patch within the brain).
    """
    return max(CORTEX_THICKNESS / 2, patch_radius(geometry))


def _candidate(
    kind: str, anatomy: Anatomy, rng, geometry: CmiGeometry
) -> tuple[np.ndarray, np.ndarray, int]:
    """Centre, radii and host tissue for one lesion of ``kind``."""
    if kind in ("acmi", "ccmi"):
        centre = _cortical_centre(anatomy, rng, _cmi_depth(geometry))
        low, high = geometry.radius_mm
        radii = rng.uniform(low, high) * (
            1 + geometry.aspect * (rng.uniform(0.8, 1.2, 3) - 1) / 0.2
        )
        return centre, np.clip(radii, low, geometry.largest_radius), T.CORTEX
    if kind == "microbleed":
        if rng.random() < 0.7:  # lobar: juxtacortical white matter
            u = rng.standard_normal(3)
            u /= np.linalg.norm(u)
            u[2] = abs(u[2])
            centre = u * (anatomy.pial_radius(u) - CORTEX_THICKNESS - 5.0)
        else:  # deep: thalamus
            centre = np.array([rng.choice([-12.0, 12.0]), -15.0, 5.0]) + rng.uniform(-3, 3, 3)
        return centre, np.full(3, rng.uniform(1.0, 2.5)), T.WHITE_MATTER
    side = rng.choice([-1.0, 1.0])  # WMH: periventricular
    centre = np.array([side * rng.uniform(14, 22), rng.uniform(-20, 25), rng.uniform(16, 26)])
    return centre, rng.uniform(3.0, 6.0, 3), T.WHITE_MATTER


def _far_enough(centre, extent: float, lesions: list[Lesion], margin: float) -> bool:
    """At least MIN_SEPARATION_MM from every lesion, and ``margin`` between their extents."""
    return all(
        np.linalg.norm(centre - other.centre)
        >= max(MIN_SEPARATION_MM, extent + other.extent + margin)
        for other in lesions
    )


def plant_lesions(
    anatomy: Anatomy, rng: np.random.Generator, visits: int, scale: str = "full"
) -> list[Lesion]:
    """Draw every lesion of one participant, well separated, with onsets and values.

    ``scale`` chooses the CMI sizes (:data:`CMI_GEOMETRY`); the random draws
    are the same at every scale.
    """
    geometry = CMI_GEOMETRY[scale]
    patch = patch_radius(geometry)
    lesions: list[Lesion] = []
    for (kind, subtype), count in LESION_COUNTS.items():
        for _ in range(count):
            if kind == "acmi" and visits < 2:
                continue
            own_patch = patch if kind in ("acmi", "ccmi") else 0.0
            while True:
                centre, radii, host = _candidate(kind, anatomy, rng, geometry)
                if _far_enough(
                    centre, max(float(np.max(radii)), own_patch), lesions, geometry.patch_margin_mm
                ):
                    break
            onset = int(rng.integers(2, visits + 1)) if kind == "acmi" else None
            lesion = Lesion(
                len(lesions) + 1, kind, subtype, centre, radii, host, onset, patch_radius=own_patch
            )
            lesion.values = [
                visit_values(kind, subtype, host, onset, v) for v in range(1, visits + 1)
            ]
            lesions.append(lesion)
    return lesions


def lesion_to_dict(lesion: Lesion, sessions: list[str]) -> dict:
    """JSON record of a lesion for the truth file."""
    return {
        "id": lesion.id,
        "label": lesion.label,
        "type": lesion.type,
        "subtype": lesion.subtype,
        "centre_mm": lesion.centre,
        "radii_mm": lesion.radii,
        "cortical_patch_radius_mm": lesion.patch_radius,
        "host_tissue": T.TISSUE_NAMES[lesion.host_tissue],
        "onset_visit": lesion.onset_visit,
        "onset_session": sessions[lesion.onset_visit - 1] if lesion.onset_visit else None,
        "susceptibility_ppm": lesion.extra_chi,
        "values": {
            ses: dict(v, R1=1 / v["T1"], R2=1 / v["T2"])
            for ses, v in zip(sessions, lesion.values, strict=True)
        },
    }
