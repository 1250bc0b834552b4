"""Brain masks for registration.

Registration is run on brain-masked images. Until the maps package provides a
skull-stripped brain mask, :func:`auto_brain_mask` gives a simple, deterministic head/brain mask from intensities alone: Otsu
threshold of the smoothed image, the largest connected component, closed and
hole-filled. It keeps skull and scalp in T1-weighted images but removes the
background, which is what the metric needs.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.filters import threshold_otsu


def auto_brain_mask(array: np.ndarray, affine: np.ndarray, *, smoothing_mm: float = 2.0,
                    closing_mm: float = 4.0) -> np.ndarray:
    """A boolean foreground (head/brain) mask of a 3D image.

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
    closed = closed[tuple(slice(r, r + n) for r, n in zip(radius, mask.shape))]
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
    return sum((g / max(r, 1)) ** 2 for g, r in zip(grids, radius)) <= 1.0


def _fill_holes_per_slice(mask: np.ndarray) -> np.ndarray:
    filled = ndimage.binary_fill_holes(mask)
    axis = int(np.argmin(mask.shape))
    slices = [ndimage.binary_fill_holes(s) for s in np.moveaxis(filled, axis, 0)]
    return np.moveaxis(np.stack(slices), 0, axis)


def brain_mask(array: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """The brain mask used for registration.

    For now the automatic mask of :func:`auto_brain_mask`; this is the single
    place to switch to the maps package's skull-stripped mask once it exists.
    """
    return auto_brain_mask(array, affine)
