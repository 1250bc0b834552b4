"""Change of each visit against the participant's other visits, in units of their noise.

For visit ``v`` of a channel: every visit is first divided by its brain median
(scanner gain drifts between sessions), the baseline is the voxel-wise median
of the *other* visits, and the noise level is the larger of the voxel-wise
median absolute deviation of the other visits (x 1.4826, a standard deviation
for normal noise) and its local level (the brain-restricted Gaussian mean of
that spread over ``noise_floor_mm``), so single voxels of chance stability do
not turn noise into candidates while edges and registration residue, whose
spread is high, stay quiet. ``z = sign * (value - baseline) / noise``, then
each visit's z-map is calibrated by its own robust spread (:func:`calibrated`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class Change:
    """Baseline, noise level and signed z-map of one channel at every visit.

    Each is an array of shape (visits, x, y, z).
    """

    baseline: np.ndarray
    noise: np.ndarray
    z: np.ndarray


def gain_normalised(stack: np.ndarray, brain: np.ndarray) -> np.ndarray:
    """Each visit divided by its median inside the brain (visits without data stay NaN)."""
    medians = np.array(
        [
            np.nanmedian(volume[brain]) if np.isfinite(volume[brain]).any() else np.nan
            for volume in stack
        ]
    )
    scale = np.where(np.isfinite(medians) & (medians != 0), medians, 1.0)
    return (stack / scale[:, None, None, None]).astype(np.float32)


def leave_one_out(stack: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and MAD-based spread of the other visits, for every visit."""
    baseline = np.empty_like(stack)
    spread = np.empty_like(stack)
    for visit in range(len(stack)):
        others = np.delete(stack, visit, axis=0)
        median = np.nanmedian(others, axis=0)
        baseline[visit] = median
        spread[visit] = MAD_TO_SD * np.nanmedian(np.abs(others - median), axis=0)
    return baseline, spread


def local_level(spread: np.ndarray, brain: np.ndarray, spacing, radius_mm: float) -> np.ndarray:
    """Brain-restricted Gaussian mean of a spread map (normalised convolution), per visit."""
    sigma = radius_mm / np.asarray(spacing, float)
    weight = ndimage.gaussian_filter(brain.astype(np.float32), sigma)
    levels = np.empty_like(spread)
    for visit, volume in enumerate(spread):
        values = np.where(brain & np.isfinite(volume), volume, 0).astype(np.float32)
        levels[visit] = ndimage.gaussian_filter(values, sigma) / np.maximum(weight, 1e-6)
    return levels


def channel_change(
    stack: np.ndarray, brain: np.ndarray, spacing, sign: int, noise_floor_mm: float
) -> Change:
    """Signed z-maps of one channel (0 outside the brain and where a visit lacks data)."""
    normalised = gain_normalised(stack, brain)
    baseline, spread = leave_one_out(normalised)
    noise = np.fmax(spread, local_level(spread, brain, spacing, noise_floor_mm))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = sign * (normalised - baseline) / noise
    z = np.where(brain[None] & np.isfinite(z), z, 0).astype(np.float32)
    return Change(baseline, noise, calibrated(z, brain))


def calibrated(z: np.ndarray, brain: np.ndarray) -> np.ndarray:
    """Each visit's z-map divided by its own robust spread in the brain, when that exceeds 1.

    The other visits' spread predicts a visit's noise only when all visits are
    alike; the reference visit is not interpolated (sharper, noisier than the
    resampled others) and a session may simply be noisier. Under noise alone
    a z-map has a spread of 1; one that spreads wider is scaled back, never
    up (a quiet visit keeps its z).
    """
    out = np.empty_like(z)
    for visit, volume in enumerate(z):
        inside = volume[brain]
        spread = (
            MAD_TO_SD * float(np.median(np.abs(inside - np.median(inside)))) if inside.size else 1.0
        )
        out[visit] = volume / max(spread, 1.0)
    return out


def combined_z(changes: list[Change]) -> np.ndarray:
    """Sum of the channels' signed z-maps divided by sqrt(n): standard normal under noise alone."""
    return (np.sum([c.z for c in changes], axis=0) / np.sqrt(len(changes))).astype(np.float32)
