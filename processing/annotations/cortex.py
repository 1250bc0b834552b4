"""Cortical grey matter in the reference grid, for the lesions' "in cortex" flag.

Made from what ``ferret process --steps maps,register,resample`` writes: the R1
map resampled into the reference space
(``derivatives/ferret/sub-XX/ses-YY/anat/sub-XX_ses-YY_space-ref_R1map.nii.gz``)
within the DWI's brain mask in that space
(``.../dwi/sub-XX_ses-YY_space-ref_desc-brain_mask.nii.gz``), from the first
visit that has both.

Method (:func:`cortex_from_r1`): inside the brain, a 3-class Otsu split of R1
(:func:`skimage.filters.threshold_multiotsu`) gives CSF (low R1), grey matter
(middle) and white matter (high R1). Grey voxels count as cortex when they lie
within ``edge_mm`` (2 mm, or one voxel when voxels are larger) of the outer CSF: CSF voxels connected to the outside
of the brain mask, or the outside itself. Ventricles (CSF enclosed by white
matter) do not count as outer, so deep grey nuclei beside them are not cortex.

Without an R1 map there is no mask (None) and lesions keep ``in_cortex``
unknown.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage
from skimage.filters import threshold_multiotsu

from processing.annotations.grid import resample_image
from processing.fileio import load_nifti
from processing.spaces import reference
from processing.spaces.grid import Grid
from processing.study.model import DERIVATIVES_DIRNAME

EDGE_MM = 2.0
R1_NAME = "space-ref_R1map.nii.gz"
BRAIN_NAME = "space-ref_desc-brain_mask.nii.gz"


def cortex_inputs(study_root: str | Path, participant: str) -> tuple[Path, Path] | None:
    """``(R1 map, brain mask)`` in the reference space of the first visit having both, or None."""
    for visit in reference.visits_of(study_root, participant):
        folder = Path(study_root) / "derivatives" / DERIVATIVES_DIRNAME / participant / visit
        r1 = folder / "anat" / f"{participant}_{visit}_{R1_NAME}"
        brain = folder / "dwi" / f"{participant}_{visit}_{BRAIN_NAME}"
        if r1.exists() and brain.exists():
            return r1, brain
    return None


def cortex_mask(
    study_root: str | Path, participant: str, grid: Grid, edge_mm: float = EDGE_MM
) -> np.ndarray | None:
    """Return the participant's cortical grey-matter mask on ``grid`` (the labels' grid), or None.

    Returns None when no R1 map (or brain mask) exists in the reference space.
    """
    found = cortex_inputs(study_root, participant)
    if found is None:
        return None
    (r1, r1_affine, _), (brain, brain_affine, _) = (load_nifti(p, dtype=None) for p in found)
    r1 = resample_image(np.asarray(r1, np.float32), r1_affine, grid, order=1)
    brain = resample_image(np.asarray(brain, np.float32), brain_affine, grid, order=0) > 0
    return cortex_from_r1(r1, brain, grid.spacing, edge_mm)


def cortex_from_r1(
    r1: np.ndarray, brain: np.ndarray, spacing, edge_mm: float = EDGE_MM
) -> np.ndarray:
    """Cortical grey matter from an R1 map and a brain mask on the same grid.

    Parameters
    ----------
    r1 : ndarray
        R1 (1/s); NaN or non-finite voxels are left out.
    brain : ndarray of bool
        Brain mask.
    spacing : sequence of 3 floats
        Voxel size (mm) along each axis.
    edge_mm : float
        Grey voxels within this distance of outer CSF or the brain's edge are cortex.

    Returns
    -------
    ndarray of bool
    """
    inside = np.asarray(brain, bool) & np.isfinite(r1)
    if inside.sum() < 3:
        return np.zeros(inside.shape, bool)
    low, high = threshold_multiotsu(r1[inside], classes=3)
    csf = inside & (r1 < low)
    grey = inside & (r1 >= low) & (r1 < high)
    outer = _outer_csf(csf, inside)
    reach = max(float(edge_mm), float(np.max(spacing)))  # at least the face neighbours
    near = ndimage.distance_transform_edt(~outer, sampling=spacing) <= reach
    return _grown_from(grey, grey & near)


def _grown_from(region: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Return the face-connected parts of ``region`` that contain a seed."""
    parts, _ = ndimage.label(region)
    found = np.unique(parts[seeds])
    return np.isin(parts, found[found > 0])


def _outer_csf(csf: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """CSF connected to the outside of the brain, plus the outside itself."""
    outside_or_csf = ~inside | csf
    parts, _ = ndimage.label(outside_or_csf)
    touching = np.unique(parts[~inside])
    return np.isin(parts, touching[touching > 0])
