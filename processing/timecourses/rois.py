"""Lesion and control regions of interest, and the R2* voxel filter.

The control ROI of a lesion is its mask dilated by one voxel in all directions
(the full 3x3x3 neighbourhood, 26-connectivity) minus the lesion, with the
voxels of every other lesion removed. Each ROI is kept as a boolean mask over
a small box around the lesion so that per-visit means never touch the whole
volume.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from processing.timecourses.model import R2STAR_RANGE

_FULL_NEIGHBOURHOOD = ndimage.generate_binary_structure(3, 3)


@dataclass(frozen=True)
class LesionRoi:
    """Lesion and control masks of one lesion inside a box of the volume.

    Attributes
    ----------
    box : tuple of slice
        Where the masks sit in the full volume.
    lesion : ndarray of bool
        The lesion's voxels within ``box``.
    control : ndarray of bool
        The control ring within ``box``.
    """

    box: tuple[slice, ...]
    lesion: np.ndarray
    control: np.ndarray


def lesion_rois(labels: np.ndarray, lesion_ids) -> dict[int, LesionRoi]:
    """Build the lesion and control ROI of each requested lesion.

    Parameters
    ----------
    labels : ndarray of int, 3D
        Lesion label volume: 0 is background, each lesion has its own ID.
    lesion_ids : iterable of int
        The lesions wanted; an ID absent from ``labels`` gets empty masks.

    Returns
    -------
    dict of int to LesionRoi
    """
    labels = np.asarray(labels)
    if labels.ndim != 3:
        raise ValueError(f"lesion labels must be 3D, got shape {labels.shape}")
    boxes = ndimage.find_objects(labels.astype(np.int64, copy=False))
    rois = {}
    for lesion_id in lesion_ids:
        lesion_id = int(lesion_id)
        found = boxes[lesion_id - 1] if 0 < lesion_id <= len(boxes) else None
        rois[lesion_id] = _roi_in_box(labels, lesion_id, found)
    return rois


def _roi_in_box(labels: np.ndarray, lesion_id: int, found) -> LesionRoi:
    if found is None:
        empty = np.zeros((0, 0, 0), dtype=bool)
        return LesionRoi((slice(0, 0),) * 3, empty, empty)
    box = tuple(
        slice(max(s.start - 1, 0), min(s.stop + 1, n))
        for s, n in zip(found, labels.shape, strict=True)
    )
    crop = labels[box]
    lesion = crop == lesion_id
    # Pad before dilating so a lesion touching the volume's edge dilates correctly.
    grown = ndimage.binary_dilation(np.pad(lesion, 1), structure=_FULL_NEIGHBOURHOOD)[
        1:-1, 1:-1, 1:-1
    ]
    control = grown & ~lesion & (crop == 0)
    return LesionRoi(box, lesion, control)


def r2star_keep(r2star: np.ndarray, r2star_range: tuple[float, float] = R2STAR_RANGE) -> np.ndarray:
    """Voxels whose R2* lies in ``[low, high]`` (inclusive); NaN never passes."""
    low, high = r2star_range
    with np.errstate(invalid="ignore"):
        return (r2star >= low) & (r2star <= high)


def roi_mean(values: np.ndarray, mask: np.ndarray) -> tuple[float, int]:
    """Mean of the finite ``values`` under ``mask`` and how many voxels entered it.

    Returns ``(nan, 0)`` for an empty selection.
    """
    selected = values[mask]
    selected = selected[np.isfinite(selected)]
    if selected.size == 0:
        return float("nan"), 0
    return float(np.mean(selected, dtype=np.float64)), int(selected.size)
