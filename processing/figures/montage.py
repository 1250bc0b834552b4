"""Lesion montages: one lesion across visits (columns) and modalities (rows).

Each cell is the slice through the lesion's centre of mass, cropped to a square
around it, with the lesion outlined. Windows are set per modality from the
crops of all visits (1st-99th percentile), so brightness is comparable across
visits. Volumes must share the grid of the label volume (the reference space).
Arrays are shown with the first in-plane axis horizontal and the second upward.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from scipy import ndimage

from processing.figures.output import new_figure


def lesion_centre(labels: np.ndarray, lesion_id: int) -> tuple[int, int, int]:
    """Voxel nearest the lesion's centre of mass (ValueError if the lesion is absent)."""
    mask = np.asarray(labels) == lesion_id
    if not mask.any():
        raise ValueError(f"lesion {lesion_id} is not in the label volume")
    i, j, k = (int(round(c)) for c in ndimage.center_of_mass(mask))
    return i, j, k


def crop_slice(volume: np.ndarray, centre: Sequence[int], axis: int, half_width: int) -> np.ndarray:
    """Return the plane ``axis = centre[axis]`` cropped to (2 h + 1)^2 around ``centre``.

    NaN outside the volume.
    """
    plane = np.take(np.asarray(volume, dtype=float), centre[axis], axis=axis)
    in_plane = [c for i, c in enumerate(centre) if i != axis]
    size = 2 * half_width + 1
    out = np.full((size, size), np.nan)
    lo = [c - half_width for c in in_plane]
    src = tuple(
        slice(max(low, 0), min(low + size, n)) for low, n in zip(lo, plane.shape, strict=True)
    )
    dst = tuple(slice(s.start - low, s.stop - low) for s, low in zip(src, lo, strict=True))
    out[dst] = plane[src]
    return out


def lesion_montage(
    volumes: Mapping[str, Mapping[str, np.ndarray]],
    labels: np.ndarray,
    lesion_id: int,
    *,
    modalities: Sequence[str] | None = None,
    axis: int = 2,
    half_width: int = 10,
    title: str | None = None,
) -> Figure:
    """Draw one lesion across visits and modalities.

    Parameters
    ----------
    volumes : mapping of visit to mapping of modality to ndarray
        Images in the grid of ``labels``; a modality missing at a visit leaves a blank cell.
    labels : ndarray of int
        Lesion label volume.
    lesion_id : int
        The lesion to show.
    modalities : sequence of str, optional
        Row order (default: every modality seen, in first-seen order).
    axis : int
        Slicing axis (2: axial for RAS-like arrays).
    half_width : int
        Crop half-width in voxels.
    title : str, optional
        Figure title (default ``"lesion <id>"``).
    """
    centre = lesion_centre(labels, lesion_id)
    visits = list(volumes)
    if modalities is None:
        modalities = list(dict.fromkeys(m for visit in visits for m in volumes[visit]))
    mask = crop_slice(np.asarray(labels) == lesion_id, centre, axis, half_width)
    crops = {
        (v, m): crop_slice(volumes[v][m], centre, axis, half_width)
        for v in visits
        for m in modalities
        if m in volumes[v]
    }
    figure = new_figure(1.5 * len(visits) + 0.6, 1.5 * len(modalities) + 0.5)
    axes = figure.subplots(len(modalities), len(visits), squeeze=False)
    for row, modality in enumerate(modalities):
        window = _window([c for (v, m), c in crops.items() if m == modality])
        for col, visit in enumerate(visits):
            _draw_cell(axes[row, col], crops.get((visit, modality)), mask, window)
            if row == 0:
                axes[row, col].set_title(visit, fontsize=9)
            if col == 0:
                axes[row, col].set_ylabel(modality, fontsize=9)
    figure.suptitle(title or f"lesion {lesion_id}", fontsize=10)
    return figure


def _window(crops: list[np.ndarray]) -> tuple[float, float]:
    values = np.concatenate([c[np.isfinite(c)] for c in crops]) if crops else np.array([])
    if values.size == 0:
        return 0.0, 1.0
    low, high = np.percentile(values, [1, 99])
    return float(low), float(high if high > low else low + 1.0)


def _draw_cell(ax, crop: np.ndarray | None, mask: np.ndarray, window: tuple[float, float]) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    if crop is None:
        ax.set_facecolor("0.85")
        ax.text(0.5, 0.5, "missing", ha="center", va="center", transform=ax.transAxes, fontsize=8)
        return
    ax.imshow(
        crop.T, cmap="gray", vmin=window[0], vmax=window[1], origin="lower", interpolation="nearest"
    )
    mask = np.nan_to_num(mask).T
    if mask.any():  # outline voxel edges: contour an 8x upsampled mask over the image's extent
        fine = np.kron(mask, np.ones((8, 8)))
        rows, cols = mask.shape
        ax.contour(
            fine,
            levels=[0.5],
            colors="red",
            linewidths=0.8,
            origin="lower",
            extent=(-0.5, cols - 0.5, -0.5, rows - 0.5),
        )
