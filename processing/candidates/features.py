"""What is known about each focus: signal on every channel, the confirming map, place and persistence.

Values are read at the focus voxel and, for z, as the maximum over its 26
neighbours (a focus of one or two voxels may peak next to the LoG centre);
the confirming map's relative change is averaged over the voxels within the
focus radius. Distances are in millimetres.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from processing.candidates.blobs import Blob
from processing.candidates.change import Change


def neighbourhood(shape, ijk, radius: int = 1) -> tuple[slice, ...]:
    """Return the box of ``radius`` voxels around ``ijk``, clipped to ``shape``."""
    return tuple(
        slice(max(0, c - radius), min(n, c + radius + 1)) for c, n in zip(ijk, shape, strict=True)
    )


def sphere(shape, ijk, radius_mm: float, spacing) -> tuple[np.ndarray, ...]:
    """Return the indices of the voxels whose centres lie within ``radius_mm`` of ``ijk``.

    At least the voxel itself.
    """
    spacing = np.asarray(spacing, float)
    reach = np.maximum(1, np.ceil(radius_mm / spacing)).astype(int)
    box = tuple(
        slice(max(0, c - r), min(n, c + r + 1)) for c, r, n in zip(ijk, reach, shape, strict=True)
    )
    grid = np.stack(np.meshgrid(*[np.arange(s.start, s.stop) for s in box], indexing="ij"), -1)
    inside = np.linalg.norm((grid - np.asarray(ijk)) * spacing, axis=-1) <= max(
        radius_mm, 0.5 * spacing.min()
    )
    return tuple(grid[inside].T)


def blob_features(
    blob: Blob,
    combined: np.ndarray,
    channels: dict[str, Change],
    confirm: tuple | None,
    brain: np.ndarray,
    cortex_distance: np.ndarray | None,
    spacing,
    csf: np.ndarray | None,
) -> dict:
    """Every feature of one focus (see the candidate table's columns)."""
    v, ijk, shape = blob.visit, blob.ijk, brain.shape
    near = neighbourhood(shape, ijk)
    features = {"z_combined": float(combined[v][near].max())}
    for name, change in channels.items():
        features[f"z_{name}"] = float(change.z[v][near].max())
    features["z_previous"] = float(combined[v - 1][near].max()) if v > 0 else math.nan
    for step in (1, 2):
        later = v + step
        features[f"z_next{step}"] = (
            float(combined[later][near].max()) if later < len(combined) else math.nan
        )
    if confirm is not None:
        name, values, baseline = confirm
        inside = sphere(shape, ijk, blob.diameter_mm / 2, spacing)
        voxels = (np.full(len(inside[0]), v), *inside)
        with np.errstate(invalid="ignore", divide="ignore"):
            features[f"{name}_change"] = float(
                np.nanmean((values[voxels] - baseline[voxels]) / baseline[voxels])
            )
        features[f"{name}_baseline"] = float(np.nanmedian(baseline[voxels]))
    features["in_brain"] = bool(brain[ijk])
    features["csf"] = bool(csf is not None and csf[(v, *ijk)])
    features["cortex_distance_mm"] = (
        float(cortex_distance[ijk]) if cortex_distance is not None else math.nan
    )
    return features


def peak_centroid(z: np.ndarray, ijk) -> np.ndarray:
    """Sub-voxel focus position: the z-weighted centroid of its neighbours above a quarter of its peak.

    A focus smaller than a voxel lights up two or more voxels when it sits
    between them; the voxel that LoG picks can lie over 3 mm from its centre on a
    3 mm grid (small phantom, seed 31: 3.3 mm), the centroid much less.

    >>> z = np.zeros((3, 3, 3)); z[1, 1, 1] = z[2, 1, 1] = 4.0
    >>> peak_centroid(z, (1, 1, 1)).tolist()
    [1.5, 1.0, 1.0]
    """
    near = neighbourhood(z.shape, ijk)
    local = z[near]
    weights = np.where(local >= 0.25 * local.max(), local, 0.0)
    if local.max() <= 0 or weights.sum() <= 0:
        return np.asarray(ijk, float)
    grid = np.stack(np.meshgrid(*[np.arange(s.start, s.stop) for s in near], indexing="ij"), -1)
    return (grid * weights[..., None]).sum(axis=(0, 1, 2)) / weights.sum()


def cortex_distances(cortex: np.ndarray | None, spacing) -> np.ndarray | None:
    """Distance (mm) of every voxel to the nearest cortex voxel (0 inside).

    None without a cortex mask.
    """
    if cortex is None or not cortex.any():
        return None
    return ndimage.distance_transform_edt(~cortex, sampling=np.asarray(spacing, float)).astype(
        np.float32
    )


def focus_size(z: np.ndarray, ijk, spacing, reach_mm: float = 12.0) -> tuple[int, float]:
    """Voxels and equivalent-sphere diameter (mm) of the focus.

    Its connected part above half its peak.

    Looked for within ``reach_mm`` of the focus (a larger bright region is
    reported at that size, which is already beyond any microinfarct).
    """
    spacing = np.asarray(spacing, float)
    reach = np.ceil(reach_mm / spacing).astype(int)
    box = tuple(
        slice(max(0, c - r), min(n, c + r + 1)) for c, r, n in zip(ijk, reach, z.shape, strict=True)
    )
    local, centre = z[box], tuple(c - s.start for c, s in zip(ijk, box, strict=True))
    peak = local[neighbourhood(local.shape, centre)].max()
    labels, _ = ndimage.label(local >= 0.5 * peak, structure=np.ones((3, 3, 3), bool))
    label = (
        labels[centre]
        or np.bincount(labels[neighbourhood(local.shape, centre)].ravel())[1:].argmax() + 1
    )
    voxels = int(np.count_nonzero(labels == label))
    volume = voxels * float(np.prod(spacing))
    return voxels, float((6 * volume / np.pi) ** (1 / 3))
