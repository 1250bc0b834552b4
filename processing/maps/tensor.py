"""Diffusion tensor fit: OLS (default, FSL dtifit-like) or WLS on the log signal.

``log S = log S0 - b g^T D g`` is linear in the six tensor elements; every
voxel is solved at once: OLS is one matrix product with the design matrix's
pseudo-inverse, WLS (dipy's default) re-weights each voxel by its OLS-predicted
signal squared and solves the batched 7x7 normal equations.

A zero or negative measurement (signal dropout, the zero-filled edge of a
volume after motion correction) has no logarithm and carries no information
about diffusion, so it is left out of that voxel's fit: the voxel is solved
from its remaining measurements (weight 0 for the missing ones), and set to 0
when fewer than the seven that a tensor needs remain. Every other tool floors
the signal instead, and the floor biases MD: dipy at 1e-4, MRtrix's
dwi2tensor at 1e-6 of the voxel's largest signal (its default weighted fit
then nearly drops the point), FSL's dtifit at 1 % of the fitted S0.
tests/processing/test_maps_tensor_floor.py measures each rule against the
undamaged data. MD = trace / 3 and FA = sqrt(3/2) |D - MD I| / |D| come
straight from the tensor elements; eigenvalues and eigenvectors (RAS world
axes when the gradients are in world axes) are computed only on demand.
Units follow the b-values: s/mm^2 gives mm^2/s.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from processing.errors import FerretError
from processing.maps._voxels import masked_values, resolve_mask, single_threaded_blas, unmask

FIT_METHODS = ("ols", "wls")
CHUNK_VOXELS = 1 << 16


def design_matrix(bvals: np.ndarray, bvecs: np.ndarray) -> np.ndarray:
    """Rows ``[-b gx^2, -b gy^2, -b gz^2, -2b gx gy, -2b gx gz, -2b gy gz, 1]``."""
    b = np.asarray(bvals, dtype=float)[:, None]
    g = np.asarray(bvecs, dtype=float)
    gx, gy, gz = g[:, 0:1], g[:, 1:2], g[:, 2:3]
    return np.hstack(
        [
            -b * gx * gx,
            -b * gy * gy,
            -b * gz * gz,
            -2 * b * gx * gy,
            -2 * b * gx * gz,
            -2 * b * gy * gz,
            np.ones_like(b),
        ]
    )


def fit_ols(log_signal: np.ndarray, design: np.ndarray) -> np.ndarray:
    """Ordinary least squares: ``(voxels, 7)`` coefficients of the log signal."""
    return log_signal @ np.linalg.pinv(design).T


def fit_wls(log_signal: np.ndarray, design: np.ndarray) -> np.ndarray:
    """Weighted least squares with weights = OLS-predicted signal (dipy's WLS)."""
    out = np.empty((log_signal.shape[0], design.shape[1]))
    pinv_t = np.linalg.pinv(design).T
    for start in range(0, log_signal.shape[0], CHUNK_VOXELS):
        y = log_signal[start : start + CHUNK_VOXELS]
        out[start : start + CHUNK_VOXELS] = _weighted_solve(
            y, _predicted_weights(y @ pinv_t, design), design
        )
    return out


def fit_with_missing(
    log_signal: np.ndarray, usable: np.ndarray, design: np.ndarray, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Fit each voxel from its ``usable`` measurements only; return coefficients and a fitted flag.

    A voxel whose usable rows of the design have rank below 7 cannot hold a
    tensor: its coefficients are 0 and its flag False.
    """
    weights = usable.astype(float)
    fitted = np.linalg.matrix_rank(weights[:, :, None] * design) == design.shape[1]
    y = np.where(usable, log_signal, 0.0)[fitted]
    weights = weights[fitted]
    coefficients = _weighted_solve(y, weights, design)
    if method == "wls":
        coefficients = _weighted_solve(
            y, weights * _predicted_weights(coefficients, design), design
        )
    out = np.zeros((log_signal.shape[0], design.shape[1]))
    out[fitted] = coefficients
    return out, fitted


def _predicted_weights(coefficients: np.ndarray, design: np.ndarray) -> np.ndarray:
    """Squared predicted signal per measurement, the WLS weights of the log-signal fit."""
    return np.exp(2.0 * np.clip(coefficients @ design.T, -700, 350))


def _weighted_solve(y: np.ndarray, w2: np.ndarray, design: np.ndarray) -> np.ndarray:
    """Per-voxel solution of the normal equations with squared weights ``w2``.

    ``w2`` has the shape (voxels, measurements).
    """
    normal = np.einsum("vn,ni,nj->vij", w2, design, design, optimize=True)
    rhs = np.einsum("vn,ni,vn->vi", w2, design, y, optimize=True)
    diagonal = np.einsum("vii->vi", normal)  # a writable view
    diagonal += (
        1e-12 * diagonal + 1e-300
    )  # relative ridge: solvable when weights underflow, exact otherwise
    return np.linalg.solve(normal, rhs[..., None])[..., 0]


def mean_diffusivity(elements: np.ndarray) -> np.ndarray:
    """MD = (Dxx + Dyy + Dzz) / 3 from ``(..., 6)`` elements (xx, yy, zz, xy, xz, yz)."""
    return elements[..., :3].sum(axis=-1) / 3.0


def fractional_anisotropy(elements: np.ndarray) -> np.ndarray:
    """FA = sqrt(3/2 sum (l - mean l)^2 / sum l^2), computed from the elements without eigh."""
    md = mean_diffusivity(elements)
    diag = elements[..., :3] - md[..., None]
    off = elements[..., 3:]
    deviation = (diag**2).sum(axis=-1) + 2.0 * (off**2).sum(axis=-1)
    norm = (elements[..., :3] ** 2).sum(axis=-1) + 2.0 * (off**2).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fa = np.sqrt(1.5 * deviation / norm)
    return np.clip(np.nan_to_num(fa, nan=0.0), 0.0, 1.0)


def tensor_matrices(elements: np.ndarray) -> np.ndarray:
    """``(..., 3, 3)`` symmetric matrices from ``(..., 6)`` elements."""
    xx, yy, zz, xy, xz, yz = np.moveaxis(elements, -1, 0)
    return np.stack(
        [np.stack([xx, xy, xz], -1), np.stack([xy, yy, yz], -1), np.stack([xz, yz, zz], -1)], -2
    )


@dataclass
class TensorModel:
    """Gradient table (b in s/mm^2, unit vectors in world or voxel axes) and fit method."""

    bvals: np.ndarray
    bvecs: np.ndarray
    method: str = "ols"

    def __post_init__(self):
        if self.method not in FIT_METHODS:
            raise FerretError(f"unknown tensor fit {self.method!r}.", fix="use 'ols' or 'wls'.")
        self.bvals = np.asarray(self.bvals, dtype=float)
        self.bvecs = np.asarray(self.bvecs, dtype=float)
        self.design = design_matrix(self.bvals, self.bvecs)
        if np.linalg.matrix_rank(self.design) < 7:
            raise FerretError(
                f"the gradient table cannot determine a tensor ({np.sum(self.bvals >= 50)} "
                "diffusion-weighted volumes; need b=0 and at least 6 non-collinear directions).",
                fix="use a DWI with b=0 and six or more directions.",
            )

    def fit(self, data: np.ndarray, mask: np.ndarray | None = None) -> TensorFit:
        """Fit ``data`` (x, y, z, volumes); voxels outside ``mask`` or non-finite give 0."""
        data = np.asarray(data)
        if data.ndim != 4 or data.shape[-1] != self.bvals.size:
            raise FerretError(
                f"DWI data of shape {data.shape} does not match {self.bvals.size} b-values."
            )
        keep = resolve_mask(data, mask)
        values = masked_values(data, keep, dtype=np.float64)
        usable = values > 0
        log_signal = np.log(np.where(usable, values, 1.0))
        partial = np.flatnonzero(~usable.all(axis=1))
        unfitted = 0
        with single_threaded_blas():
            coefficients = (fit_ols if self.method == "ols" else fit_wls)(log_signal, self.design)
            if partial.size:
                coefficients[partial], fitted = fit_with_missing(
                    log_signal[partial], usable[partial], self.design, self.method
                )
                unfitted = int((~fitted).sum())
        if unfitted:  # voxels too damaged for a tensor join the background
            rows = np.ones(len(values), dtype=bool)
            rows[partial[~fitted]] = False
            keep[keep] = rows
            coefficients = coefficients[rows]
        return TensorFit(
            self, keep, coefficients, partial_voxels=int(partial.size), unfitted_voxels=unfitted
        )


class TensorFit:
    """Result of :meth:`TensorModel.fit`; maps are full-grid float32, 0 outside the mask."""

    def __init__(
        self,
        model: TensorModel,
        mask: np.ndarray,
        coefficients: np.ndarray,
        partial_voxels: int = 0,
        unfitted_voxels: int = 0,
    ):
        self.model = model
        self.mask = mask
        #: voxels fitted without some of their measurements (zero or negative signal)
        self.partial_voxels = partial_voxels
        #: voxels left at 0 because fewer than seven usable measurements remained
        self.unfitted_voxels = unfitted_voxels
        self.elements = coefficients[:, :6]
        self.log_s0 = coefficients[:, 6]

    @cached_property
    def md(self) -> np.ndarray:
        """Mean diffusivity."""
        return unmask(mean_diffusivity(self.elements), self.mask)

    @cached_property
    def fa(self) -> np.ndarray:
        """Fractional anisotropy in [0, 1]."""
        return unmask(fractional_anisotropy(self.elements), self.mask)

    @cached_property
    def _eig(self) -> tuple[np.ndarray, np.ndarray]:
        evals, evecs = np.linalg.eigh(tensor_matrices(self.elements))
        return evals[:, ::-1], evecs[:, :, ::-1]

    @cached_property
    def evals(self) -> np.ndarray:
        """Eigenvalues, largest first, shape (x, y, z, 3)."""
        return unmask(self._eig[0], self.mask)

    @cached_property
    def evecs(self) -> np.ndarray:
        """Eigenvectors as columns (x, y, z, 3, 3), ``evecs[..., :, 0]`` is the principal one."""
        return unmask(self._eig[1], self.mask)

    @cached_property
    def s0(self) -> np.ndarray:
        """Fitted b=0 signal."""
        return unmask(np.exp(np.clip(self.log_s0, -700, 700)), self.mask)
