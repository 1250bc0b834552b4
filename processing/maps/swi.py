"""Susceptibility-weighted imaging (SWI) from multi-echo magnitude and phase.

Per echo and per slice in the acquired plane (the stored array's first two
axes, before any reorientation; slices are the third axis):

1. unit phasor ``z = exp(i phi)`` (phi in radians, see :mod:`processing.maps.phase`);
2. low-pass: 2-D convolution with a 12x12 Hamming kernel (outer product of a
   12-point symmetric Hamming window) with zero padding. Implemented as two
   1-D ``scipy.ndimage.convolve1d(mode="constant")`` passes over a
   slice-major copy (the kernel is separable), identical to ``scipy.ndimage.convolve`` with the 2-D kernel and
   to MATLAB's ``filter2`` (``scipy.signal.convolve2d(mode="same")`` would be
   shifted by one voxel for this even kernel);
3. high-pass phase ``angle(z / lowpass)``;
4. phase mask in [0, 1]: "negative" (default, right-handed phase convention,
   veins have negative high-pass phase): f = (pi + phi) / pi for -pi <= phi <= 0,
   else 1; "positive" is the mirror, f = (pi - phi) / pi for 0 <= phi <= pi.
   Which one darkens veins depends on the scanner's phase convention;
5. ``SWI_echo = magnitude * f ** power`` (power 4), then the mean over echoes.

:func:`minimum_intensity_projection` gives the sliding minIP over a slab of
slices for review.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import ndimage

from processing.errors import FerretError
from processing.maps.phase import phase_to_radians

MASK_SIGNS = ("negative", "positive")


def hamming_window(size: int = 12) -> np.ndarray:
    """Symmetric Hamming window of ``size`` points (MATLAB ``hamming(size)``)."""
    return np.hamming(size)


def lowpass_planes(planes: np.ndarray, *, kernel_size: int = 12) -> np.ndarray:
    """Zero-padded 2-D Hamming low-pass over the last two axes of ``planes``.

    The kernel is separable, so two 1-D passes along contiguous axes do the
    2-D convolution exactly (zero padding is separable too).
    """
    window = hamming_window(kernel_size).astype(np.float32)
    smooth = ndimage.convolve1d(planes, window, axis=-1, mode="constant")
    return ndimage.convolve1d(smooth, window, axis=-2, mode="constant")


def highpass_phase(phase: np.ndarray, *, kernel_size: int = 12) -> np.ndarray:
    """High-pass phase ``angle(z / lowpass(z))`` of a 3-D phase volume in radians.

    Slices are the third axis. Non-finite phase is a zero phasor (no signal)
    and gives 0.
    """
    phase = np.asarray(phase, dtype=np.float32)
    if phase.ndim != 3:
        raise FerretError(f"the phase of one echo must be 3-D; got shape {phase.shape}.")
    planes = np.ascontiguousarray(phase.transpose(2, 1, 0))  # (z, y, x): slices first, contiguous
    finite = np.isfinite(planes)
    all_finite = bool(finite.all())
    if not all_finite:
        planes = np.where(finite, planes, np.float32(0.0))  # a copy: the caller's array stays as is
    real, imag = np.cos(planes), np.sin(planes)
    if not all_finite:
        real[~finite] = 0.0
        imag[~finite] = 0.0
    low_real = lowpass_planes(real, kernel_size=kernel_size)
    low_imag = lowpass_planes(imag, kernel_size=kernel_size)
    # angle(z * conj(L)) with z = real + i imag, L = low_real + i low_imag
    result = np.arctan2(imag * low_real - real * low_imag, real * low_real + imag * low_imag)
    if not all_finite:
        result[~finite] = 0.0
    return np.ascontiguousarray(result.transpose(2, 1, 0))


def phase_mask(highpass: np.ndarray, *, sign: str = "negative") -> np.ndarray:
    """Phase mask in [0, 1] from the high-pass phase (see the module docstring)."""
    if sign not in MASK_SIGNS:
        raise FerretError(f"unknown phase mask {sign!r}.", fix="use 'negative' or 'positive'.")
    phi = np.clip(highpass, -np.pi, np.pi)
    if sign == "negative":
        return np.where(phi <= 0, (np.pi + phi) / np.pi, 1.0).astype(np.float32)
    return np.where(phi >= 0, (np.pi - phi) / np.pi, 1.0).astype(np.float32)


def swi_echo(
    magnitude: np.ndarray,
    phase: np.ndarray,
    *,
    sign: str = "negative",
    power: int = 4,
    kernel_size: int = 12,
) -> np.ndarray:
    """SWI of one echo: ``magnitude * phase_mask(highpass(phase)) ** power``."""
    weight = phase_mask(highpass_phase(phase, kernel_size=kernel_size), sign=sign)
    weight = _integer_power(weight, int(power))
    magnitude = np.asarray(magnitude, dtype=np.float32)
    result = magnitude * weight
    result[~np.isfinite(result)] = 0.0
    return result


def _integer_power(values: np.ndarray, power: int) -> np.ndarray:
    """``values ** power`` by repeated squaring (much faster than float pow)."""
    if power < 0:
        raise FerretError(f"the SWI power must be >= 0, got {power}.")
    result = np.ones_like(values)
    base = values.copy()
    while power:
        if power & 1:
            result *= base
        power >>= 1
        if power:
            base *= base
    return result


def minimum_intensity_projection(image: np.ndarray, *, slab: int = 4) -> np.ndarray:
    """Sliding minimum over ``slab`` neighbouring slices (third axis), same shape."""
    if slab < 1:
        raise FerretError(f"the minIP slab must be at least 1 slice, got {slab}.")
    return ndimage.minimum_filter1d(
        np.asarray(image, dtype=np.float32), size=int(slab), axis=2, mode="nearest"
    )


@dataclass
class SWIModel:
    """SWI settings: phase-mask sign, power, kernel size and phase units."""

    sign: str = "negative"
    power: int = 4
    kernel_size: int = 12
    phase_units: str = "auto"

    def fit(
        self, magnitude: np.ndarray, phase: np.ndarray, mask: np.ndarray | None = None
    ) -> SWIFit:
        """Compute SWI from (x, y, z[, echo]) magnitude and phase in stored orientation.

        ``mask`` (optional) zeroes the result outside it.
        """
        magnitude, phase = _as_4d(magnitude), _as_4d(phase)
        if magnitude.shape != phase.shape:
            raise FerretError(
                f"magnitude {magnitude.shape} and phase {phase.shape} differ in shape.",
                fix="give the magnitude and phase of the same echoes.",
            )
        radians, note = phase_to_radians(phase, units=self.phase_units)

        def one_echo(e):
            return swi_echo(
                np.ascontiguousarray(magnitude[..., e]),
                np.ascontiguousarray(radians[..., e]),
                sign=self.sign,
                power=self.power,
                kernel_size=self.kernel_size,
            )

        with ThreadPoolExecutor(max_workers=2) as pool:  # numpy and ndimage release the GIL
            echoes = list(pool.map(one_echo, range(magnitude.shape[-1])))
        swi = (np.sum(echoes, axis=0) / len(echoes)).astype(np.float32)
        if mask is not None:
            swi[~np.asarray(mask, dtype=bool)] = 0.0
        return SWIFit(self, swi, note)


class SWIFit:
    """Result of :meth:`SWIModel.fit`: ``swi`` and its sliding minIP."""

    def __init__(self, model: SWIModel, swi: np.ndarray, phase_note: str):
        self.model = model
        self.swi = swi
        self.phase_note = phase_note

    @cached_property
    def minip(self) -> np.ndarray:
        """Minimum-intensity projection over 4 slices.

        For other numbers of slices use :func:`minimum_intensity_projection`.
        """
        return minimum_intensity_projection(self.swi, slab=4)


def _as_4d(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim == 3:
        return array[..., None]
    if array.ndim != 4:
        raise FerretError(f"SWI needs 3-D or 4-D (x, y, z, echo) images; got shape {array.shape}.")
    return array
