"""Trace-weighted images per shell and the choice of volumes for the tensor.

The trace image of a shell is the arithmetic mean of that shell's
diffusion-weighted volumes (DESIGN section 2: not the geometric mean, which
differs by +8 % at b=1000 and +75 % at b=3000 in white matter).
"""

from __future__ import annotations

import numpy as np

from processing.errors import FerretError
from processing.maps.gradients import Shell


def shell_trace(data: np.ndarray, shell: Shell) -> np.ndarray:
    """Arithmetic mean of the shell's volumes of 4-D ``data`` (float32)."""
    total = np.zeros(data.shape[:3], dtype=np.float64)
    for index in shell.indices:
        total += data[..., index]
    return (total / len(shell.indices)).astype(np.float32)


def weighted_shells(shells: list[Shell]) -> list[Shell]:
    """Return the diffusion-weighted shells (b > 0), in increasing b."""
    return [s for s in shells if s.bvalue > 0]


def tensor_volumes(shells: list[Shell], path=None) -> np.ndarray:
    """Return the indices of b=0 and the inner (lowest non-zero) shell, sorted.

    Raises
    ------
    FerretError
        With no b=0 volume or no diffusion-weighted shell.
    """
    if not shells or shells[0].bvalue != 0:
        raise FerretError(
            "the DWI has no b=0 volume (b < 50 s/mm^2); the tensor needs one.",
            path,
            "check the .bval file.",
        )
    weighted = weighted_shells(shells)
    if not weighted:
        raise FerretError(
            "the DWI has only b=0 volumes; no trace, MD or FA can be computed.",
            path,
            "use the diffusion-weighted series (with b > 0).",
        )
    return np.array(sorted(shells[0].indices + weighted[0].indices))
