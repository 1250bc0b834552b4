"""Diffusion gradient tables: FSL b-vector orientation, shells.

The files are read by :func:`processing.study.gradient_table.read_gradient_table`.

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

import numpy as np

from processing.errors import FerretError

B0_THRESHOLD = 50.0
SHELL_TOLERANCE = 100.0


def unit_vectors(vectors: np.ndarray, bvals: np.ndarray, path=None) -> np.ndarray:
    """Normalise b-vectors (N, 3) to unit length; b=0 rows may be zero.

    Raises
    ------
    FerretError
        When a diffusion-weighted volume (b >= 50) has a zero vector.
    """
    vectors = np.asarray(vectors, dtype=float)
    norms = np.linalg.norm(vectors, axis=1)
    out = np.zeros_like(vectors)
    ok = norms > 1e-6
    out[ok] = vectors[ok] / norms[ok, None]
    if np.any(~ok & (np.asarray(bvals) >= B0_THRESHOLD)):
        raise FerretError(
            "a diffusion-weighted volume has a zero b-vector.",
            path,
            "check the .bvec file: only b=0 volumes may have zero vectors.",
        )
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


def group_shells(
    bvals, *, tolerance: float = SHELL_TOLERANCE, b0_threshold: float = B0_THRESHOLD
) -> list[Shell]:
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
