"""Resampling images and masks between grids through a RAS transform.

One interpolation per output: compose the transforms first (4x4 products),
then call one of these functions once. The same functions bring images into
the reference space (``target_from_source = ref_from_acquisition``) and masks
drawn in the reference space back into any acquisition's native grid
(``target_from_source = inv(ref_from_acquisition)``).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from processing.spaces.grid import Grid


def voxel_mapping(
    source_affine: np.ndarray, target: Grid, target_from_source: np.ndarray
) -> np.ndarray:
    """4x4 matrix from target voxel indices to source voxel indices."""
    source_from_target = np.linalg.inv(target_from_source)
    return np.linalg.inv(source_affine) @ source_from_target @ target.affine


def resample_image(
    array: np.ndarray,
    affine: np.ndarray,
    target: Grid,
    target_from_source: np.ndarray | None = None,
    *,
    order: int = 1,
    fill: float = 0.0,
) -> np.ndarray:
    """Resample a 3D (or 4D, volume-wise) image onto ``target``.

    Parameters
    ----------
    array, affine : image in its native grid (RAS affine).
    target : Grid
        The output grid.
    target_from_source : ndarray (4, 4), optional
        RAS matrix from the source image's world to the target grid's world
        (identity when both share a world, e.g. two images of one session).
    order : int
        Spline order: 0 nearest, 1 linear (default), 3 cubic (prefiltered).
    fill : float
        Value outside the source's field of view.
    """
    matrix = voxel_mapping(
        affine, target, np.eye(4) if target_from_source is None else target_from_source
    )
    array = np.asarray(array)
    if array.ndim == 4:
        volumes = [
            resample_image(
                array[..., t], affine, target, target_from_source, order=order, fill=fill
            )
            for t in range(array.shape[3])
        ]
        return np.stack(volumes, axis=-1)
    data = array.astype(np.float32) if order > 0 else array
    return ndimage.affine_transform(
        data,
        matrix[:3, :3],
        matrix[:3, 3],
        output_shape=tuple(target.shape),
        order=order,
        mode="constant",
        cval=fill,
        prefilter=order > 1,
    )


def resample_mask_nearest(
    mask: np.ndarray, affine: np.ndarray, target: Grid, target_from_source: np.ndarray | None = None
) -> np.ndarray:
    """Resample a label or boolean mask by nearest neighbour (keeps its dtype)."""
    mask = np.asarray(mask)
    labels = mask.astype(np.uint8) if mask.dtype == bool else mask
    out = resample_image(labels, affine, target, target_from_source, order=0, fill=0)
    return out.astype(bool) if mask.dtype == bool else out


def resample_mask_fraction(
    mask: np.ndarray,
    affine: np.ndarray,
    target: Grid,
    target_from_source: np.ndarray | None = None,
    *,
    method: str = "supersample",
    factor: int = 3,
) -> np.ndarray:
    """Fraction (0..1) of each target voxel covered by a binary mask.

    ``method="supersample"`` samples ``factor**3`` points spread evenly inside
    each target voxel (nearest neighbour in the source) and averages them: a
    true coverage estimate. ``method="linear"`` interpolates the float mask
    linearly (cheaper, smoother, underestimates coverage of small lesions).
    """
    binary = (np.asarray(mask) > 0).astype(np.float32)
    if method == "linear":
        return np.clip(
            resample_image(binary, affine, target, target_from_source, order=1), 0.0, 1.0
        )
    if method != "supersample":
        raise ValueError(f"unknown coverage method {method!r}: use 'supersample' or 'linear'")
    matrix = voxel_mapping(
        affine, target, np.eye(4) if target_from_source is None else target_from_source
    )
    offsets = (np.arange(factor) + 0.5) / factor - 0.5
    total = np.zeros(tuple(target.shape), dtype=np.float32)
    for dx in offsets:
        for dy in offsets:
            for dz in offsets:
                shift = matrix[:3, :3] @ np.array([dx, dy, dz]) + matrix[:3, 3]
                total += ndimage.affine_transform(
                    binary,
                    matrix[:3, :3],
                    shift,
                    output_shape=tuple(target.shape),
                    order=0,
                    mode="constant",
                    cval=0.0,
                )
    return total / factor**3
