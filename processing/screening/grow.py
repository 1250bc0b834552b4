"""Seeded 3D region growing of one bright (or dark) focus on a map, bounded to a small ball.

A-CMI grow bright on a DWI trace; microbleeds dark on SWI (``sign=-1``: the
map is read negated, so "brightest" below means darkest and the figures of
:class:`Grown` are given back in the map's own values). From the candidate's
position, the peak is the brightest voxel within one voxel of it. The local
baseline and noise are the median and the scaled median absolute deviation of
the map in a shell around the peak (outside the bounding ball, at most
``background_mm`` further out; zero and NaN voxels, i.e. outside the brain,
left out). A voxel joins when it lies in the ball of diameter
``max_diameter_mm`` around the peak, is connected to the peak (26-connectivity)
and is at least ``max(baseline + k_noise * noise, baseline + fraction *
(peak - baseline))``: above the noise and above half the focus's contrast, so
the partial-volume rim of a 2-3 mm focus is kept and the cortex around it is
not. The peak always belongs, so a faint focus still gives the rater a one-voxel
lesion to correct with the brush.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from nibabel.affines import voxel_sizes
from scipy import ndimage

from processing.errors import FerretError


@dataclass(frozen=True)
class GrowSettings:
    """How far a focus may grow and what counts as part of it.

    Attributes
    ----------
    max_diameter_mm : float
        Diameter of the ball around the peak the region stays in (an A-CMI is < 5 mm).
    background_mm : float
        Thickness of the shell around the ball where baseline and noise are measured.
    k_noise : float
        A voxel must exceed the baseline by this many noise levels.
    fraction : float
        ... and by this fraction of the peak's contrast (0.5: half maximum).
    """

    max_diameter_mm: float = 5.0
    background_mm: float = 4.0
    k_noise: float = 2.0
    fraction: float = 0.5


@dataclass(frozen=True)
class Grown:
    """A grown region: its voxels (peak first) and the figures that decided it."""

    voxels: np.ndarray  # (n, 3) int voxel indices of the trace grid, the peak first
    peak: float
    baseline: float
    noise: float
    threshold: float

    def record(self) -> dict:
        """Return the figures for the audit row."""
        return {
            "voxels": len(self.voxels),
            "peak": round(self.peak, 4),
            "baseline": round(self.baseline, 4),
            "noise": round(self.noise, 4),
            "threshold": round(self.threshold, 4),
        }


def grow_region(
    trace: np.ndarray, affine: np.ndarray, seed_world, settings=GrowSettings(), *, sign: int = 1
) -> Grown:
    """Grow the focus at ``seed_world`` (RAS mm) on ``trace`` (3D, voxel-to-RAS ``affine``).

    ``sign`` -1 grows a dark focus (microbleeds on SWI), +1 a bright one.

    Raises
    ------
    FerretError
        The seed lies outside the image or on no signal (NaN or zero).
    """
    spacing = voxel_sizes(affine)
    seed = np.rint(np.linalg.solve(affine, [*np.asarray(seed_world, float), 1.0])[:3]).astype(int)
    if np.any(seed < 0) or np.any(seed >= trace.shape[:3]):
        raise FerretError(f"the candidate at {tuple(seed_world)} mm lies outside the trace image.")
    radius = settings.max_diameter_mm / 2
    reach = np.ceil((radius + settings.background_mm) / spacing).astype(int)
    box = tuple(slice(max(0, s - r), s + r + 1) for s, r in zip(seed, reach, strict=True))
    local = sign * np.asarray(trace[box], float)
    start = np.array([b.start for b in box])
    peak = _peak(local, seed - start)
    if not np.isfinite(local[peak]) or local[peak] == 0:
        raise FerretError("the trace holds no signal at the candidate (outside the brain).")
    distance = _distance_mm(local.shape, np.array(peak), spacing)
    ball = distance <= radius + 1e-6
    shell = ~ball & (distance <= radius + settings.background_mm)
    shell &= np.isfinite(local) & (local != 0)
    background = local[shell] if shell.any() else local[np.isfinite(local)]
    baseline = float(np.median(background))
    noise = float(1.4826 * np.median(np.abs(background - baseline)))
    top = float(local[peak])
    threshold = max(
        baseline + settings.k_noise * noise, baseline + settings.fraction * (top - baseline)
    )
    above = ball & np.isfinite(local) & (local >= threshold)
    above[peak] = True
    components, _ = ndimage.label(above, structure=np.ones((3, 3, 3), bool))
    inside = np.argwhere(components == components[peak])
    order = np.argsort(np.abs(inside - peak).sum(axis=1), kind="stable")  # the peak first
    return Grown(inside[order] + start, sign * top, sign * baseline, noise, sign * threshold)


def _peak(local: np.ndarray, seed: np.ndarray) -> tuple[int, ...]:
    """Return the brightest finite voxel within one voxel (26-neighbourhood) of ``seed``."""
    near = tuple(slice(max(0, s - 1), s + 2) for s in seed)
    block = np.where(np.isfinite(local[near]), local[near], -np.inf)
    best = np.unravel_index(int(np.argmax(block)), block.shape)
    if not np.isfinite(block[best]):
        return tuple(int(s) for s in seed)
    return tuple(int(b + n.start) for b, n in zip(best, near, strict=True))


def _distance_mm(shape, centre: np.ndarray, spacing: np.ndarray) -> np.ndarray:
    offsets = np.indices(shape) - centre.reshape(3, 1, 1, 1)
    return np.sqrt(((offsets * spacing.reshape(3, 1, 1, 1)) ** 2).sum(axis=0))
