"""Change of each visit against the participant's other visits, in units of its noise.

For visit ``v`` of a channel: every visit is first divided by its brain median
(scanner gain drifts between sessions) and the baseline is the voxel-wise
median of the *other* visits. Then two things keep the anatomy's own
variation between visits from posing as change:

- **A misregistration-tolerant baseline.** A voxel is compared with the
  brightest (for a darker sign, the darkest) baseline voxel within
  ``tolerance_voxels`` of it (a maximum filter of the baseline), as in the
  tolerant subtraction used for new-lesion detection: a thin sulcus that one
  visit samples in one voxel and another splits across two, or the residue of
  a sub-voxel registration error at a tissue edge, never stands above its
  neighbourhood in the other visits; a new focus does.
- **The visit's own noise level.** The robust spread (1.4826 MAD) of the
  difference from the plain baseline inside the brain, one number per visit:
  unlike the voxel-wise spread of the other visits, it is not inflated at the
  edges where cortical lesions lie.

``z = sign * (value - tolerant baseline) / noise``, then each visit's z-map
is calibrated by its own robust spread (:func:`calibrated`). Measured on the
small phantom (seeds 31 and 32, 10 visits, 3 mm DWI): the voxel-wise spread
with its local floor and no tolerance put the planted A-CMIs at peak ranks
25-3110 among about 5800 peaks above z 2, most of the top 50 at the
reference visit (the one visit not interpolated); the tolerant baseline with
the visit's noise left 7 peaks above z 2 per participant, the five A-CMIs
among them at ranks 1-5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class Change:
    """Baseline, noise level and signed z-map of one channel at every visit.

    ``baseline``, ``z`` and ``plain`` have shape (visits, x, y, z); ``noise`` is one
    level per visit. ``z`` is against the tolerant baseline (what detects);
    ``plain`` against the baseline itself, where a focus's partial volume in
    its neighbours still shows (what locates it: :func:`~processing.candidates.features.peak_centroid`).
    ``mirror`` is ``z`` for the opposite sign (new foci of the other contrast,
    against the other extreme of the baseline): under noise and residue alone
    it peaks as often as ``z``, so its peaks count the false candidates to
    expect (:func:`~processing.candidates.detect.noise_threshold`); None where
    the contrast is not symmetric (the local background).
    """

    baseline: np.ndarray
    noise: np.ndarray
    z: np.ndarray
    plain: np.ndarray
    mirror: np.ndarray | None = None


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
        median = nanmedian_across(others)
        baseline[visit] = median
        spread[visit] = MAD_TO_SD * nanmedian_across(np.abs(others - median))
    return baseline, spread


def nanmedian_across(stack: np.ndarray) -> np.ndarray:
    """Return ``np.nanmedian(stack, axis=0)``, several times faster for a stack of a few volumes.

    For fewer than 600 values along the axis numpy takes the median through a
    masked array, which was most of the A-CMI detection's time on a full-scale
    participant; here voxels without NaN take :func:`numpy.median` (a
    partition) and only the others the masked path. All-NaN voxels give NaN
    without numpy's warning.

    >>> stack = np.array([[1.0, np.nan], [3.0, np.nan], [2.0, 5.0]])
    >>> nanmedian_across(stack).tolist()
    [2.0, 5.0]
    """
    missing = np.isnan(stack).any(axis=0)
    median = np.median(stack, axis=0)
    if missing.any():
        partial = stack[:, missing]
        values = np.full(partial.shape[1], np.nan, dtype=median.dtype)
        some = ~np.isnan(partial).all(axis=0)
        values[some] = np.nanmedian(partial[:, some], axis=0)
        median[missing] = values
    return median


def tolerant_baseline(baseline: np.ndarray, sign: int, tolerance_voxels: int) -> np.ndarray:
    """Return the baseline's extreme (max for ``sign`` +1, else min) within ``tolerance_voxels``.

    >>> row = np.array([[[[1.0], [5.0], [1.0], [1.0]]]])
    >>> tolerant_baseline(row, +1, 1)[0, 0, :, 0].tolist()
    [5.0, 5.0, 5.0, 1.0]
    """
    if tolerance_voxels <= 0:
        return baseline
    size = 2 * tolerance_voxels + 1
    pick = ndimage.maximum_filter if sign > 0 else ndimage.minimum_filter
    missing = -np.inf if sign > 0 else np.inf  # a visit without data never wins
    return np.stack(
        [pick(np.where(np.isfinite(volume), volume, missing), size=size) for volume in baseline]
    )


def visit_noise(difference: np.ndarray, brain: np.ndarray) -> np.ndarray:
    """Robust spread (1.4826 MAD) of each visit's difference from its baseline inside the brain."""
    levels = []
    for volume in difference:
        inside = volume[brain & np.isfinite(volume)]
        level = (
            MAD_TO_SD * float(np.median(np.abs(inside - np.median(inside)))) if inside.size else 0
        )
        levels.append(level if level > 0 else np.inf)  # no data, no change
    return np.asarray(levels, np.float32)


def neighbour_correlation(difference: np.ndarray, brain: np.ndarray, axis: int) -> float:
    """Correlation of one volume's noise with its neighbour's along ``axis``, inside the brain."""
    inner = brain & np.roll(brain, -1, axis)
    inner.take(-1, axis=axis)[...] = False  # no wrap-around pair
    first = difference[inner]
    second = np.roll(difference, -1, axis)[inner]
    keep = np.isfinite(first) & np.isfinite(second)
    if keep.sum() < 100:
        return float("nan")
    return float(np.corrcoef(first[keep], second[keep])[0, 1])


def matched_smoothness(normalised: np.ndarray, brain: np.ndarray) -> np.ndarray:
    """Blur the visits whose noise is sharper than the others' (the one visit not resampled).

    Every visit but the reference is interpolated onto the reference grid,
    which correlates neighbouring voxels' noise (trilinear weights at random
    offsets: a correlation of about 0.5 per axis); the reference visit's own
    DWI is not, so its noise is white and, over as many voxels, throws up
    more peaks above any z (the full phantom of seed 41: 40 of 45 false
    candidates there). Per axis, a visit whose neighbour correlation lies more
    than 0.1 below the median of the visits is blurred by the Gaussian that
    gives white noise that correlation, ``sigma = sqrt(-1 / (4 ln rho))`` voxels.
    """
    reference = nanmedian_across(normalised)
    out = normalised.copy()
    for axis in range(3):
        rho = np.array([neighbour_correlation(v - reference, brain, axis) for v in normalised])
        target = float(np.nanmedian(rho))
        if not 0 < target < 1:
            continue
        sigma = np.sqrt(-1.0 / (4.0 * np.log(target)))
        for visit in np.flatnonzero(rho < target - 0.1):
            filled = np.where(np.isfinite(out[visit]), out[visit], 0)
            out[visit] = ndimage.gaussian_filter1d(filled, sigma, axis=axis)
    return out


def channel_change(
    stack: np.ndarray, brain: np.ndarray, sign: int, tolerance_voxels: int = 1
) -> Change:
    """Signed z-maps of one channel (0 outside the brain and where a visit lacks data)."""
    normalised = matched_smoothness(gain_normalised(stack, brain), brain)
    baseline, _ = leave_one_out(normalised)
    noise = visit_noise(normalised - baseline, brain)
    envelope = tolerant_baseline(baseline, sign, tolerance_voxels)
    z, plain = (_signed_z(normalised, level, noise, sign, brain) for level in (envelope, baseline))
    opposite = tolerant_baseline(baseline, -sign, tolerance_voxels)
    mirror = _signed_z(normalised, opposite, noise, -sign, brain)
    return Change(baseline, noise, z, plain, mirror)


def _signed_z(values, level, noise, sign: int, brain: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        z = sign * (values - level) / noise[:, None, None, None]
    return calibrated(np.where(brain[None] & np.isfinite(z), z, 0).astype(np.float32), brain)


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


def combined_z(changes: list[Change], which: str = "z") -> np.ndarray:
    """Sum of the channels' signed z-maps (``"z"`` or ``"plain"``) divided by sqrt(n).

    Standard normal under noise alone (for ``plain``; ``z`` lies below it).
    """
    maps = [getattr(c, which) for c in changes]
    return (np.sum(maps, axis=0) / np.sqrt(len(changes))).astype(np.float32)
