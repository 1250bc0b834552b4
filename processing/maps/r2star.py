"""R2*, T2* and S0 from multi-echo gradient-echo magnitudes (DESIGN section 2).

Formula functions take ``magnitude`` of shape ``(voxels, echoes)`` and echo
times in seconds, and return ``(r2star, s0)`` in 1/s and signal units:

* :func:`r2star_trapezoid` (default): T2* = I / (S_1 - S_N) with I the
  trapezoidal integral of the decay; any N >= 2, any echo spacing. Its bias
  for a pure exponential is about -(R2* dTE)^2 / 12.
* :func:`r2star_arlo`: ARLO (Pei et al., MRM 2015;73:843), Simpson's rule over
  echo triplets, the erratum-corrected closed form
  T2* = (sum s^2 + dTE/3 sum s d) / (dTE/3 sum d^2 + sum s d),
  s_i = dTE/3 (S_i + 4 S_i+1 + S_i+2), d_i = S_i - S_i+2. Equal spacing, N >= 3.
* :func:`r2star_loglinear`: least squares on log S.
* :func:`r2star_nonlinear`: least squares on S (batched Levenberg-Marquardt).

Clipping (:func:`clip_t2star`, on by default for every method) follows the
widely used reference implementation: T2* is clipped to
[min TE / 20, 20 max TE]; non-finite or non-positive T2* (no decay, e.g.
S_N >= S_1, or zero signal) becomes the upper T2* bound, i.e. the lower R2*
bound. S0 is then S_1 exp(R2* TE_1) for the closed forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from processing.errors import FerretError
from processing.maps import expfit
from processing.maps._voxels import (
    check_times,
    masked_values,
    resolve_mask,
    single_threaded_blas,
)
from processing.maps.ratefit import RateFit

METHODS = ("trapezoid", "arlo", "loglinear", "nonlinear")


def t2star_bounds(te: np.ndarray) -> tuple[float, float]:
    """``(min TE / 20, 20 max TE)``: the clipping range of T2* in seconds."""
    return float(np.min(te)) / 20.0, 20.0 * float(np.max(te))


def clip_t2star(t2star: np.ndarray, te: np.ndarray) -> np.ndarray:
    """Clip T2* to :func:`t2star_bounds`; non-finite or <= 0 goes to the upper bound."""
    low, high = t2star_bounds(te)
    t2star = np.where(np.isfinite(t2star) & (t2star > 0), t2star, high)
    return np.clip(t2star, low, high)


def _s0_from_first_echo(magnitude, te, r2star):
    with np.errstate(over="ignore"):
        return magnitude[:, 0] * np.exp(r2star * te[0])


def r2star_trapezoid(magnitude: np.ndarray, te: np.ndarray, *, clip: bool = True):
    """R2* and S0 by the trapezoidal closed form (any N >= 2, any spacing)."""
    s = np.asarray(magnitude)
    dte = np.diff(te).astype(s.dtype)
    integral = np.zeros(s.shape[0], dtype=s.dtype)
    for k in range(dte.size):  # loop over echoes (not voxels): no (voxels, echoes) temporaries
        integral += (s[:, k] + s[:, k + 1]) * (dte[k] / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        t2star = integral / (s[:, 0] - s[:, -1])
    return _finish(s, te, t2star, clip)


def applicable_method(method: str, te, rtol: float = 1e-3) -> tuple[str, str | None]:
    """Return the method to use for echo times ``te`` and a warning when it is not ``method``.

    ARLO needs at least 3 equally spaced echoes; real protocols often space
    the first echoes unequally (e.g. 3.53 ms then 3.94 ms), and failing the
    whole visit for that helps nobody: the trapezoid (any spacing) is used
    instead, with the reason recorded in the maps' sidecars.
    """
    te = np.asarray(te, dtype=float)
    if method != "arlo":
        return method, None
    dte = np.diff(te)
    if te.size < 3:
        return (
            "trapezoid",
            f"ARLO needs at least 3 echoes ({te.size} here): the trapezoid was used instead.",
        )
    if np.ptp(dte) > rtol * np.mean(dte):
        spacings = ", ".join(f"{1000 * d:.3g}" for d in dte)
        return "trapezoid", (
            f"ARLO needs equally spaced echoes (spacings {spacings} ms here): "
            "the trapezoid was used instead."
        )
    return method, None


def r2star_arlo(magnitude: np.ndarray, te: np.ndarray, *, clip: bool = True, rtol: float = 1e-3):
    """R2* and S0 by ARLO (Simpson's rule; needs N >= 3 equally spaced echoes).

    Raises
    ------
    FerretError
        With fewer than 3 echoes or unequal spacing (relative tolerance ``rtol``).
    """
    s = np.asarray(magnitude)
    dte = np.diff(te)
    if te.size < 3:
        raise FerretError(
            f"ARLO needs at least 3 echoes, got {te.size}.",
            fix="use the trapezoidal method, which works from 2 echoes.",
        )
    if np.ptp(dte) > rtol * np.mean(dte):
        raise FerretError(
            f"ARLO needs equally spaced echoes; spacings are {dte.tolist()} s.",
            fix="use the trapezoidal method, which handles any spacing.",
        )
    third = np.mean(dte) / 3.0
    simpson = third * (s[:, :-2] + 4.0 * s[:, 1:-1] + s[:, 2:])
    delta = s[:, :-2] - s[:, 2:]
    sd = (simpson * delta).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t2star = ((simpson**2).sum(axis=1) + third * sd) / (third * (delta**2).sum(axis=1) + sd)
    return _finish(s, te, t2star, clip)


def r2star_loglinear(
    magnitude: np.ndarray, te: np.ndarray, *, clip: bool = True, weighted: bool = False
):
    """R2* and S0 by (optionally S^2-weighted) least squares on log S."""
    s0, rate = expfit.loglinear_fit(magnitude, te, weighted=weighted)
    return _finish_rate(te, rate, s0, clip)


def r2star_nonlinear(
    magnitude: np.ndarray, te: np.ndarray, *, clip: bool = True, iterations: int = 30
):
    """R2* and S0 by nonlinear least squares on S, started from the log-linear fit."""
    result = expfit.nonlinear_fit(magnitude, te, iterations=iterations)
    return _finish_rate(te, result["rate"], result["amplitude"], clip)


def _finish(s, te, t2star, clip):
    if clip:
        t2star = clip_t2star(t2star, te)
    with np.errstate(divide="ignore"):
        r2star = 1.0 / t2star
    return r2star, _s0_from_first_echo(s, te, r2star)


def _finish_rate(te, rate, s0, clip):
    if not clip:
        return rate, s0
    with np.errstate(divide="ignore"):
        r2star = 1.0 / clip_t2star(1.0 / rate, te)
    return r2star, s0


_FORMULAS = {
    "trapezoid": r2star_trapezoid,
    "arlo": r2star_arlo,
    "loglinear": r2star_loglinear,
    "nonlinear": r2star_nonlinear,
}


@dataclass
class R2starModel:
    """Acquisition facts of a multi-echo GRE: echo times (s) and the method.

    Parameters
    ----------
    echo_times : sequence of float
        Echo times in seconds, increasing.
    method : {"trapezoid", "arlo", "loglinear", "nonlinear"}
    clip : bool
        Clip T2* to [min TE/20, 20 max TE] (see the module docstring).
    """

    echo_times: tuple
    method: str = "trapezoid"
    clip: bool = True

    def __post_init__(self):
        if self.method not in _FORMULAS:
            raise FerretError(
                f"unknown R2* method {self.method!r}.", fix=f"use one of {', '.join(METHODS)}."
            )

    def fit(self, data: np.ndarray, mask: np.ndarray | None = None) -> R2starFit:
        """Fit ``data`` (x, y, z, echoes); voxels outside ``mask`` or non-finite get 0."""
        data = np.asarray(data)
        if data.ndim != 4:
            raise FerretError(
                f"multi-echo data must be 4-D (x, y, z, echo); got shape {data.shape}."
            )
        te = check_times(self.echo_times, data.shape[-1])
        keep = resolve_mask(data, mask)
        # closed forms are exact enough in float32 (relative error ~1e-7); fits use float64
        dtype = np.float32 if self.method in ("trapezoid", "arlo") else np.float64
        with single_threaded_blas():
            r2star, s0 = _FORMULAS[self.method](
                masked_values(data, keep, dtype=dtype), te, clip=self.clip
            )
        return R2starFit(self, keep, r2star, s0)


class R2starFit(RateFit):
    """Result of :meth:`R2starModel.fit`; maps are full-grid float32 arrays."""

    def __init__(self, model: R2starModel, mask: np.ndarray, r2star: np.ndarray, s0: np.ndarray):
        super().__init__(model, mask, r2star, s0)

    @cached_property
    def r2star(self) -> np.ndarray:
        """R2* in 1/s (0 outside the mask)."""
        return self._full(self._fitted)

    @cached_property
    def t2star(self) -> np.ndarray:
        """T2* in s (0 outside the mask)."""
        return self._reciprocal()

    @cached_property
    def s0(self) -> np.ndarray:
        """Extrapolated signal at TE = 0 (0 outside the mask)."""
        return self._amplitude_map()
