"""Phase units: radians as stored (the default), scanner integers or arbitrary units rescaled.

Scanners store phase in radians (BIDS, dcm2niix for Philips here), as
integers (Siemens: -4096..4095 or 0..4095) or in arbitrary units. The rule of
``units="auto"``:

1. the sidecar decides when it says so: BIDS ``"Units": "rad"`` means radians,
   ``"arbitrary"`` means rescale (:func:`units_from_sidecar`);
2. values inside [-pi, pi] (tolerance 1e-3) are radians as stored, whatever
   their span (a small crop of real radians may span less than pi);
3. integer-valued data in a known scanner range are rescaled by that range;
4. anything else (values clearly outside radians) is rescaled linearly from
   its observed [min, max] onto [-pi, pi).

``units="arbitrary"`` forces step 4 even for values inside [-pi, pi] (e.g. a
phase scaled to +-0.0037), ``"scanner"`` forces 3 then 4, ``"radians"`` wraps
values outside [-pi, pi). The returned note names the rule used; it goes into
the provenance sidecar.
"""

from __future__ import annotations

import numpy as np

from processing.errors import FerretError

UNITS = ("auto", "radians", "scanner", "arbitrary")
RADIANS_TOLERANCE = 1e-3
_SCANNER_RANGES = ((-4096.0, 4095.0), (0.0, 4095.0), (-32768.0, 32767.0), (0.0, 65535.0))


def phase_to_radians(phase: np.ndarray, *, units: str = "auto") -> tuple[np.ndarray, str]:
    """Return the phase in radians in [-pi, pi) and a note on the conversion.

    Parameters
    ----------
    phase : ndarray
        Stored phase values; NaNs are kept as NaN.
    units : {"auto", "radians", "scanner", "arbitrary"}
        See the module docstring.

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
    if units == "radians" or (units == "auto" and _within_radians(low, high)):
        inside = low >= -np.pi and high < np.pi
        note = "radians as stored" + (
            "" if units == "radians" else f" (values within [-pi, pi] +- {RADIANS_TOLERANCE:g})"
        )
        return (phase if inside else _wrap(phase)), note
    known = None if units == "arbitrary" else _scanner_range(finite, low, high)
    if known is not None:
        low, high = known
        note = f"scanner integers in [{low:g}, {high - 1:g}] rescaled to [-pi, pi)"
    else:
        note = f"arbitrary units in [{low:.6g}, {high:.6g}] rescaled to [-pi, pi)"
    span = high - low if high > low else 1.0
    scaled = (phase - np.float32(low)) * np.float32(2 * np.pi / span) - np.float32(np.pi)
    return np.minimum(scaled, np.float32(np.pi - 1e-6)), note


def units_from_sidecar(metadata: dict | None) -> str | None:
    """``"radians"`` or ``"arbitrary"`` from a phase sidecar's BIDS ``Units``.

    None when it says nothing.

    ``"rad"``/``"radian(s)"`` give radians; ``"arbitrary"``/``"a.u."`` give arbitrary
    (a known scanner integer range is still used when the data have one).
    """
    value = str((metadata or {}).get("Units", "")).strip().lower()
    if value in ("rad", "radian", "radians"):
        return "radians"
    if value in ("arbitrary", "a.u.", "au", "arbitrary units"):
        return "scanner"
    return None


def _within_radians(low: float, high: float) -> bool:
    return low >= -np.pi - RADIANS_TOLERANCE and high <= np.pi + RADIANS_TOLERANCE


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
