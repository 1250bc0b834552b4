"""The shared base of the relaxation-rate fits (R1, R2, R2*): masked values, full maps lazily.

A fit keeps only the values of the voxels it fitted (a 1-D array over the
mask's voxels); each map is put back on the full grid, 0 outside the mask, the
first time it is read (and cached), as dipy's fits do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from processing.maps._voxels import unmask


class RateFit:
    """Result of a relaxation fit: the model, the fitted voxels and their values.

    Parameters
    ----------
    model : object
        The model that made this fit.
    mask : ndarray of bool
        The voxels fitted.
    fitted : ndarray
        The fitted quantity (a rate in 1/s or a time in s) per voxel of ``mask``.
    amplitude : ndarray, optional
        The fitted amplitude (signal at t = 0) per voxel of ``mask``.
    """

    def __init__(
        self, model: Any, mask: np.ndarray, fitted: np.ndarray, amplitude: np.ndarray | None = None
    ) -> None:
        self.model = model
        self.mask = mask
        self._fitted = fitted
        self._amplitude = amplitude

    def _full(self, values: np.ndarray) -> np.ndarray:
        """Return ``values`` (one per fitted voxel) on the full grid, 0 outside the mask."""
        return unmask(values, self.mask)

    def _reciprocal(self, *, zero_where_not_positive: bool = False) -> np.ndarray:
        """Return ``1 / fitted`` on the full grid (a time from a rate, or a rate from a time).

        With ``zero_where_not_positive`` a rate of 0 (no decay) gives 0, not infinity.
        """
        with np.errstate(divide="ignore"):
            if zero_where_not_positive:
                return self._full(np.where(self._fitted > 0, 1.0 / self._fitted, 0.0))
            return self._full(1.0 / self._fitted)

    def _amplitude_map(self) -> np.ndarray:
        """Return the fitted amplitude on the full grid, non-finite values as 0."""
        if self._amplitude is None:
            raise AttributeError(f"{type(self).__name__} fits no amplitude")
        amplitude = np.nan_to_num(self._amplitude, nan=0.0, posinf=0.0, neginf=0.0)
        return self._full(amplitude)
