"""Automatic brain mask: robust threshold, morphology, largest component, hole filling.

Works on one 3-D image (a b=0, a GRE first echo, an MP2RAGE INV2, a FLAIR or
T1w) on a coarse ~2 mm grid for speed, then returns to the image's grid:

1. block-average to ~``work_mm`` voxels and smooth lightly;
2. Otsu threshold of the positive voxels, or p2 + 10 % of (p98 - p2) (FSL
   BET's robust range) when Otsu split bright CSF from tissue;
3. erode by ``erode_mm`` (distance in mm, anisotropic voxels handled) to cut
   the thin bridges between brain and scalp or neck, keep the largest
   connected component, dilate back by the same distance inside the
   thresholded head (a morphological reconstruction), close small gaps;
4. fill holes in 3-D and slice by slice (ventricles, dark CSF on T2*);
5. upsample to the original grid (nearest neighbour).

On images whose scalp is dark (DWI b=0, skull-stripped images) the result is
the brain; on T1w/FLAIR with bright scalp it is the brain when the skull
separates them by more than ``2 * erode_mm``, else it includes some scalp:
raters can supply their own mask (``mask=`` of every model).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from processing.errors import FerretError


def brain_mask(image: np.ndarray, voxel_size_mm, *, work_mm: float = 2.0, erode_mm: float = 4.0,
               threshold_scale: float = 1.0) -> np.ndarray:
    """Boolean brain mask of a 3-D image (see the module docstring).

    Parameters
    ----------
    image : ndarray, shape (x, y, z)
    voxel_size_mm : sequence of 3 floats
    work_mm : float
        Voxel size of the working grid.
    erode_mm : float
        Erosion depth that separates brain from scalp.
    threshold_scale : float
        Multiplies the threshold (below 1 keeps darker tissue).

    Raises
    ------
    FerretError
        When the image is not 3-D or has no contrast.
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3:
        raise FerretError(f"a brain mask needs a 3-D image; got shape {image.shape}.")
    zooms = np.asarray(voxel_size_mm, dtype=float)[:3]
    factors = np.maximum(1, np.round(work_mm / zooms)).astype(int)
    coarse = _block_mean(np.nan_to_num(image, nan=0.0, posinf=0.0, neginf=0.0), factors)
    coarse_zooms = zooms * factors
    coarse = ndimage.gaussian_filter(coarse, sigma=0.5)
    head = coarse > _threshold(coarse) * threshold_scale
    brain = _separate_brain(head, coarse_zooms, erode_mm)
    brain = _fill_holes(brain)
    return _upsample(brain, factors, image.shape)


def head_threshold(image: np.ndarray, *, fraction: float = 0.1) -> float:
    """Robust head/background threshold: ``p2 + fraction * (p98 - p2)`` of all voxels (BET's rule).

    Unlike Otsu's threshold, it does not split bright fluid (CSF on b=0 or
    T2-weighted images) from tissue.
    """
    finite = image[np.isfinite(image)]
    low, high = np.percentile(finite, [2, 98]) if finite.size else (0.0, 0.0)
    if high <= low:
        raise FerretError("the image has no contrast to separate head from background.",
                          fix="provide a brain mask or check the image.")
    return float(low + fraction * (high - low))


def _threshold(image):
    """Otsu's threshold of the positive values, or :func:`head_threshold` when Otsu kept
    under a third of what the robust range keeps (it split bright fluid from tissue)."""
    from skimage.filters import threshold_otsu

    robust = head_threshold(image)
    otsu = float(threshold_otsu(image[image > 0], nbins=256))
    if (image > otsu).sum() < (image > robust).sum() / 3:
        return robust
    return otsu


def _block_mean(image, factors):
    pads = [(0, (-n) % f) for n, f in zip(image.shape, factors)]
    padded = np.pad(image, pads, mode="edge")
    shape = []
    for n, f in zip(padded.shape, factors):
        shape += [n // f, f]
    return padded.reshape(shape).mean(axis=(1, 3, 5))


def _separate_brain(head, zooms, erode_mm):
    inside = ndimage.distance_transform_edt(head, sampling=zooms)
    core = inside > erode_mm
    if not core.any():
        core = head
    core = largest_component(core)
    outside = ndimage.distance_transform_edt(~core, sampling=zooms)
    grown = (outside <= erode_mm * 1.5) & head
    grown = largest_component(grown | core)
    return ndimage.binary_closing(grown, structure=ndimage.generate_binary_structure(3, 1), iterations=2) | grown


def largest_component(mask: np.ndarray) -> np.ndarray:
    """The largest 6-connected component of a boolean volume (empty stays empty)."""
    labels, count = ndimage.label(mask)
    if count <= 1:
        return labels > 0
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return labels == int(np.argmax(sizes))


def _fill_holes(mask):
    filled = ndimage.binary_fill_holes(mask)
    for axis in range(3):
        planes = np.moveaxis(filled, axis, 0)
        for index in range(planes.shape[0]):
            planes[index] = ndimage.binary_fill_holes(planes[index])
    return filled


def _upsample(mask, factors, shape):
    full = mask
    for axis, factor in enumerate(factors):
        full = np.repeat(full, factor, axis=axis)
    return np.ascontiguousarray(full[: shape[0], : shape[1], : shape[2]])
