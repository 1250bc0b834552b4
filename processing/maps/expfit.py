"""Vectorised mono-exponential fits ``S(t) = A exp(-R t) [+ C]`` over many voxels.

All functions take ``signal`` as ``(voxels, times)`` and fit every voxel at
once (no Python loop over voxels): the log-linear fit in closed form, the
nonlinear least-squares fit by variable projection without offset
(:mod:`processing.maps.varpro`, a 1-D Newton search on R per voxel) and by a
batched Levenberg-Marquardt iteration solving every voxel's 3x3 normal
equations together with an offset. Shared by R2* (multi-echo GRE) and R2
(multi-echo spin echo).
"""

from __future__ import annotations

import numpy as np

CHUNK_VOXELS = 1 << 17


def loglinear_fit(
    signal: np.ndarray, times: np.ndarray, *, floor: float | None = None, weighted: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares line through ``log S`` against ``t``.

    Parameters
    ----------
    signal : ndarray, shape (voxels, times)
        Magnitudes; values below ``floor`` are raised to it before the log.
    times : ndarray, shape (times,)
        Echo times.
    floor : float, optional
        Smallest signal used; default: a millionth of the largest signal.
    weighted : bool
        Weight each point by ``S^2`` (the variance of ``log S`` is ``sigma^2/S^2``).

    Returns
    -------
    amplitude, rate : ndarray, shape (voxels,)
    """
    t = np.asarray(times, dtype=np.float64)
    if floor is None:
        floor = max(float(np.max(signal, initial=0.0)) * 1e-6, np.finfo(np.float64).tiny)
    if not weighted:
        return _loglinear_unweighted(signal, t, floor)
    signal = np.asarray(signal, dtype=np.float64)
    logs = np.log(np.maximum(signal, floor))
    w = np.maximum(signal, floor) ** 2
    sw = w.sum(axis=1)
    t_mean = (w * t).sum(axis=1) / sw
    y_mean = (w * logs).sum(axis=1) / sw
    dt = t[None, :] - t_mean[:, None]
    slope = (w * dt * (logs - y_mean[:, None])).sum(axis=1) / (w * dt * dt).sum(axis=1)
    rate = -slope
    amplitude = np.exp(y_mean + rate * t_mean)
    return amplitude, rate


def _loglinear_unweighted(signal, t, floor):
    """Ordinary least squares on ``log S`` by one matrix product per chunk.

    Logs are in the signal's precision: float32 signals give float32 logs, ample for magnitudes.
    """
    centred = t - t.mean()
    dtype = np.float32 if np.asarray(signal).dtype == np.float32 else np.float64
    columns = np.stack(
        [np.full_like(t, 1.0 / t.size), centred / (centred @ centred)], axis=1
    ).astype(dtype)
    coefficients = np.empty((signal.shape[0], 2), dtype=dtype)
    for start in range(0, signal.shape[0], CHUNK_VOXELS):
        logs = np.log(
            np.maximum(np.asarray(signal[start : start + CHUNK_VOXELS], dtype=dtype), dtype(floor))
        )
        coefficients[start : start + CHUNK_VOXELS] = logs @ columns
    rate = -coefficients[:, 1]
    return np.exp(coefficients[:, 0] + rate * t.mean()), rate


def nonlinear_fit(
    signal: np.ndarray,
    times: np.ndarray,
    *,
    offset: bool = False,
    iterations: int = 30,
    tolerance: float = 1e-9,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    precision: str = "single",
) -> dict[str, np.ndarray]:
    """Nonlinear least squares of ``A exp(-R t) [+ C]``.

    Without offset: variable projection (:func:`processing.maps.varpro.varpro_fit`);
    with offset: batched Levenberg-Marquardt.

    Parameters
    ----------
    signal : ndarray, shape (voxels, times)
    times : ndarray, shape (times,)
    offset : bool
        Also fit a constant ``C`` (needs at least 3 times).
    iterations : int
        Maximum iterations; voxels stop individually when the relative cost
        change is below ``tolerance``.
    start : (amplitude, rate), optional
        Starting values; default the log-linear fit.
    precision : {"single", "double"}
        Arithmetic of the variable-projection iteration (without offset);
        float32 is ample for magnitudes and halves the time.

    Returns
    -------
    dict
        ``amplitude``, ``rate``, ``offset`` (zeros without offset) and
        ``converged`` (bool), each of shape (voxels,).
    """
    if not offset:
        from processing.maps.varpro import varpro_fit

        rate = (
            loglinear_fit(signal, times)[1]
            if start is None
            else np.asarray(start[1], dtype=np.float64)
        )
        result = varpro_fit(
            signal, times, rate, iterations=max(iterations, 40), precision=precision
        )
        return {**result, "offset": np.zeros(result["rate"].shape)}
    signal = np.asarray(signal, dtype=np.float64)
    parts = [
        _fit_chunk(
            signal[i : i + CHUNK_VOXELS],
            np.asarray(times, dtype=np.float64),
            offset,
            iterations,
            tolerance,
            None
            if start is None
            else (start[0][i : i + CHUNK_VOXELS], start[1][i : i + CHUNK_VOXELS]),
        )
        for i in range(0, max(signal.shape[0], 1), CHUNK_VOXELS)
    ]
    keys = ("amplitude", "rate", "offset", "converged")
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def _fit_chunk(y, t, offset, iterations, tolerance, start):
    if start is None:
        start = loglinear_fit(y, t)
    params = [
        np.asarray(start[0], dtype=np.float64).copy(),
        np.asarray(start[1], dtype=np.float64).copy(),
    ]
    if offset:
        params.append(np.zeros(y.shape[0]))
    p = np.stack(params, axis=1)
    p[~np.isfinite(p)] = 0.0
    cost = _cost(y, t, p)
    lam = np.full(y.shape[0], 1e-3)
    active = np.ones(y.shape[0], dtype=bool)
    for _ in range(iterations):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        pa, ya = p[idx], y[idx]
        jac, model = _jacobian(t, pa)
        resid = ya - model
        jtj = np.einsum("vnp,vnq->vpq", jac, jac)
        jtr = np.einsum("vnp,vn->vp", jac, resid)
        diag = np.einsum("vpp->vp", jtj)
        damped = jtj + (lam[idx, None] * np.maximum(diag, 1e-12))[:, :, None] * np.eye(p.shape[1])
        step = _solve_small(damped, jtr)
        trial = pa + step
        new_cost = _cost(ya, t, trial)
        better = np.isfinite(new_cost) & (new_cost <= cost[idx])
        rel = np.abs(cost[idx] - new_cost) / np.maximum(cost[idx], 1e-300)
        p[idx[better]] = trial[better]
        cost[idx[better]] = new_cost[better]
        lam[idx] = np.where(better, lam[idx] * 0.1, lam[idx] * 10.0)
        done = (better & (rel < tolerance)) | (lam[idx] > 1e10) | (cost[idx] == 0)
        active[idx[done]] = False
    return {
        "amplitude": p[:, 0],
        "rate": p[:, 1],
        "offset": p[:, 2] if offset else np.zeros(y.shape[0]),
        "converged": ~active,
    }


def _jacobian(t, p):
    decay = np.exp(-p[:, 1:2] * t[None, :])
    columns = [decay, -p[:, 0:1] * t[None, :] * decay]
    model = p[:, 0:1] * decay
    if p.shape[1] == 3:
        columns.append(np.ones_like(decay))
        model = model + p[:, 2:3]
    return np.stack(columns, axis=2), model


def _cost(y, t, p):
    _, model = _jacobian(t, p)
    with np.errstate(over="ignore", invalid="ignore"):
        return ((y - model) ** 2).sum(axis=1)


def _solve_small(a, b):
    """Solve a batch of small symmetric systems; singular ones give a zero step."""
    if a.shape[1] == 2:
        det = a[:, 0, 0] * a[:, 1, 1] - a[:, 0, 1] * a[:, 1, 0]
        ok = np.abs(det) > 1e-300
        det = np.where(ok, det, 1.0)
        x0 = (a[:, 1, 1] * b[:, 0] - a[:, 0, 1] * b[:, 1]) / det
        x1 = (a[:, 0, 0] * b[:, 1] - a[:, 1, 0] * b[:, 0]) / det
        return np.where(ok[:, None], np.stack([x0, x1], axis=1), 0.0)
    try:
        return np.linalg.solve(a, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.zeros_like(b)
        good = np.abs(np.linalg.det(a)) > 1e-300
        out[good] = np.linalg.solve(a[good], b[good][..., None])[..., 0]
        return out
