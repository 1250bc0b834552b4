"""Contrast of each visit against its own surroundings: foci that are there, new or not.

Microbleeds are counted at every visit, not only where they appeared, so the
baseline of a voxel is not the participant's other visits but the visit's
own neighbourhood with the focus taken out: the grey-level closing (for dark
foci; the opening for bright ones) with a box of ``background_mm`` on a side.
Closing fills every dark structure narrower than the box and keeps the rest,
so ``closing - value`` (the black top-hat) is the depth of each dark dot
against the tissue around it; a vein narrower than the box fills too, which
is why tubularity is judged separately (:mod:`~processing.candidates.shape`).
Each visit's z is its top-hat minus the top-hat's median inside the brain, in
units of the top-hat's robust spread there.

The result is a :class:`~processing.candidates.change.Change` like the
visit-to-visit one, so blobs, features, scores and the table are shared.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from processing.candidates.change import Change, calibrated, gain_normalised, visit_noise


def background_size(spacing, background_mm: float) -> tuple[int, ...]:
    """Return the box of ``background_mm`` in voxels per axis (odd, at least 3).

    >>> background_size([0.8, 0.8, 2.0], 8.0)
    (11, 11, 5)
    """
    voxels = np.maximum(3, np.round(background_mm / np.asarray(spacing, float)).astype(int))
    return tuple(int(v + 1 - v % 2) for v in voxels)


def local_background(volume: np.ndarray, sign: int, size: tuple[int, ...]) -> np.ndarray:
    """Grey-level closing (``sign`` -1: dark foci) or opening (+1) of one visit's map."""
    finite = np.isfinite(volume)
    fill = np.nanmedian(volume[finite]) if finite.any() else 0.0
    values = np.where(finite, volume, fill)
    if sign < 0:
        return ndimage.grey_closing(values, size=size)
    return ndimage.grey_opening(values, size=size)


def channel_contrast(
    stack: np.ndarray, brain: np.ndarray, sign: int, spacing, background_mm: float
) -> Change:
    """Signed z-maps of each visit against its own local background (0 outside the brain)."""
    normalised = gain_normalised(stack, brain)
    size = background_size(spacing, background_mm)
    background = np.stack([local_background(volume, sign, size) for volume in normalised])
    excess = sign * (normalised - background)  # >= 0: the top-hat
    noise = visit_noise(excess, brain)
    typical = np.array([np.nanmedian(volume[brain]) for volume in excess])
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (excess - typical[:, None, None, None]) / noise[:, None, None, None]
    z = calibrated(np.where(brain[None] & np.isfinite(z), z, 0).astype(np.float32), brain)
    return Change(background, noise, z, z)
