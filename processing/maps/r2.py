"""R2 and T2 from multi-echo spin echo (MESE) magnitudes.

Mono-exponential ``S = A exp(-R2 t) [+ C]``. The default is the nonlinear
least-squares fit (batched Levenberg-Marquardt, :mod:`processing.maps.expfit`)
without offset, dropping the first echo (stimulated echoes from imperfect
refocusing make it too low relative to the train); ``offset=True`` adds a
constant (noise floor / long-T2 component, needs 3 echoes after dropping);
``method="loglinear"`` is the fast option. R2 is clipped at 0 (no decay ->
R2 = 0, T2 infinite is written as 0 in the T2 map) and non-finite fits give 0.
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

R2_METHODS = ("nonlinear", "loglinear")


@dataclass
class R2Model:
    """Echo times (s) of a MESE and the fit settings."""

    echo_times: tuple
    method: str = "nonlinear"
    offset: bool = False
    drop_first_echo: bool = True

    def __post_init__(self):
        if self.method not in R2_METHODS:
            raise FerretError(
                f"unknown R2 method {self.method!r}.", fix="use 'nonlinear' or 'loglinear'."
            )

    def used_echoes(self, n_echoes: int) -> np.ndarray:
        """Return the indices of the echoes that enter the fit."""
        first = 1 if self.drop_first_echo and n_echoes > 2 else 0
        return np.arange(first, n_echoes)

    def fit(self, data: np.ndarray, mask: np.ndarray | None = None) -> R2Fit:
        """Fit ``data`` (x, y, z, echoes); voxels outside ``mask`` or non-finite get 0."""
        data = np.asarray(data)
        if data.ndim != 4:
            raise FerretError(f"MESE data must be 4-D (x, y, z, echo); got shape {data.shape}.")
        te = check_times(self.echo_times, data.shape[-1])
        used = self.used_echoes(te.size)
        minimum = 3 if self.offset else 2
        if used.size < minimum:
            raise FerretError(
                f"{used.size} echoes left for the R2 fit; it needs {minimum}.",
                fix="turn off the offset or the first-echo drop, or use more echoes.",
            )
        keep = resolve_mask(data, mask)
        values = masked_values(data, keep, dtype=np.float32)[:, used]
        with single_threaded_blas():
            if self.method == "loglinear":
                amplitude, rate = expfit.loglinear_fit(values, te[used])
            else:
                result = expfit.nonlinear_fit(values, te[used], offset=self.offset)
                amplitude, rate = result["amplitude"], result["rate"]
        rate = np.where(np.isfinite(rate), np.maximum(rate, 0.0), 0.0)
        return R2Fit(self, keep, rate, amplitude)


class R2Fit(RateFit):
    """Result of :meth:`R2Model.fit`: ``r2`` (1/s), ``t2`` (s), ``m0`` (signal at t = 0)."""

    def __init__(self, model: R2Model, mask: np.ndarray, r2: np.ndarray, m0: np.ndarray):
        super().__init__(model, mask, r2, m0)

    @cached_property
    def r2(self) -> np.ndarray:
        """R2 in 1/s."""
        return self._full(self._fitted)

    @cached_property
    def t2(self) -> np.ndarray:
        """T2 in s (0 where R2 is 0)."""
        return self._reciprocal(zero_where_not_positive=True)

    @cached_property
    def m0(self) -> np.ndarray:
        """Fitted amplitude."""
        return self._amplitude_map()
