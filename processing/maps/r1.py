"""R1 and T1 from the MP2RAGE uniform image (Marques et al., NeuroImage 2010;49:1271).

The lookup table UNI(T1) is built with the forward model
:func:`processing.forward.mp2rage.mp2rage_signals` over T1 = 0.05..5 s and
restricted to its monotonic part (between the UNI maximum and minimum), so
every measured UNI maps to one T1 by linear interpolation. Measured UNI in
scanner units (0..4095) become ``-0.5 + UNI / 4095``; values beyond the table
are clipped to its ends. A scanner-made T1 map is also accepted
(:func:`r1_from_t1map`, milliseconds or seconds detected).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from processing.errors import FerretError
from processing.forward.mp2rage import mp2rage_signals, mp2rage_uni, scanner_to_uni
from processing.maps._voxels import resolve_mask
from processing.maps.ratefit import RateFit

PARAMETER_NAMES = ("tr", "ti1", "ti2", "flip1_deg", "flip2_deg", "echo_spacing", "slices_per_slab")
T1_RANGE_S = (0.05, 5.0)


def lookup_table(
    parameters: dict, *, t1_range=T1_RANGE_S, points: int = 2000
) -> tuple[np.ndarray, np.ndarray]:
    """``(uni, t1)`` of the monotonic part of the MP2RAGE curve, ``uni`` increasing.

    Raises
    ------
    FerretError
        Naming the missing parameters, or when the monotonic part is too short.
    """
    missing = [name for name in PARAMETER_NAMES if parameters.get(name) is None]
    if missing:
        raise FerretError(
            "MP2RAGE parameters needed for R1 are missing: " + ", ".join(missing) + ".",
            fix="add them to the sidecars or give them explicitly.",
        )
    t1 = np.linspace(t1_range[0], t1_range[1], points)
    options = {k: parameters[k] for k in PARAMETER_NAMES}
    for optional in ("partial_fourier", "inversion_efficiency"):
        if parameters.get(optional) is not None:
            options[optional] = parameters[optional]
    uni = mp2rage_uni(*mp2rage_signals(t1, **options))
    first, last = sorted((int(np.argmax(uni)), int(np.argmin(uni))))
    uni, t1 = uni[first : last + 1], t1[first : last + 1]
    if uni.size < 10:
        raise FerretError(
            "the MP2RAGE lookup table has no usable monotonic part for these parameters.",
            fix="check TI1, TI2, TR and the flip angles in the sidecars.",
        )
    order = np.argsort(uni)
    return uni[order], t1[order]


def uni_to_unit_range(values: np.ndarray) -> tuple[np.ndarray, str]:
    """Measured UNI in [-0.5, 0.5]: scanner units (max > 1) are mapped by ``-0.5 + UNI/4095``."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size and finite.max() > 1.0:
        return scanner_to_uni(values), "scanner units 0..4095 mapped to -0.5 + UNI/4095"
    return values, "UNI already in [-0.5, 0.5]"


def t1_from_uni(uni: np.ndarray, table: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Interpolate T1 (s) for UNI values in [-0.5, 0.5]; beyond the table, its end values."""
    return np.interp(uni, table[0], table[1])


def r1_from_t1map(t1: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, str]:
    """R1 (1/s) from a scanner T1 map; units: median positive T1 above 10 means milliseconds."""
    t1 = np.asarray(t1, dtype=np.float64)
    positive = t1[np.isfinite(t1) & (t1 > 0)]
    if positive.size == 0:
        raise FerretError("the T1 map has no positive values.", fix="check the T1map image.")
    in_ms = np.median(positive) > 10.0
    seconds = t1 / 1000.0 if in_ms else t1
    with np.errstate(divide="ignore", invalid="ignore"):
        r1 = np.where(np.isfinite(seconds) & (seconds > 0), 1.0 / seconds, 0.0)
    if mask is not None:
        r1 = np.where(mask, r1, 0.0)
    return r1.astype(np.float32), "T1 in milliseconds" if in_ms else "T1 in seconds"


@dataclass
class R1Model:
    """MP2RAGE sequence parameters (seconds, degrees; see :data:`PARAMETER_NAMES`)."""

    parameters: dict = field(default_factory=dict)

    @cached_property
    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """The lookup table ``(uni, t1)``."""
        return lookup_table(self.parameters)

    def fit(self, uni: np.ndarray, mask: np.ndarray | None = None) -> R1Fit:
        """Map a UNI image (scanner units or [-0.5, 0.5]) to T1 and R1; 0 outside ``mask``."""
        uni = np.asarray(uni)
        if uni.ndim != 3:
            raise FerretError(f"the UNI image must be 3-D; got shape {uni.shape}.")
        keep = resolve_mask(uni[..., None], mask)
        unit, note = uni_to_unit_range(uni[keep])
        return R1Fit(self, keep, t1_from_uni(unit, self.table), note)


class R1Fit(RateFit):
    """Result of :meth:`R1Model.fit`: ``t1`` (s) and ``r1`` (1/s)."""

    def __init__(self, model: R1Model, mask: np.ndarray, t1: np.ndarray, note: str):
        super().__init__(model, mask, t1)
        self.uni_note = note

    @cached_property
    def t1(self) -> np.ndarray:
        """T1 in s."""
        return self._full(self._fitted)

    @cached_property
    def r1(self) -> np.ndarray:
        """R1 in 1/s."""
        return self._reciprocal()
