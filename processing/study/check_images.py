"""Validation of voxel data: readable and complete NIfTI, finite values, phase units.

The only validation step that reads voxel data; each image is read once.

Phase conventions accepted:

- radians: every value within [-pi, 2 pi] (small rounding allowed), spanning
  more than a tenth of the circle (a real wrapped phase image spans nearly
  -pi..pi, if only in the noise);
- unwrapped radians: non-integer values within +-4 pi (a warning: Ferret
  works on the phasor exp(i phase), so wrapping does not matter);
- scanner integers: whole numbers within -4096..4095 (e.g. Siemens 12-bit
  phase, 0..4095 or -4096..4095): a warning, Ferret rescales them to radians;
- anything else (e.g. arbitrary units of +-0.004, or degrees) is an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.fileio import nifti_check
from processing.fileio.nifti_check import read_verified
from processing.study.model import ImageFile
from processing.study.problems import Problem, error, warning

SCANNER_PHASE_RANGE = (-4096, 4095)
_RADIAN_SLACK = 1e-3
_MIN_RADIAN_SPAN = 0.1 * np.pi
_UNWRAPPED_LIMIT = 4 * np.pi


def read_voxels(path: Path) -> tuple[np.ndarray | None, Problem | None]:
    """Read and verify an image's voxels (whole gzip stream, header, size), or the problem found."""
    try:
        return np.asanyarray(read_verified(path, finite=False).dataobj), None
    except FerretError as exc:
        return None, error(path, exc.problem, exc.fix or "")


def check_image_data(image: ImageFile) -> Iterator[Problem]:
    """Read one image and check that its voxels are usable."""
    data, problem = read_voxels(image.path)
    if data is None:  # unreadable: read_voxels gives the problem instead
        if problem is not None:
            yield problem
        return
    yield from check_finite(image.path, data)
    if image.entities.get("part") == "phase":
        yield from check_phase_units(image.path, data)


def check_finite(path: Path, data: np.ndarray) -> Iterator[Problem]:
    """No NaN or infinite voxels.

    This is the check ``process`` applies (:func:`processing.fileio.nifti_check.check_finite`).
    """
    try:
        nifti_check.check_finite(path, data)
    except FerretError as exc:
        yield error(path, exc.problem, exc.fix or "")


def check_phase_units(path: Path, data: np.ndarray) -> Iterator[Problem]:
    """Phase in radians (fine), in scanner integers (Ferret rescales: warning), else an error."""
    finite = data[np.isfinite(data)] if data.dtype.kind == "f" else data
    if finite.size == 0:
        return
    low, high = float(finite.min()), float(finite.max())
    if low >= -np.pi - _RADIAN_SLACK and high <= 2 * np.pi + _RADIAN_SLACK:
        if high - low >= _MIN_RADIAN_SPAN or np.all(finite == np.round(finite)):
            return
        yield error(
            path,
            f"phase values span only {low:.4g}..{high:.4g}: not radians (a wrapped phase "
            "spans -pi..pi) and not scanner integers.",
            "rescale the phase to radians (-pi..pi) before using it.",
        )
        return
    integral = data.dtype.kind in "iu" or bool(np.all(finite == np.round(finite)))
    if not integral and -_UNWRAPPED_LIMIT <= low and high <= _UNWRAPPED_LIMIT:
        yield warning(
            path,
            f"phase values {low:.4g}..{high:.4g} exceed -pi..pi: read as (partly) "
            "unwrapped radians; Ferret uses the phase modulo 2 pi.",
            "nothing to do if this phase is in radians; otherwise rescale it to radians.",
        )
        return
    if integral and SCANNER_PHASE_RANGE[0] <= low and high <= SCANNER_PHASE_RANGE[1]:
        yield warning(
            path,
            f"phase is in scanner integers ({low:.0f}..{high:.0f}), not radians; "
            "Ferret rescales it to -pi..pi.",
            "nothing to do; or store the phase in radians to silence this warning.",
        )
        return
    yield error(
        path,
        f"phase values {low:.4g}..{high:.4g} are neither radians (-pi..pi) nor scanner "
        f"integers ({SCANNER_PHASE_RANGE[0]}..{SCANNER_PHASE_RANGE[1]}).",
        "rescale the phase to radians before using it.",
    )
