"""Veins of the phantom: centreline tubes drawn with partial volume.

A vein is a polyline in anatomy space (RAS mm) with a radius at every point.
Each participant gets (:func:`draw_veins`):

* the superior sagittal sinus along the midline over the top of the brain,
  in the dural fold at the inner table of the skull, widening from
  5-6 mm diameter frontally to 7-8 mm occipitally;
* 6-9 superior cortical veins (1-3 mm) running up the lateral surface in the
  subarachnoid CSF and draining into the sinus;
* 30-40 deep medullary veins (0.5-1.5 mm, widest at the ventricle) running
  straight and radially through the white matter from the juxtacortical
  white matter to the wall of a lateral ventricle, plus one beside each lobar
  microbleed, passing 5.5-8.5 mm from its centre: the hardest mimics of a
  microbleed, which a detector's vessel exclusion must reject;
* the paired internal cerebral veins (2-3 mm) above the thalami and the
  thalamostriate veins (1-2 mm) over each thalamus joining them, within about
  10 mm of the deep (thalamic) microbleeds.

They are random per participant from a generator of their own
(:data:`VEIN_STREAM`), so that switching them off leaves every other draw,
and the phantom's bytes, as they were. No vein comes within
:data:`VEIN_MARGIN_MM` of a planted lesion's extent: the sinus, cortical and
internal cerebral veins are interrupted there, a medullary vein is redrawn.

On a grid each voxel gets the fraction of its volume inside a vein
(:func:`processing.phantom.tube_volume.vein_fraction`); the tissue properties
are mixed linearly by that fraction with
:data:`processing.phantom.tissues.VEIN`'s (deoxygenated blood), on every
acquisition's grid and on the susceptibility grid, so the veins' dipole
fields (which depend on each segment's angle to B0) come from the k-space
dipole convolution of :mod:`.fields`. That grid is 4, 2.5 and 1.5 mm (tiny,
small, full): the field of a medullary vein is smoothed at that scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.spatial import cKDTree

from processing.phantom import tissues as T
from processing.phantom.anatomy import CSF_OUTER, INNER_STRUCTURES, Anatomy

#: key of the veins' own generator, ``[seed, participant, VEIN_STREAM]`` ("vein" in ASCII)
VEIN_STREAM = 0x7665696E
VEIN_MARGIN_MM = 1.5  # least gap between a vein's surface and a lesion's extent
SAMPLE_STEP_MM = 0.1  # centreline sampling for the rasteriser (processing.phantom.tube_volume)


@dataclass(frozen=True)
class Vein:
    """One vein of a ``kind``: sinus, cortical, medullary, internal_cerebral or thalamostriate.

    Parameters
    ----------
    points : ndarray (N, 3)
        Centreline in anatomy mm, N >= 2.
    radii : ndarray (N,)
        Radius in mm at each point (linear in between).
    """

    kind: str
    points: np.ndarray
    radii: np.ndarray

    @property
    def length(self) -> float:
        """Length of the centreline in mm."""
        return float(np.sum(np.linalg.norm(np.diff(self.points, axis=0), axis=1)))

    @cached_property
    def dense(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Centreline resampled every SAMPLE_STEP_MM: points, radii, unit tangents, arc length."""
        arc = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(self.points, axis=0), axis=1))]
        s = np.linspace(0.0, arc[-1], max(int(np.ceil(arc[-1] / SAMPLE_STEP_MM)) + 1, 2))
        points = np.stack([np.interp(s, arc, self.points[:, k]) for k in range(3)], axis=-1)
        tangents = np.gradient(points, axis=0)
        tangents /= np.maximum(np.linalg.norm(tangents, axis=1, keepdims=True), 1e-12)
        return points, np.interp(s, arc, self.radii), tangents, s

    @cached_property
    def tree(self) -> cKDTree:
        """KD-tree of the dense centreline."""
        return cKDTree(self.dense[0])

    def distance(self, points) -> np.ndarray:
        """Distance (mm) from points ``(..., 3)`` to the centreline."""
        points = np.asarray(points, dtype=float)
        return polyline_distance(points.reshape(-1, 3), self.points).reshape(points.shape[:-1])

    def clearance(self, points) -> np.ndarray:
        """Distance (mm) from points ``(N, 3)`` to the vein's surface; negative inside."""
        return tube_clearance(points, self.points, self.radii)

    def to_dict(self) -> dict:
        """JSON record for the truth file."""
        return {
            "kind": self.kind,
            "points_mm": np.round(self.points, 3),
            "radii_mm": np.round(self.radii, 3),
            "length_mm": round(self.length, 2),
        }


def _segment_distances(points: np.ndarray, polyline: np.ndarray):
    """Distance ``(N, M-1)`` from each point to each segment, and the position (0..1) along it."""
    a, ab = polyline[:-1], np.diff(polyline, axis=0)
    rel = points[:, None, :] - a[None]
    t = np.clip(np.sum(rel * ab, axis=-1) / np.maximum(np.sum(ab * ab, axis=-1), 1e-12), 0, 1)
    return np.linalg.norm(rel - t[..., None] * ab, axis=-1), t


def polyline_distance(points: np.ndarray, polyline: np.ndarray) -> np.ndarray:
    """Exact distance from points ``(N, 3)`` to a polyline ``(M, 3)``."""
    return np.min(_segment_distances(np.asarray(points, dtype=float), polyline)[0], axis=1)


def tube_clearance(points, polyline: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Distance (mm) from points ``(N, 3)`` to the surface of a tube; negative inside.

    The tube's radius varies linearly along each segment of ``polyline``.
    """
    distance, t = _segment_distances(np.asarray(points, dtype=float).reshape(-1, 3), polyline)
    return np.min(distance - ((1 - t) * radii[:-1] + t * radii[1:]), axis=1)


# ---------------------------------------------------------------- drawing


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _clear(points, radii, lesions) -> np.ndarray:
    """Boolean per point: the tube there keeps VEIN_MARGIN_MM from every lesion's extent."""
    ok = np.ones(len(points), dtype=bool)
    for lesion in lesions:
        gap = np.linalg.norm(points - lesion.centre, axis=1) - radii - lesion.extent
        ok &= gap >= VEIN_MARGIN_MM
    return ok


def _interrupted(kind, points, radii, lesions, min_length=3.0) -> list[Vein]:
    """Return the pieces of a vein that keep clear of the lesions (each at least ``min_length`` mm)."""
    ok = _clear(points, radii, lesions)
    pieces, start = [], None
    for k, flag in enumerate(np.r_[ok, False]):
        if flag and start is None:
            start = k
        elif not flag and start is not None:
            if k - start >= 2:
                vein = Vein(kind, points[start:k], radii[start:k])
                if vein.length >= min_length:
                    pieces.append(vein)
            start = None
    return pieces


def _shell_path(anatomy: Anatomy, units, lift) -> np.ndarray:
    """Points along unit directions at ``hull + lift`` (mm)."""
    return units * (anatomy.hull_radius(units) + lift)[:, None]


def sagittal_sinus(anatomy: Anatomy, rng, lesions) -> list[Vein]:
    """Draw the superior sagittal sinus: midline, frontal (15-25 deg) to occipital (190-200 deg)."""
    start, stop = np.deg2rad(rng.uniform(15, 25)), np.deg2rad(rng.uniform(190, 200))
    n = 240  # about 1 mm steps
    angle = np.linspace(start, stop, n)
    x_shift = rng.uniform(-1.0, 1.0) / 70.0
    units = _unit(np.stack([np.full(n, x_shift), np.cos(angle), np.sin(angle)], axis=-1))
    radii = np.linspace(rng.uniform(2.5, 3.0), rng.uniform(3.5, 4.0), n)
    points = _shell_path(anatomy, units, CSF_OUTER - 0.25 * radii)  # indents the inner table
    return _interrupted("sinus", points, radii, lesions)


def _slerp(u0, u1, n) -> np.ndarray:
    omega = np.arccos(np.clip(u0 @ u1, -1, 1))
    s = np.linspace(0, 1, n)[:, None]
    return (np.sin((1 - s) * omega) * u0 + np.sin(s * omega) * u1) / np.sin(omega)


def cortical_vein(anatomy: Anatomy, rng, lesions) -> list[Vein]:
    """Draw a superior cortical vein from the lateral surface up to the sinus, in the CSF."""
    side = rng.choice([-1.0, 1.0])
    y0, z0 = rng.uniform(-0.7, 0.7), rng.uniform(-0.25, 0.35)
    u0 = _unit([side * np.sqrt(max(1 - y0**2 - z0**2, 0.05)), y0, z0])
    u1 = _unit([side * rng.uniform(0.06, 0.12), y0 + rng.uniform(-0.2, 0.2), 1.0])
    n = 120
    units = _slerp(u0, u1, n)
    normal = _unit(np.cross(u0, u1))
    wiggle = rng.uniform(0.02, 0.05) * np.sin(
        2 * np.pi * rng.uniform(1.0, 2.5) * np.linspace(0, 1, n) + rng.uniform(0, 2 * np.pi)
    )
    units = _unit(units + wiggle[:, None] * normal)
    radius = rng.uniform(0.5, 1.5)
    radii = np.linspace(0.7 * radius, radius, n)  # widening towards the sinus
    points = _shell_path(anatomy, units, radii + 0.1)  # in the subarachnoid CSF
    return _interrupted("cortical", points, radii, lesions)


def internal_cerebral_vein(rng, side: float, lesions) -> list[Vein]:
    """Draw an internal cerebral vein: paramedian, above the thalamus, front to back, converging."""
    n = 32
    s = np.linspace(0, 1, n)
    y = np.linspace(3.0, -27.0, n) + rng.uniform(-2, 2)
    x = side * (rng.uniform(2.0, 3.0) - 1.2 * s)
    z = 11.0 + rng.uniform(-1, 1) - 2.0 * s
    radii = np.full(n, rng.uniform(1.0, 1.5))
    return _interrupted("internal_cerebral", np.stack([x, y, z], axis=-1), radii, lesions)


def thalamostriate_vein(rng, side: float, lesions) -> list[Vein]:
    """Draw a thalamostriate vein: over the thalamus, forward and medially to the ICV."""
    control = np.array([[18.0, -22.0, 11.0], [14.0, -8.0, 14.0], [4.0, 3.0, 12.0]])
    control = control + rng.uniform(-1.5, 1.5, (3, 3))
    s = np.linspace(0, 1, 30)[:, None]
    points = (1 - s) ** 2 * control[0] + 2 * s * (1 - s) * control[1] + s**2 * control[2]
    points[:, 0] *= side
    radii = np.linspace(rng.uniform(0.5, 0.7), rng.uniform(0.8, 1.0), len(points))
    return _interrupted("thalamostriate", points, radii, lesions)


def _white_matter_run(
    anatomy: Anatomy, start, direction, max_length, min_points=13
) -> np.ndarray | None:
    """Points every 1 mm from ``start`` along ``direction`` while in white matter.

    Stops 2 mm short of the first other tissue; None if deep grey comes first
    or fewer than ``min_points`` remain (the default: 12 mm).
    """
    t = np.arange(0.0, max_length + 1e-9, 1.0)
    points = start + t[:, None] * direction
    labels = anatomy.labels(points)
    other = np.flatnonzero(labels != T.WHITE_MATTER)
    end = other[0] if other.size else len(t)
    if other.size and labels[end] == T.DEEP_GREY:
        return None
    end -= 2
    return points[:end] if end >= min_points else None


def _ventricle_wall(rng) -> tuple[np.ndarray, np.ndarray]:
    """Draw a point on the upper or lateral wall of a lateral ventricle and its outward normal."""
    _, centre, semi = next(s for s in INNER_STRUCTURES if s[0] == T.VENTRICLE)
    side = rng.choice([-1.0, 1.0])
    c, a = np.array([side * centre[0], centre[1], centre[2]]), np.asarray(semi)
    while True:
        v = _unit(rng.standard_normal(3))
        if v[2] > 0.1 and side * v[0] > -0.2:
            break
    point = c + a * v
    return point, _unit(v / a)


def medullary_vein(anatomy: Anatomy, rng, lesions) -> Vein | None:
    """Draw a deep medullary vein from a lateral ventricle's wall to the juxtacortical WM."""
    wall, normal = _ventricle_wall(rng)
    direction = _unit(normal + 0.5 * _unit(wall) + 0.15 * rng.standard_normal(3))
    run = _white_matter_run(anatomy, wall + 1.0 * direction, direction, 80.0)
    if run is None:
        return None
    radii = np.linspace(rng.uniform(0.5, 0.75), rng.uniform(0.25, 0.45), len(run))
    return Vein("medullary", run, radii) if _clear(run, radii, lesions).all() else None


def medullary_beside(anatomy: Anatomy, rng, microbleed, lesions) -> Vein | None:
    """Draw a medullary vein running radially 5.5-8.5 mm from a lobar microbleed's centre."""
    radial = _unit(microbleed.centre)
    side = _unit(np.cross(radial, rng.standard_normal(3)))
    passing = microbleed.centre + rng.uniform(5.5, 8.5) * side
    outward = _white_matter_run(anatomy, passing, radial, 40.0, min_points=1)
    inward = _white_matter_run(anatomy, passing, -radial, rng.uniform(20.0, 32.0), min_points=8)
    if outward is None or inward is None or len(outward) + len(inward) < 14:
        return None
    run = np.r_[inward[:0:-1], outward]  # from deep to superficial, through ``passing``
    radii = np.linspace(rng.uniform(0.5, 0.75), rng.uniform(0.25, 0.45), len(run))
    return Vein("medullary", run, radii) if _clear(run, radii, lesions).all() else None


def draw_veins(anatomy: Anatomy, lesions, rng: np.random.Generator) -> list[Vein]:
    """Every vein of one participant, clear of its planted ``lesions``."""
    veins = sagittal_sinus(anatomy, rng, lesions)
    for _ in range(int(rng.integers(6, 10))):
        veins += cortical_vein(anatomy, rng, lesions)
    for side in (-1.0, 1.0):
        veins += internal_cerebral_vein(rng, side, lesions)
        veins += thalamostriate_vein(rng, side, lesions)
    for lesion in lesions:
        if lesion.type == "microbleed" and anatomy.labels(lesion.centre) == T.WHITE_MATTER:
            for _ in range(30):
                vein = medullary_beside(anatomy, rng, lesion, lesions)
                if vein is not None:
                    veins.append(vein)
                    break
    wanted, attempts = int(rng.integers(30, 41)), 0
    while sum(v.kind == "medullary" for v in veins) < wanted and attempts < 2000:
        attempts += 1
        vein = medullary_vein(anatomy, rng, lesions)
        if vein is not None:
            veins.append(vein)
    return veins
