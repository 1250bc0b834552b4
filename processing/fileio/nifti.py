"""NIfTI reading and writing with clear errors and atomic output."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np

from processing.fileio.atomic import atomic_path
from processing.fileio.nifti_check import read_verified


def load_nifti(
    path: str | Path, *, dtype=np.float32, finite: bool = False
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

    Raises
    ------
    FerretError
        If the file is missing, truncated, corrupt (gzip CRC, end marker,
        header), not a NIfTI image, or (``finite``) holds NaN or infinite voxels
        (:func:`processing.fileio.nifti_check.read_verified`).
    """
    img = read_verified(path, finite=finite)
    data = (
        np.asanyarray(img.dataobj)
        if dtype is None
        else img.get_fdata(dtype=np.float64).astype(dtype, copy=False)
    )
    return data, img.affine.copy(), img.header


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
