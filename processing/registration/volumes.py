"""The one 3D volume of each acquisition that registration uses.

Every file of an acquisition (echoes, parts, inversions) shares one head
position, so one volume per acquisition is registered and its transform serves
all its files:

* MP2RAGE: the second inversion (``inv-2``; best brain/background contrast);
* MEGRE / MESE: the first echo's magnitude (first volume of a 4D file);
* dwi: the mean of the b=0 volumes (b < 50), or the first volume without .bval;
* everything else: the image itself (first volume if 4D).

A UNIT1 anchor is registered through the second inversion of its own scan
(:func:`volume_key`): same grid and head position, and a clean background.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.fileio import load_nifti
from processing.study.model import Acquisition, ImageFile, Visit

B0_THRESHOLD = 50.0


def representative_file(acquisition: Acquisition) -> ImageFile:
    """Return the file whose (first) volume stands for the acquisition."""
    files = acquisition.part("mag") or acquisition.files
    if acquisition.kind == "MP2RAGE":
        second = [f for f in files if f.entities.get("inv") == "2"]
        files = second or files
    if not files:
        raise FerretError(
            f"the {acquisition.kind} acquisition has no image file.",
            None,
            "check the visit folder.",
        )
    return files[0]


def registration_volume(acquisition: Acquisition) -> tuple[np.ndarray, np.ndarray, list[Path]]:
    """``(array, affine, input_paths)`` of the acquisition's representative 3D volume."""
    image = representative_file(acquisition)
    inputs = [image.path]
    shape = image.header.get_data_shape()
    chosen: list[int] | None
    if len(shape) == 4 and acquisition.kind == "dwi" and acquisition.bval is not None:
        chosen = b0_volumes(acquisition.bval, shape[3])
        inputs.append(acquisition.bval)
    else:
        chosen = [0] if len(shape) == 4 else None
    data, affine, _ = load_nifti(image.path, finite=True, volumes=chosen)
    if data.ndim == 4:
        data = data.mean(axis=3) if data.shape[3] > 1 else data[..., 0]
    if data.ndim != 3:
        raise FerretError(
            f"expected a 3D or 4D image, got shape {data.shape}.",
            image.path,
            "re-export the image as a 3D (or 4D) NIfTI.",
        )
    return np.ascontiguousarray(data), affine, inputs


def b0_volumes(bval_path: Path, count: int) -> list[int]:
    """Return the b=0 volumes (b < 50) of a 4D DWI of ``count`` volumes (the first if none)."""
    try:
        bvals = np.loadtxt(bval_path, dtype=float).ravel()
    except ValueError as exc:
        raise FerretError(
            "cannot read the b-values.", bval_path, "write one number per volume."
        ) from exc
    if bvals.size != count:
        raise FerretError(
            f"{bvals.size} b-values for {count} volumes.",
            bval_path,
            "the .bval file must list one b-value per DWI volume.",
        )
    low = np.flatnonzero(bvals < B0_THRESHOLD)
    return [int(i) for i in low] if low.size else [0]


def volume_key(visit: Visit, key: str) -> str:
    """Return the acquisition whose volume is registered for ``key``.

    ``MP2RAGE`` (inv-2) for a UNIT1.

    A UNIT1 shares its scan and grid with the MP2RAGE inversions; the second
    inversion has a dark, smooth background and the brain boundary, where the
    UNIT1 has noise of tissue-like brightness around the head (on the
    phantom, FLAIR -> UNIT1 links were 0.3-0.5 mm off, 0.15-0.25 mm via inv-2).
    Any other key stands for itself.
    """
    if key != "UNIT1" or "MP2RAGE" not in visit.acquisitions:
        return key
    uni = representative_file(visit.acquisitions["UNIT1"]).header
    inv2 = representative_file(visit.acquisitions["MP2RAGE"]).header
    same_grid = tuple(uni.get_data_shape()[:3]) == tuple(inv2.get_data_shape()[:3]) and np.allclose(
        uni.get_best_affine(), inv2.get_best_affine(), atol=1e-3
    )
    return "MP2RAGE" if same_grid else key
