"""Brain masks for registration.

Registration is run on brain-masked images. :func:`brain_mask` uses the maps
package's automatic brain mask (:func:`processing.maps.mask.brain_mask`:
robust threshold, erosion that cuts the scalp off, largest component, holes
filled) and falls back on :func:`auto_brain_mask` (Otsu threshold of the
smoothed image, largest component, closed and hole-filled; keeps skull and
scalp of T1-weighted images but removes the background) when that mask fails
or is implausibly small.

An MP2RAGE UNIT1 image has a noisy background that no threshold separates;
its mask is computed on the second inversion of the same scan (same grid),
see :func:`processing.registration.volumes.mask_volume`.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.filters import threshold_otsu

from processing.errors import FerretError

#: Below this brain volume (ml) the maps package's mask is taken as failed.
MIN_BRAIN_ML = 50.0


def auto_brain_mask(
    array: np.ndarray, affine: np.ndarray, *, smoothing_mm: float = 2.0, closing_mm: float = 4.0
) -> np.ndarray:
    """Return a boolean foreground (head/brain) mask of a 3D image.

    Parameters
    ----------
    array : ndarray, shape (I, J, K)
        Image intensities (any scale).
    affine : ndarray, shape (4, 4)
        RAS affine; gives voxel sizes so smoothing and closing are in mm.
    smoothing_mm, closing_mm : float
        Gaussian sigma before thresholding; radius of the closing.
    """
    data = np.nan_to_num(np.asarray(array, dtype=np.float32))
    zooms = np.linalg.norm(np.asarray(affine)[:3, :3], axis=0)
    smooth = ndimage.gaussian_filter(data, sigma=smoothing_mm / zooms)
    finite = smooth[smooth > smooth.min()]
    if finite.size == 0:
        return np.zeros(data.shape, dtype=bool)
    mask = smooth > threshold_otsu(finite)
    mask = _largest_component(mask)
    radius = np.maximum(1, np.round(closing_mm / zooms)).astype(int)
    structure = _ellipsoid(radius)
    padded = np.pad(mask, [(r, r) for r in radius])
    closed = ndimage.binary_closing(padded, structure=structure)
    closed = closed[tuple(slice(r, r + n) for r, n in zip(radius, mask.shape, strict=True))]
    return _fill_holes_per_slice(closed)


def _largest_component(mask: np.ndarray) -> np.ndarray:
    labels, count = ndimage.label(mask)
    if count <= 1:
        return mask
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return labels == int(np.argmax(sizes))


def _ellipsoid(radius: np.ndarray) -> np.ndarray:
    grids = np.ogrid[tuple(slice(-r, r + 1) for r in radius)]
    return sum((g / max(r, 1)) ** 2 for g, r in zip(grids, radius, strict=True)) <= 1.0


def _fill_holes_per_slice(mask: np.ndarray) -> np.ndarray:
    filled = ndimage.binary_fill_holes(mask)
    axis = int(np.argmin(mask.shape))
    slices = [ndimage.binary_fill_holes(s) for s in np.moveaxis(filled, axis, 0)]
    return np.moveaxis(np.stack(slices), 0, axis)


def brain_mask(array: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """Return the brain mask used for registration (maps package's mask, or the fallback).

    Parameters
    ----------
    array : ndarray, shape (I, J, K)
        Image intensities.
    affine : ndarray, shape (4, 4)
        RAS affine (voxel sizes).
    """
    from processing.maps.mask import brain_mask as maps_brain_mask

    zooms = np.linalg.norm(np.asarray(affine)[:3, :3], axis=0)
    try:
        mask = maps_brain_mask(array, zooms)
    except FerretError:
        mask = None
    if mask is None or mask.sum() * np.prod(zooms) / 1000.0 < MIN_BRAIN_ML:
        return auto_brain_mask(array, affine)
    return mask
