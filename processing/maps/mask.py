"""Automatic intracranial mask (brain + CSF inside the skull) of one 3-D image.

Target: the intracranial volume, what registration and the maps need (CSF
included: R2, ADC and SWI are read there too; scalp, skull and neck
excluded). It works on a b=0, a GRE or spin-echo first echo, an MP2RAGE INV2,
a FLAIR, T1w or T2w image, on coarse grids for speed, then returns to the
image's grid:

1. block-average to ~``work_mm`` voxels (the working grid) and to ~3 mm
   (the search grid), smooth lightly;
2. on the search grid, find the threshold at which the brain is cut off from
   the scalp by the dark skull (:func:`processing.maps.skullstrip.choose_threshold`):
   of the trial levels whose brain (open by reconstruction: erode, largest
   component, grow back) keeps clear of the head's outer layer, the one with
   the strongest edges on its surface (the CSF/bone or tissue/CSF boundary);
3. on the working grid, that brain, plus the CSF rim within ``grow_mm`` taken
   from the lowest clear level (CSF darker than tissue but brighter than bone:
   INV2, FLAIR), closed with a ball of ``closing_mm`` (sulci and fissures;
   never into the head's outer layer) and hole-filled in 3-D and per slice;
4. upsample to the original grid (nearest neighbour).

Images with no visible scalp (skull-stripped, fat-suppressed scalp on a b=0,
crops inside the head, and 3 mm GRE where the skull is under two voxels
thick) have no clear level: the mask is then the head at a single threshold
(Otsu, or BET's p2 + 10 % rule when Otsu split bright CSF from tissue).
Raters can supply their own mask (``mask=`` of every model).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from processing.errors import FerretError
from processing.maps.skullstrip import (
    choose_threshold,
    fill_holes,
    largest_component,
    open_by_reconstruction,
    take_in_dark_csf,
)

SEARCH_MM = 3.0


def brain_mask(
    image: np.ndarray,
    voxel_size_mm,
    *,
    work_mm: float = 2.0,
    erode_mm: float = 4.0,
    threshold_scale: float = 1.0,
    grow_mm: float = 4.0,
    closing_mm: float = 6.0,
) -> np.ndarray:
    """Boolean intracranial mask of a 3-D image (see the module docstring).

    Parameters
    ----------
    image : ndarray, shape (x, y, z)
    voxel_size_mm : sequence of 3 floats
    work_mm : float
        Voxel size of the working grid.
    erode_mm : float
        Erosion depth that separates brain from scalp (1.75 times it is also tried).
    threshold_scale : float
        Multiplies the single threshold used when no scalp is visible.
    grow_mm : float
        Largest CSF rim taken from the lowest clear level.
    closing_mm : float
        Radius of the closing that takes in sulci and fissures.

    Raises
    ------
    FerretError
        When the image is not 3-D or has no contrast.
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3:
        raise FerretError(f"a brain mask needs a 3-D image; got shape {image.shape}.")
    image = np.nan_to_num(image, nan=0.0, posinf=0.0, neginf=0.0)
    zooms = np.asarray(voxel_size_mm, dtype=float)[:3]
    coarse, factors = _coarse(image, zooms, work_mm)
    work_zooms = zooms * factors
    search, search_factors = _coarse(image, zooms, SEARCH_MM)
    low, high = robust_range(coarse)
    head = fill_holes(largest_component(coarse > low + 0.1 * (high - low)))
    chosen = choose_threshold(search, zooms * search_factors, erode_mm=erode_mm, low=low, high=high)
    if chosen is None:
        brain = open_by_reconstruction(
            coarse > _threshold(coarse) * threshold_scale, work_zooms, erode_mm
        )
    else:
        threshold, erode, lowest = chosen
        brain = open_by_reconstruction(coarse > threshold, work_zooms, erode)
        rim = (
            open_by_reconstruction(coarse > lowest, work_zooms, erode)
            if lowest < threshold
            else brain
        )
        brain |= rim & (ndimage.distance_transform_edt(~brain, sampling=work_zooms) <= grow_mm)
    brain = take_in_dark_csf(brain, head, work_zooms, closing_mm)
    return _upsample(brain, factors, image.shape)


def _coarse(image, zooms, target_mm):
    """Block mean to ~``target_mm`` voxels, smoothed by half a voxel; and the block factors."""
    factors = np.maximum(1, np.round(target_mm / zooms)).astype(int)
    return ndimage.gaussian_filter(_block_mean(image, factors), sigma=0.5), factors


def robust_range(image: np.ndarray) -> tuple[float, float]:
    """``(p2, p98)`` of the finite voxels (FSL BET's robust range).

    Raises
    ------
    FerretError
        When the range is empty (no contrast).
    """
    finite = image[np.isfinite(image)]
    low, high = np.percentile(finite, [2, 98]) if finite.size else (0.0, 0.0)
    if high <= low:
        raise FerretError(
            "the image has no contrast to separate head from background.",
            fix="provide a brain mask or check the image.",
        )
    return float(low), float(high)


def head_threshold(image: np.ndarray, *, fraction: float = 0.1) -> float:
    """Robust head/background threshold: ``p2 + fraction * (p98 - p2)`` of all voxels (BET's rule).

    Unlike Otsu's threshold, it does not split bright fluid (CSF on b=0 or
    T2-weighted images) from tissue.
    """
    low, high = robust_range(image)
    return low + fraction * (high - low)


def _threshold(image):
    """Return Otsu's threshold of the positive values, or :func:`head_threshold`.

    :func:`head_threshold` is used when Otsu kept under a third of what the robust range keeps
    (it split bright fluid from tissue).
    """
    from skimage.filters import threshold_otsu

    robust = head_threshold(image)
    otsu = float(threshold_otsu(image[image > 0], nbins=256))
    if (image > otsu).sum() < (image > robust).sum() / 3:
        return robust
    return otsu


def _block_mean(image, factors):
    pads = [(0, (-n) % f) for n, f in zip(image.shape, factors, strict=True)]
    padded = np.pad(image, pads, mode="edge")
    shape = []
    for n, f in zip(padded.shape, factors, strict=True):
        shape += [n // f, f]
    return padded.reshape(shape).mean(axis=(1, 3, 5))


def _upsample(mask, factors, shape):
    full = mask
    for axis, factor in enumerate(factors):
        full = np.repeat(full, factor, axis=axis)
    return np.ascontiguousarray(full[: shape[0], : shape[1], : shape[2]])
