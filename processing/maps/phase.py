"""Phase units: radians as stored, or scanner integers / arbitrary units rescaled.

Scanners store phase either in radians (dcm2niix for Philips here) or as
integers (Siemens: -4096..4095, or 0..4095) or in arbitrary units. The
``auto`` rule: values already spanning more than half of [-pi, pi] and lying
inside it are radians; integer-valued data in a known scanner range are
rescaled by that range; anything else is rescaled linearly from its observed
[min, max] onto [-pi, pi). The returned note says which rule was used so that
it can be recorded in the provenance sidecar.
"""

from __future__ import annotations

import numpy as np

from processing.errors import FerretError

UNITS = ("auto", "radians", "scanner")
_SCANNER_RANGES = ((-4096.0, 4095.0), (0.0, 4095.0), (-32768.0, 32767.0), (0.0, 65535.0))


def phase_to_radians(phase: np.ndarray, *, units: str = "auto") -> tuple[np.ndarray, str]:
    """Return the phase in radians in [-pi, pi) and a note on the conversion.

    Parameters
    ----------
    phase : ndarray
        Stored phase values; NaNs are kept as NaN.
    units : {"auto", "radians", "scanner"}
        "scanner" forces rescaling (known integer range, else observed range).

    Raises
    ------
    FerretError
        For an unknown ``units`` or a phase image without finite values.
    """
    if units not in UNITS:
        raise FerretError(f"unknown phase units {units!r}.", fix=f"use one of {', '.join(UNITS)}.")
    phase = np.asarray(phase, dtype=np.float32)
    finite = phase[np.isfinite(phase)]
    if finite.size == 0:
        raise FerretError("the phase image has no finite values.", fix="check the phase files.")
    low, high = float(finite.min()), float(finite.max())
    if units == "radians" or (units == "auto" and _looks_like_radians(low, high)):
        inside = low >= -np.pi and high < np.pi
        return (phase if inside else _wrap(phase)), "radians as stored"
    known = _scanner_range(finite, low, high)
    if known is not None:
        low, high = known
        note = f"scanner integers in [{low:g}, {high:g}] rescaled to [-pi, pi)"
    else:
        note = f"arbitrary units in [{low:.6g}, {high:.6g}] rescaled to [-pi, pi)"
    span = high - low if high > low else 1.0
    scaled = (phase - np.float32(low)) * np.float32(2 * np.pi / span) - np.float32(np.pi)
    return np.minimum(scaled, np.float32(np.pi - 1e-6)), note


def _looks_like_radians(low: float, high: float) -> bool:
    tolerance = 1e-3
    inside = low >= -np.pi - tolerance and high <= np.pi + tolerance
    return inside and (high - low) > np.pi


def _scanner_range(finite: np.ndarray, low: float, high: float):
    sample = finite[:: max(1, finite.size // 100000)]
    if not np.all(sample == np.round(sample)):
        return None
    for lo, hi in _SCANNER_RANGES:
        if low >= lo and high <= hi and (high - low) > 0.5 * (hi - lo):
            return lo, hi + 1.0
    return None


def _wrap(phase: np.ndarray) -> np.ndarray:
    """Wrap to [-pi, pi) without touching NaNs."""
    return (np.mod(phase + np.pi, 2 * np.pi) - np.pi).astype(np.float32)
