"""Planting lesions: positions, sizes, onsets and per-visit parameter values.

Every lesion is an axis-aligned ellipsoid in anatomy space. Its mask on an
acquisition grid is the voxels whose centre lies inside it and in its host
tissue (cortex for CMIs), plus always the voxel containing its centre, so
that even a 1 mm lesion is visible on a 3 mm grid. Lesion values replace the
tissue values in those voxels (no partial volume).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from processing.phantom import tissues as T
from processing.phantom.anatomy import CORTEX_THICKNESS, FOLD_DEPTH, Anatomy
from processing.phantom.trajectories import LESION_COUNTS, SUSCEPTIBILITY_PPM, factor

MIN_SEPARATION_MM = 14.0
HOST = {"acmi": T.CORTEX, "ccmi": T.CORTEX, "microbleed": None, "wmh": None}


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

    @property
    def id(self) -> str:
        return f"{self.type}-{self.label:02d}"

    @property
    def extra_chi(self) -> float:
        """Susceptibility (ppm) of its sphere field source, 0 if none."""
        return SUSCEPTIBILITY_PPM.get((self.type, self.subtype), 0.0)

    def inside(self, points) -> np.ndarray:
        """Boolean: points ``(..., 3)`` (anatomy mm) inside the ellipsoid."""
        return np.sum(((np.asarray(points) - self.centre) / self.radii) ** 2, axis=-1) <= 1.0


def visit_values(lesion_type, subtype, host_tissue, onset_visit, visit) -> dict[str, float]:
    """Absolute parameter values of a lesion at a 1-based visit."""
    base = T.baseline(host_tissue)
    since = None if onset_visit is None else visit - onset_visit
    values = {}
    for name in T.PARAMETERS:
        f = factor(lesion_type, subtype, name, since)
        values[name] = T.baseline(T.CSF)[name] if f == "csf" else base[name] * f
    return values


def _cortical_centre(anatomy: Anatomy, rng) -> np.ndarray:
    """A mid-ribbon point on a gyral crown in the upper brain (shallow folds)."""
    while True:
        u = rng.standard_normal(3)
        u /= np.linalg.norm(u)
        if u[2] > -0.2 and anatomy.fold(u) < 0.25 * FOLD_DEPTH:
            return u * (anatomy.pial_radius(u) - CORTEX_THICKNESS / 2)


def _candidate(kind: str, anatomy: Anatomy, rng) -> tuple[np.ndarray, np.ndarray, int]:
    """Centre, radii and host tissue for one lesion of ``kind``."""
    if kind in ("acmi", "ccmi"):
        centre = _cortical_centre(anatomy, rng)
        radii = rng.uniform(0.5, 2.0) * rng.uniform(0.8, 1.2, 3)
        return centre, np.clip(radii, 0.5, 2.4), T.CORTEX
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


def plant_lesions(anatomy: Anatomy, rng: np.random.Generator, visits: int) -> list[Lesion]:
    """Draw every lesion of one participant, well separated, with onsets and values."""
    lesions: list[Lesion] = []
    for (kind, subtype), count in LESION_COUNTS.items():
        for _ in range(count):
            if kind == "acmi" and visits < 2:
                continue
            while True:
                centre, radii, host = _candidate(kind, anatomy, rng)
                if all(np.linalg.norm(centre - other.centre) >= MIN_SEPARATION_MM for other in lesions):
                    break
            onset = int(rng.integers(2, visits + 1)) if kind == "acmi" else None
            lesion = Lesion(len(lesions) + 1, kind, subtype, centre, radii, host, onset)
            lesion.values = [visit_values(kind, subtype, host, onset, v) for v in range(1, visits + 1)]
            lesions.append(lesion)
    return lesions


def lesion_to_dict(lesion: Lesion, sessions: list[str]) -> dict:
    """JSON record of a lesion for the truth file."""
    return {
        "id": lesion.id, "label": lesion.label, "type": lesion.type, "subtype": lesion.subtype,
        "centre_mm": lesion.centre, "radii_mm": lesion.radii,
        "host_tissue": T.TISSUE_NAMES[lesion.host_tissue],
        "onset_visit": lesion.onset_visit,
        "onset_session": sessions[lesion.onset_visit - 1] if lesion.onset_visit else None,
        "susceptibility_ppm": lesion.extra_chi,
        "values": {ses: dict(v, R1=1 / v["T1"], R2=1 / v["T2"]) for ses, v in zip(sessions, lesion.values)},
    }
