"""Diffusion tensor signals and helpers to build tensors and gradient tables.

b-values are in s/mm^2 and diffusivities in mm^2/s. b-vectors in FSL
convention are unit vectors in the image's voxel axes, with the first axis
flipped when the voxel-to-world matrix has a positive determinant
(:func:`fsl_bvecs_from_world`).
"""

from __future__ import annotations

import numpy as np


def eigenvalues_from_md_fa(md, fa):
    """Cylindrically symmetric eigenvalues ``(l1, l2, l2)`` with the given MD and FA.

    With ``l1 = MD + 2d`` and ``l2 = MD - d``, ``FA = 3|d| / sqrt(3 MD^2 + 6 d^2)``,
    so ``d = MD FA / sqrt(3 - 2 FA^2)``. Returns an array with a last axis of 3.
    """
    md = np.asarray(md, dtype=float)
    fa = np.clip(np.asarray(fa, dtype=float), 0.0, 0.999)
    d = md * fa / np.sqrt(3.0 - 2.0 * fa**2)
    return np.stack([md + 2 * d, md - d, md - d], axis=-1)


def tensor_from_eigen(eigenvalues, principal_direction):
    """Symmetric tensor ``l2 I + (l1 - l2) e e^T`` from ``(l1, l2, l2)`` and a direction.

    Both arguments have a last axis of 3; returns ``(..., 3, 3)``. Only
    cylindrically symmetric tensors are built (the third eigenvalue equals the
    second).
    """
    lam = np.asarray(eigenvalues, dtype=float)
    e = np.asarray(principal_direction, dtype=float)
    e = e / np.maximum(np.linalg.norm(e, axis=-1, keepdims=True), 1e-12)
    outer = e[..., :, None] * e[..., None, :]
    return (
        lam[..., 1, None, None] * np.eye(3) + (lam[..., 0] - lam[..., 1])[..., None, None] * outer
    )


def md_fa(tensor):
    """Mean diffusivity and fractional anisotropy of tensors ``(..., 3, 3)``."""
    lam = np.linalg.eigvalsh(np.asarray(tensor, dtype=float))
    md = lam.mean(axis=-1)
    denom = np.sum(lam**2, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fa = np.sqrt(1.5 * np.sum((lam - md[..., None]) ** 2, axis=-1) / denom)
    return md, np.where(denom > 0, fa, 0.0)


def tensor_signal(s0, tensor, bvals, bvecs):
    """``S0 exp(-b g^T D g)`` for every gradient; volumes on a new last axis.

    Parameters
    ----------
    s0 : array_like
        Non-weighted signal, shape ``(...)``.
    tensor : array_like
        Diffusion tensors ``(..., 3, 3)`` in the same frame as ``bvecs``.
    bvals : array_like, shape (N,)
    bvecs : array_like, shape (N, 3)
        Unit vectors (zero vectors allowed for b=0).
    """
    g = np.asarray(bvecs, dtype=float)
    adc = np.einsum("ni,...ij,nj->...n", g, np.asarray(tensor, dtype=float), g)
    return np.asarray(s0, dtype=float)[..., None] * np.exp(-np.asarray(bvals, dtype=float) * adc)


def sphere_directions(n: int, iterations: int = 300) -> np.ndarray:
    """``n`` well-spread unit vectors on the upper hemisphere (antipodes count as equal).

    A Fibonacci lattice relaxed by electrostatic repulsion between the points
    and their antipodes (deterministic: no random start).
    """
    k = np.arange(n) + 0.5
    z = 1.0 - k / n
    azimuth = np.pi * (3.0 - np.sqrt(5.0)) * k
    r = np.sqrt(1.0 - z**2)
    points = np.stack([r * np.cos(azimuth), r * np.sin(azimuth), z], axis=-1)
    if n < 2:
        return points
    for _ in range(iterations):
        force = np.zeros_like(points)
        for sign in (1.0, -1.0):
            diff = points[:, None, :] - sign * points[None, :, :]
            dist = np.linalg.norm(diff, axis=-1)
            if sign > 0:
                np.fill_diagonal(dist, np.inf)
            force += np.sum(diff / dist[..., None] ** 3, axis=1)
        force -= np.sum(force * points, axis=1, keepdims=True) * points  # tangential part
        points = points + 0.5 * force / (n * np.max(np.linalg.norm(force, axis=1)) + 1e-12)
        points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points * np.where(points[:, 2:3] < 0, -1.0, 1.0)


def _fsl_flip(affine) -> np.ndarray:
    rotation = np.asarray(affine, dtype=float)[:3, :3]
    return np.diag([-1.0, 1.0, 1.0]) if np.linalg.det(rotation) > 0 else np.eye(3)


def _voxel_axes(affine) -> np.ndarray:
    rotation = np.asarray(affine, dtype=float)[:3, :3]
    return rotation / np.linalg.norm(rotation, axis=0)


def fsl_bvecs_from_world(directions_world, affine) -> np.ndarray:
    """Express world (RAS) gradient directions ``(N, 3)`` as FSL b-vectors of an image."""
    axes = _voxel_axes(affine)
    return (np.asarray(directions_world, dtype=float) @ axes) @ _fsl_flip(affine)


def world_from_fsl_bvecs(bvecs, affine) -> np.ndarray:
    """Inverse of :func:`fsl_bvecs_from_world`: FSL b-vectors ``(N, 3)`` to world directions."""
    axes = _voxel_axes(affine)
    return (np.asarray(bvecs, dtype=float) @ _fsl_flip(affine)) @ axes.T
