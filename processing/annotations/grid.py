"""Nearest-neighbour resampling of label volumes (and display resampling of images).

A label volume lives on a :class:`~processing.spaces.grid.Grid` (shape + RAS
affine, ``affine @ [i, j, k, 1]`` the centre of voxel ``[i, j, k]``). Masks
travel between grids by nearest neighbour so that label values (lesion IDs)
are never blended.

Registration plug-in point
--------------------------
:func:`resample_labels` takes ``target_from_source``, a 4x4 RAS transform from
the source image's world to the target's world (identity when both share the
scanner world). The registration chain (``processing.registration``) provides
``reference_from_native`` per visit; :mod:`processing.spaces.reference` is the
one place that asks for it.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from processing.spaces.grid import Grid


def resample_labels(
    labels: np.ndarray, source: Grid, target: Grid, target_from_source: np.ndarray | None = None
) -> np.ndarray:
    """Nearest-neighbour resampling of an integer volume from ``source`` onto ``target``.

    Parameters
    ----------
    labels : ndarray, shape ``source.shape``
        Integer labels (0 = background).
    source, target : Grid
        Grids of the input and the output.
    target_from_source : ndarray (4, 4), optional
        RAS transform from the source world to the target world (identity by
        default). For a visit's native mask going to the reference space this
        is ``reference_from_native``.

    Returns
    -------
    ndarray of int32, shape ``target.shape``
        Labels sampled at each target voxel centre; outside the source: 0.
    """
    transform = np.eye(4) if target_from_source is None else np.asarray(target_from_source, float)
    if source.same_as(target) and np.allclose(transform, np.eye(4)):
        return np.asarray(labels, dtype=np.int32).copy()
    # source voxel <- source world <- target world <- target voxel
    source_vox_from_target_vox = (
        np.linalg.inv(source.affine) @ np.linalg.inv(transform) @ target.affine
    )
    matrix, offset = source_vox_from_target_vox[:3, :3], source_vox_from_target_vox[:3, 3]
    return ndimage.affine_transform(
        np.asarray(labels, dtype=np.int32),
        matrix,
        offset=offset,
        output_shape=target.shape,
        order=0,
        mode="constant",
        cval=0,
        output=np.int32,
    )


def resample_image(
    data: np.ndarray, affine: np.ndarray, target: Grid, order: int = 1
) -> np.ndarray:
    """Return an intensity image (voxel -> reference RAS ``affine``) sampled at every ``target`` voxel centre.

    Parameters
    ----------
    data : ndarray, 3D
        Intensities.
    affine : ndarray (4, 4)
        Voxel -> RAS mm of the same world as ``target`` (compose any
        registration in beforehand, e.g. a view's display affine).
    target : Grid
        The grid to sample on.
    order : int
        0 nearest neighbour, 1 linear.

    Returns
    -------
    ndarray of float32, shape ``target.shape``
        Outside the image: NaN (no intensity there, so no fill range matches it).
    """
    source = Grid(np.shape(data), affine)
    if source.same_as(target):
        return np.asarray(data, dtype=np.float32).copy()
    source_vox_from_target_vox = np.linalg.inv(source.affine) @ target.affine
    return ndimage.affine_transform(
        np.asarray(data, dtype=np.float32),
        source_vox_from_target_vox[:3, :3],
        offset=source_vox_from_target_vox[:3, 3],
        output_shape=target.shape,
        order=order,
        mode="constant",
        cval=np.nan,
        output=np.float32,
    )
