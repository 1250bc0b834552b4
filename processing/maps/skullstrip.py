"""Skull strip on a coarse grid: find the threshold whose brain stays clear of the scalp.

The skull is dark on every MR contrast the maps use (GRE, spin echo, b=0,
MP2RAGE INV2, FLAIR, T1w), so somewhere between the background and the brain
there is an intensity level at which the brain (with the CSF around it when
CSF is brighter than bone) is cut off from the scalp by the dark skull. For a
trial threshold ``t``:

1. ``foreground = image > t``;
2. open by reconstruction: keep the largest component of the voxels deeper
   than ``erode_mm`` inside the foreground (this breaks the thin bridges
   that noise and partial volume leave through the skull), and grow it back
   by ``1.5 * erode_mm`` inside the foreground;
3. score it by how much of its surface lies within ``shell_mm`` of the head's
   outer surface: a brain has none there, a candidate that took in the scalp
   has most of its surface there.

The lowest threshold whose candidate keeps clear of the head surface is the
intracranial mask on images where CSF is brighter than bone (b=0, T2w, GRE,
spin echo, INV2 of the phantom), the brain where CSF is as dark as bone
(FLAIR, T1w); :func:`take_in_dark_csf` then closes the sulci and the CSF rim.
Images without a visible scalp (skull-stripped, fat-suppressed scalp, crops
inside the head) have no threshold that keeps clear of the head surface: the
head itself is returned, from the usual single threshold.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: Trial thresholds as fractions of the robust range p2..p98.
LEVELS = (0.04, 0.06, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.37, 0.45, 0.55)
#: Erosion depth multiplier of the second attempt (thick bridges, e.g. T1w at 3 mm slices).
DEEPER = 1.75
#: Largest fraction of a candidate's surface allowed near the head surface.
CLEAR_FRACTION = 0.02


def choose_threshold(
    image: np.ndarray, zooms, *, erode_mm: float, low: float, high: float
) -> tuple[float, float, float] | None:
    """Return the threshold and erosion depth of the skull strip, searched on a coarse grid.

    Parameters
    ----------
    image : ndarray
        Smoothed image on the search grid (~3 mm).
    zooms : sequence of 3 floats
        Its voxel size (mm).
    erode_mm : float
        First erosion depth; :data:`DEEPER` times it is also tried (thick
        bridges, e.g. T1w with 3 mm slices), and the larger clear brain wins.
    low, high : float
        Robust range of the image (p2, p98).

    Returns
    -------
    (threshold, erode_mm, lowest_threshold) or None
        The clear level with the strongest edges on its surface, its erosion,
        and the lowest clear level (the CSF rim is taken from it); None when
        no level keeps clear of the head surface (no scalp visible).
    """
    head = fill_holes(largest_component(image > low + 0.1 * (high - low)))
    depth = ndimage.distance_transform_edt(head, sampling=zooms)
    near_surface = head & (depth < shell_depth(zooms))
    edges = gradient_magnitude(image, zooms)
    best = None
    for erode in (erode_mm, DEEPER * erode_mm):
        clear = _clear_candidates(image, zooms, erode, near_surface, edges, low, high)
        if not clear:
            continue
        strongest = max(clear, key=lambda item: item[0])
        volume = int(strongest[2].sum())
        if best is None or volume > best[0]:
            best = (volume, (strongest[1], erode, clear[0][1]))
    return None if best is None else best[1]


def shell_depth(zooms) -> float:
    """Depth (mm) of the head's outer layer that a brain never reaches: 3 mm or 1.5 voxels."""
    return max(3.0, 1.5 * max(zooms))


def _clear_candidates(image, zooms, erode_mm, near_surface, edges, low, high):
    """``(surface edge strength, threshold, candidate)`` of the levels whose candidate keeps clear of the head surface.

    From the lowest level up to two levels past the strongest edge.
    """
    clear, falling = [], 0
    floor = ndimage.minimum_filter(image, footprint=ball(erode_mm, zooms), mode="nearest")
    for level in LEVELS:
        threshold = low + level * (high - low)
        candidate = open_by_reconstruction(
            image > threshold, zooms, erode_mm, core=floor > threshold
        )
        if not candidate.any() or surface_fraction(candidate, near_surface) > CLEAR_FRACTION:
            continue
        clear.append((surface_mean(candidate, edges), threshold, candidate))
        falling = falling + 1 if clear[-1][0] < max(item[0] for item in clear) else 0
        if falling == 2:
            break
    return clear


def gradient_magnitude(image, zooms):
    """|grad| in intensity per mm (Gaussian derivatives, sigma one voxel)."""
    return ndimage.gaussian_gradient_magnitude(image, sigma=1.0) / float(np.mean(zooms))


def surface_mean(mask, values):
    """Mean of ``values`` on the mask's surface voxels."""
    surface = mask & ~ndimage.binary_erosion(mask, border_value=1)
    return float(values[surface].mean()) if surface.any() else 0.0


def open_by_reconstruction(
    foreground: np.ndarray, zooms, erode_mm: float, *, core: np.ndarray | None = None
) -> np.ndarray:
    """Largest component of the foreground's core (deeper than ``erode_mm``), grown back inside it.

    ``core`` is the eroded foreground when already known (for ``image > t`` it
    is ``minimum_filter(image, footprint=ball) > t``: one filter serves every t).
    """
    if core is None:
        core = ndimage.binary_erosion(foreground, ball(erode_mm, zooms), border_value=1)
    core = largest_component(core)
    if not core.any():
        return largest_component(foreground)
    return largest_component(
        ndimage.binary_dilation(core, ball(1.5 * erode_mm, zooms)) & foreground
    )


def ball(radius_mm: float, zooms) -> np.ndarray:
    """Structuring element: the voxel offsets within ``radius_mm`` (anisotropic voxels in mm).

    Erosion by it keeps the voxels whose distance to the background is above
    ``radius_mm``, as a distance transform would, at a fraction of the cost.
    """
    half = [int(np.floor(radius_mm / z)) for z in zooms]
    axes = [np.arange(-h, h + 1) * z for h, z in zip(half, zooms, strict=True)]
    x, y, z = np.meshgrid(*axes, indexing="ij", sparse=True)
    return x * x + y * y + z * z <= radius_mm * radius_mm


def surface_fraction(mask: np.ndarray, region: np.ndarray) -> float:
    """Fraction of the mask's surface voxels (6-neighbourhood) inside ``region``."""
    surface = mask & ~ndimage.binary_erosion(mask, border_value=1)
    count = int(surface.sum())
    return float((surface & region).sum()) / count if count else 1.0


def take_in_dark_csf(brain: np.ndarray, head: np.ndarray, zooms, radius_mm: float) -> np.ndarray:
    """Close the brain with a ball of ``radius_mm``, never into the head's outer layer, then fill holes.

    The closing takes in sulci and the CSF between the lobes.
    """
    element = ball(radius_mm, zooms)
    pad = max(element.shape)
    closed = ndimage.binary_closing(np.pad(brain, pad), element)[pad:-pad, pad:-pad, pad:-pad]
    depth = ndimage.distance_transform_edt(head, sampling=zooms)
    return fill_holes(brain | (closed & (depth > shell_depth(zooms))))


def largest_component(mask: np.ndarray) -> np.ndarray:
    """Return the largest 6-connected component of a boolean volume (empty stays empty)."""
    labels, count = ndimage.label(mask)
    if count <= 1:
        return labels > 0
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return labels == int(np.argmax(sizes))


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """Fill holes in 3-D, then slice by slice along each axis.

    Slice by slice, holes open to the field of view's edge are filled too.
    """
    filled = ndimage.binary_fill_holes(mask)
    for axis in range(3):
        planes = np.moveaxis(filled, axis, 0)
        for index in range(planes.shape[0]):
            planes[index] = ndimage.binary_fill_holes(planes[index])
    return filled
