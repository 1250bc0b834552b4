"""Diffusion gradient tables: reading FSL bval/bvec, orientation, shells.

FSL convention (dcm2niix writes it): b-vectors are unit vectors in the image's
voxel axes, except that FSL always treats voxel space as radiological; when the
affine has a positive determinant (neurological storage, e.g. RAS), FSL flips
the first voxel axis, so the stored x component is minus the component along
the first voxel axis. :func:`fsl_bvecs_to_world` undoes that and rotates into
RAS world space with the rotation part of the affine (polar decomposition, so
oblique and sheared affines are handled), making tensor eigenvectors
comparable whatever the storage orientation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from processing.errors import FerretError

B0_THRESHOLD = 50.0
SHELL_TOLERANCE = 100.0


def read_bvals_bvecs(bval: str | Path, bvec: str | Path, n_volumes: int) -> tuple[np.ndarray, np.ndarray]:
    """Read FSL ``.bval`` (1 x N) and ``.bvec`` (3 x N, or N x 3) files.

    Raises
    ------
    FerretError
        When a file is missing or unreadable, or the counts do not match the image.
    """
    bvals = _read_table(bval, "b-values").ravel()
    bvecs = _read_table(bvec, "b-vectors")
    if bvecs.shape[0] != 3 and bvecs.ndim == 2 and bvecs.shape[1] == 3:
        bvecs = bvecs.T
    if bvecs.ndim != 2 or bvecs.shape[0] != 3:
        raise FerretError(f"b-vectors must be 3 rows; found shape {bvecs.shape}.", bvec)
    for values, path, what in ((bvals, bval, "b-values"), (bvecs.T, bvec, "b-vectors")):
        if len(values) != n_volumes:
            raise FerretError(f"{len(values)} {what} for {n_volumes} DWI volumes.", path,
                              "use the .bval/.bvec written with this image (dcm2niix).")
    if np.any(bvals < 0) or not np.all(np.isfinite(bvals)):
        raise FerretError("b-values must be finite and non-negative.", bval)
    return bvals, _unit(bvecs.T, bvals)


def _read_table(path, what):
    if path is None or not Path(path).exists():
        raise FerretError(f"the {what} file is missing.", path, "put the .bval/.bvec beside the DWI image.")
    try:
        return np.atleast_1d(np.loadtxt(path, dtype=np.float64))
    except ValueError as exc:
        raise FerretError(f"cannot read the {what} ({exc}).", path) from exc


def _unit(vectors: np.ndarray, bvals: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1)
    out = np.zeros_like(vectors)
    ok = norms > 1e-6
    out[ok] = vectors[ok] / norms[ok, None]
    if np.any(~ok & (bvals >= B0_THRESHOLD)):
        raise FerretError("a diffusion-weighted volume has a zero b-vector.",
                          fix="check the .bvec file: only b=0 volumes may have zero vectors.")
    return out


def affine_rotation(affine: np.ndarray) -> np.ndarray:
    """Nearest rotation-or-reflection to the affine's 3x3 part (polar decomposition)."""
    u, _, vt = np.linalg.svd(np.asarray(affine, dtype=float)[:3, :3])
    return u @ vt


def fsl_bvecs_to_world(bvecs: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """FSL b-vectors (N, 3) of an image with ``affine`` -> unit vectors in RAS world."""
    voxel = np.array(bvecs, dtype=float)
    if np.linalg.det(np.asarray(affine)[:3, :3]) > 0:
        voxel[:, 0] = -voxel[:, 0]
    return voxel @ affine_rotation(affine).T


def world_to_fsl_bvecs(vectors: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """Inverse of :func:`fsl_bvecs_to_world` (to write b-vectors for a reoriented image)."""
    voxel = np.asarray(vectors, dtype=float) @ affine_rotation(affine)
    if np.linalg.det(np.asarray(affine)[:3, :3]) > 0:
        voxel[:, 0] = -voxel[:, 0]
    return voxel


@dataclass(frozen=True)
class Shell:
    """One b-value shell: its nominal b (s/mm^2) and the volume indices."""

    bvalue: float
    indices: tuple[int, ...]

    @property
    def label(self) -> str:
        """``b1000``: nominal b rounded to the nearest 50 (for file names)."""
        return f"b{int(round(self.bvalue / 50.0) * 50)}"


def group_shells(bvals, *, tolerance: float = SHELL_TOLERANCE, b0_threshold: float = B0_THRESHOLD) -> list[Shell]:
    """Group b-values into shells; the first shell is b=0 (b < ``b0_threshold``), if any.

    Sorted b-values start a new shell where the gap to the previous exceeds
    ``tolerance``; a shell's nominal b is the mean of its members.
    """
    bvals = np.asarray(bvals, dtype=float)
    shells = []
    zero = np.flatnonzero(bvals < b0_threshold)
    if zero.size:
        shells.append(Shell(0.0, tuple(int(i) for i in zero)))
    order = [int(i) for i in np.argsort(bvals, kind="stable") if bvals[i] >= b0_threshold]
    group: list[int] = []
    for index in order:
        if group and bvals[index] - bvals[group[-1]] > tolerance:
            shells.append(Shell(float(np.mean(bvals[group])), tuple(sorted(group))))
            group = []
        group.append(index)
    if group:
        shells.append(Shell(float(np.mean(bvals[group])), tuple(sorted(group))))
    return shells
