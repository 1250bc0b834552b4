"""Masked voxel handling shared by every map: flatten, validate, put back.

Fits run on a 2-D ``(voxels, measurements)`` array holding only the voxels of
the mask, so no formula loops over voxels and background costs nothing.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from processing.errors import FerretError


def resolve_mask(data: np.ndarray, mask: np.ndarray | None, *, n_spatial: int = 3) -> np.ndarray:
    """Boolean mask of the voxels to fit: ``mask`` (or all) minus non-finite voxels.

    Parameters
    ----------
    data : ndarray
        Image with the spatial axes first and one last axis of measurements.
    mask : ndarray or None
        Voxels to fit; None fits every voxel.
    n_spatial : int
        Number of leading spatial axes of ``data``.

    Raises
    ------
    FerretError
        When the mask's shape does not match the image.
    """
    spatial = data.shape[:n_spatial]
    if mask is None:
        keep = np.ones(spatial, dtype=bool)
    else:
        keep = np.asarray(mask, dtype=bool)
        if keep.shape != spatial:
            raise FerretError(
                f"the mask has shape {keep.shape} but the image has {spatial}.",
                fix="use a mask computed on this image's grid.",
            )
        keep = keep.copy()
    finite = np.isfinite(data).all(axis=tuple(range(n_spatial, data.ndim)))
    keep &= finite
    return keep


def masked_values(data: np.ndarray, keep: np.ndarray, dtype=np.float64) -> np.ndarray:
    """Return the masked voxels as ``(voxels, measurements)`` of ``dtype``."""
    if keep.all():  # no copy by fancy indexing when every voxel is fitted
        values = data.reshape((-1,) + data.shape[keep.ndim :])
    else:
        values = data[keep]
    if values.ndim == 1:
        values = values[:, None]
    return values.astype(dtype, copy=False)


def unmask(
    values: np.ndarray, keep: np.ndarray, *, fill: float = 0.0, dtype=np.float32
) -> np.ndarray:
    """Put per-voxel ``values`` (first axis = masked voxels) back into the grid."""
    out = np.full(keep.shape + values.shape[1:], fill, dtype=dtype)
    out[keep] = values
    return out


def check_times(
    times, n_measurements: int, *, what: str = "echo times", minimum: int = 2
) -> np.ndarray:
    """Validate acquisition times: finite, strictly increasing, one per measurement.

    Raises
    ------
    FerretError
        Naming what is wrong (count, order, non-finite values).
    """
    times = np.asarray(times, dtype=np.float64).ravel()
    if times.size != n_measurements:
        raise FerretError(
            f"{times.size} {what} given for {n_measurements} images.",
            fix="give one value per image (check the sidecars' EchoTime).",
        )
    if times.size < minimum:
        raise FerretError(
            f"{times.size} {what}: this map needs at least {minimum}.",
            fix="use an acquisition with more echoes or another method.",
        )
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise FerretError(f"{what} must be finite and non-negative: {times.tolist()}.")
    if np.any(np.diff(times) <= 0):
        raise FerretError(
            f"{what} must be strictly increasing: {times.tolist()}.",
            fix="order the echoes by echo time.",
        )
    return times


@contextmanager
def single_threaded_blas():
    """Run the block with one BLAS thread.

    The fits multiply tall, thin arrays (voxels x a few echoes or gradients):
    OpenBLAS's threads gain nothing there and, on a busy machine, spin for
    their work share; one thread made the R2 fit of a full-size MESE 3x
    cheaper in CPU time. The fits' own parallelism is a thread pool over
    voxel chunks where it pays.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
