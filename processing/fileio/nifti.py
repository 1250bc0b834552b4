"""NIfTI reading and writing with clear errors and atomic output."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
from nibabel.arrayproxy import ArrayProxy
from nibabel.volumeutils import apply_read_scaling

from processing.fileio.atomic import atomic_path
from processing.fileio.nifti_check import read_verified


def load_nifti(
    path: str | Path, *, dtype=np.float32, finite: bool = False, volumes=None
) -> tuple[np.ndarray, np.ndarray, nib.Nifti1Header]:
    """Read a NIfTI image into memory as ``(data, affine, header)``.

    Parameters
    ----------
    path : str or Path
        The ``.nii`` or ``.nii.gz`` file.
    dtype : numpy dtype, optional
        Type of the returned array (scaling by scl_slope/inter is applied);
        ``None`` keeps the stored type.
    finite : bool, optional
        Refuse NaN or infinite voxels (raw scans; derived maps may hold NaN
        where a fit is undefined).
    volumes : sequence of int, optional
        Only these volumes of a 4-D image (last axis), in this order.

    Raises
    ------
    FerretError
        If the file is missing, truncated, corrupt (gzip CRC, end marker,
        header), not a NIfTI image, or (``finite``) holds NaN or infinite voxels
        (:func:`processing.fileio.nifti_check.read_verified`).
    """
    img = read_verified(path, finite=finite)
    proxy = img.dataobj
    assert isinstance(proxy, ArrayProxy)  # read_verified parses the file: a proxy on its bytes
    raw = np.asanyarray(proxy.get_unscaled())
    if volumes is not None:
        raw = raw[..., list(volumes)]
    data = raw if dtype is None else scaled(raw, proxy.slope, proxy.inter, dtype)
    return data, img.affine.copy(), img.header


def scaled(raw: np.ndarray, slope, inter, dtype) -> np.ndarray:
    """Return ``raw * slope + inter`` as ``dtype``, computed in float64 one plane at a time.

    The same numbers as nibabel's ``get_fdata(dtype=float64).astype(dtype)``
    (the scaling is element-wise), without the whole image in float64: a 4-D
    DWI of 100 volumes took 1 GB and a tenth of its maps step's time there.
    """
    unit = np.all(np.asanyarray(slope) == 1) and np.all(np.asanyarray(inter) == 0)
    if unit and (raw.dtype.itemsize <= 4 or raw.dtype.kind == "f"):
        return raw.astype(dtype, order="K")  # one rounding, the same as through float64
    out = np.empty(raw.shape, dtype=dtype, order="F")
    for index in range(raw.shape[-1]):
        out[..., index] = _scaled_float64(raw[..., index], slope, inter)
    return out


def _scaled_float64(raw: np.ndarray, slope, inter) -> np.ndarray:
    """Apply nibabel's read scaling (``ArrayProxy._get_scaled`` with dtype float64)."""
    slope, inter = np.asanyarray(slope), np.asanyarray(inter)
    if np.can_cast(slope, np.float64):
        slope = slope.astype(np.float64)
    if np.can_cast(inter, np.float64):
        inter = inter.astype(np.float64)
    values = apply_read_scaling(raw, slope, inter)
    return values.astype(np.promote_types(values.dtype, np.float64), copy=False)


def save_nifti(
    path: str | Path,
    data: np.ndarray,
    affine: np.ndarray,
    *,
    header: nib.Nifti1Header | None = None,
) -> Path:
    """Atomically write ``data`` with ``affine`` as NIfTI-1 (sform and qform set)."""
    img = nib.Nifti1Image(np.asarray(data), np.asarray(affine, dtype=float), header=header)
    img.set_sform(np.asarray(affine, dtype=float), code=1)
    img.set_qform(np.asarray(affine, dtype=float), code=1)
    with atomic_path(path) as tmp:
        nib.save(img, str(tmp))
    return Path(path)
