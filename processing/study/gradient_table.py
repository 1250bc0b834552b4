"""The diffusion gradient table (FSL ``.bval`` / ``.bvec``), read once and checked whole.

Both ``validate`` and the maps read the table through :func:`read_gradient_table`,
so a table that ``validate`` rejects can never reach a tensor fit (a ``.bval``
one entry short shifts every gradient by one volume: MD off by -94 %). Every
message blames the file that is wrong: a count that disagrees with the image
blames the file holding that count; unreadable text, negative or non-finite
b-values blame the ``.bval``; non-finite, zero or non-unit vectors and a shape
other than 3 x N blame the ``.bvec``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.fileio.regular import require_regular_file

B0_THRESHOLD = 50.0  # s/mm2: below it a volume counts as b=0 (its vector may be zero)
UNIT_TOLERANCE = 0.05


def read_gradient_table(acq, volumes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """b-values (N,) and b-vectors (N, 3) of a dwi acquisition, checked against ``volumes``.

    Parameters
    ----------
    acq : Acquisition
        A dwi acquisition (its ``bval`` and ``bvec`` paths).
    volumes : int, optional
        Volumes of the 4D image (default: read from its header); both files
        must list that many.

    Raises
    ------
    FerretError
        Naming the file that is missing, unreadable or wrong.
    """
    bvals, bvecs, problems = gradient_problems(acq, volumes)
    if problems:
        raise problems[0]
    return bvals, bvecs


def gradient_problems(
    acq, volumes: int | None = None
) -> tuple[np.ndarray, np.ndarray, list[FerretError]]:
    """``(bvals, bvecs, problems)``: every problem of the table (``validate`` lists them all).

    Raises
    ------
    FerretError
        When a file is missing or unreadable (nothing else can be checked then).
    """
    bval_path, bvec_path = (_present(acq, label) for label in ("bval", "bvec"))
    if volumes is None:
        volumes = _image_volumes(acq)
    bvals = _numbers(bval_path, "one line of b-values (s/mm2), one per volume").ravel()
    bvecs = _numbers(bvec_path, "three lines of numbers (x, y and z), one column per volume")
    if bvecs.ndim != 2 or 3 not in bvecs.shape:
        raise FerretError(
            f"b-vectors of shape {bvecs.shape}: not 3 rows of vector components.",
            bvec_path,
            "write three lines (x, y, z) with one column per volume (FSL convention).",
        )
    if bvecs.shape[0] != 3:
        bvecs = bvecs.T
    problems = list(_count_problems(bvals.size, bvecs.shape[1], volumes, bval_path, bvec_path))
    common = min(bvals.size, bvecs.shape[1])
    problems += _value_problems(bvals[:common], bvecs.T[:common], bval_path, bvec_path)
    return bvals, bvecs.T, problems


def _image_volumes(acq) -> int | None:
    try:
        shape = acq.files[0].header.get_data_shape()
    except (FerretError, IndexError):
        return None  # validate reports the image itself
    return int(shape[3]) if len(shape) == 4 else None


def _present(acq, label: str) -> Path:
    path = getattr(acq, label)
    if path is None and acq.files:
        image = acq.files[0].path
        path = image.with_name(image.name.split(".")[0] + f".{label}")
    if path is None or not os.path.lexists(path):
        raise FerretError(
            f"the .{label} file of this dwi image is missing.",
            path,
            f"put the .{label} file beside the image, with the image's name.",
        )
    require_regular_file(path, f"the .{label} file")
    return Path(path)


def _numbers(path: Path, layout: str) -> np.ndarray:
    try:
        text = path.read_text(encoding="utf-8")
        rows = [line.split() for line in text.splitlines() if line.strip()]
        table = np.array(rows, dtype=float) if rows else np.empty((0,))
    except (OSError, ValueError) as exc:  # ragged rows, words, bad bytes
        what = (
            "rows of different lengths"
            if "inhomogeneous" in str(exc)
            else "text that is not numbers"
        )
        raise FerretError(
            f"cannot read this gradient file ({what}).", path, f"write {layout}."
        ) from None
    if table.size == 0:
        raise FerretError("this gradient file is empty.", path, f"write {layout}.")
    return table


def _count_problems(
    n_bvals: int, n_bvecs: int, volumes: int | None, bval_path: Path, bvec_path: Path
):
    if volumes is not None:
        for count, path, what in (
            (n_bvals, bval_path, "b-values"),
            (n_bvecs, bvec_path, "b-vectors"),
        ):
            if count != volumes:
                yield FerretError(
                    f"{count} {what} but the image has {volumes} volumes.",
                    path,
                    "list one entry per volume of the dwi image (re-export the table).",
                )
    elif n_bvals != n_bvecs:
        yield FerretError(
            f"{n_bvals} b-values but {n_bvecs} b-vectors in {bvec_path.name}.",
            bval_path,
            "the two files must list one entry per volume of the dwi image.",
        )


def _value_problems(
    bvals: np.ndarray, bvecs: np.ndarray, bval_path: Path, bvec_path: Path
) -> list[FerretError]:
    problems = []
    bad = np.flatnonzero(~np.isfinite(bvals) | (bvals < 0))
    if bad.size:
        problems.append(
            FerretError(
                f"b-values {bvals[bad[:5]].tolist()} at volumes {bad[:10].tolist()} are "
                "negative or not finite.",
                bval_path,
                "b-values are in s/mm2, 0 or more.",
            )
        )
    bad = np.flatnonzero(~np.all(np.isfinite(bvecs), axis=1))
    if bad.size:
        problems.append(
            FerretError(
                f"b-vectors at volumes {bad[:10].tolist()} are not finite (NaN or infinite).",
                bvec_path,
                "re-export the gradient table from the scanner data.",
            )
        )
    with np.errstate(invalid="ignore"):
        norms = np.linalg.norm(bvecs, axis=1)
        bad = np.flatnonzero((bvals >= B0_THRESHOLD) & (np.abs(norms - 1.0) > UNIT_TOLERANCE))
    if bad.size:
        problems.append(
            FerretError(
                f"b-vectors are not unit length at volumes {bad.tolist()[:10]} "
                f"(lengths {np.round(norms[bad[:5]], 3).tolist()}).",
                bvec_path,
                "normalise the vectors (FSL convention: 3 rows of unit vectors, zeros for b=0).",
            )
        )
    return problems
