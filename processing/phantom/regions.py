"""MARS regions of the phantom's anatomy: the truth of where its microbleeds lie.

The phantom's head is a cerebrum only: an ellipsoid brain with folds, deep
grey ellipsoids (thalamus, putamen) and ventricles. It has **no brainstem and
no cerebellum** (so no infratentorial truth), no corpus callosum, internal or
external capsule and no lobes of its own. Its regions (:func:`region_at`) are
therefore analytic and consistent with its structures:

- inside a thalamus ellipsoid: 4 thalamus; inside a putamen ellipsoid: 3 basal ganglia;
- white matter more than :data:`DEEP_WM_MM` below the pial surface: 8 deep and
  periventricular white matter (the phantom's lobar microbleeds lie 7.75 mm below the
  pial surface, so that even the tiny scale's 4 mm voxel holding one is lobar);
- cortex and the white matter above that depth: lobar, the lobe (9-13) being
  the MARS atlas's at the point mapped into MNI space by
  :data:`MNI_FROM_ANATOMY` (a fixed affine taking the brain ellipsoid,
  semi-axes 68, 85, 62 mm, onto the bounding box of the atlas's cerebrum,
  semi-axes 72, 91, 69 mm about (0, -15, 16)), or the nearest lobar voxel of
  the atlas when that point is not lobar;
- CSF, ventricles, skull, scalp and outside: 0.

Because the phantom's anatomy is so unlike a brain (no infratentorial
structures, deep grey nuclei where the phantom puts them), registering the MNI
template to it proves little; the registration's test is the real-data one.
:func:`write_truth_atlas` writes these regions as the ``location`` step's
output would be, for tests and demos of the lookup and the counts.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.ndimage import distance_transform_edt

from processing.phantom import tissues as T
from processing.phantom.anatomy import INNER_STRUCTURES, Anatomy

DEEP_WM_MM = 15.0
MNI_FROM_ANATOMY = np.array(
    [
        [72.0 / 68.0, 0.0, 0.0, 0.0],
        [0.0, 91.0 / 85.0, 0.0, -15.0],
        [0.0, 0.0, 69.0 / 62.0, 16.0],
        [0.0, 0.0, 0.0, 1.0],
    ]
)
THALAMUS, PUTAMEN = INNER_STRUCTURES[0], INNER_STRUCTURES[1]


def anatomy_of(record: dict) -> Anatomy:
    """Return the participant's anatomy from its truth record (``record["anatomy"]``)."""
    item = record["anatomy"]
    return Anatomy(
        np.asarray(item["wave_vectors"]), np.asarray(item["phases"]), np.asarray(item["amplitudes"])
    )


@lru_cache(maxsize=1)
def _nearest_lobar() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the atlas, its affine and the index of the nearest lobar voxel of every voxel."""
    from processing.location.atlas import load_atlas

    atlas = load_atlas()
    _, nearest = distance_transform_edt(atlas.data < 9, return_indices=True)
    return atlas.data, atlas.affine, nearest


def _inside(points: np.ndarray, structure) -> np.ndarray:
    _, centre, semi = structure
    found = np.zeros(len(points), dtype=bool)
    for side in (1.0, -1.0):
        c = np.array([side * centre[0], centre[1], centre[2]])
        found |= np.sum(((points - c) / np.asarray(semi)) ** 2, axis=1) <= 1.0
    return found


def lobe_at(points: np.ndarray) -> np.ndarray:
    """Return the MARS lobe (9-13) of anatomy points ``(N, 3)`` through :data:`MNI_FROM_ANATOMY`."""
    data, affine, nearest = _nearest_lobar()
    mni = points @ MNI_FROM_ANATOMY[:3, :3].T + MNI_FROM_ANATOMY[:3, 3]
    voxel = np.rint((mni - affine[:3, 3]) @ np.linalg.inv(affine[:3, :3]).T).astype(int)
    voxel = np.clip(voxel, 0, np.array(data.shape) - 1)
    i, j, k = voxel.T
    return data[nearest[0, i, j, k], nearest[1, i, j, k], nearest[2, i, j, k]]


def region_at(anatomy: Anatomy, points) -> np.ndarray:
    """Return the MARS region (uint8, 0 outside) of anatomy points ``(..., 3)`` (module docstring)."""
    points = np.asarray(points, dtype=float)
    flat = points.reshape(-1, 3)
    tissue = anatomy.labels(flat)
    radius = np.linalg.norm(flat, axis=1)
    unit = flat / np.maximum(radius, 1e-6)[:, None]
    region = np.zeros(len(flat), dtype=np.uint8)
    brain = np.isin(tissue, (T.CORTEX, T.WHITE_MATTER, T.DEEP_GREY))
    deep_wm = (tissue == T.WHITE_MATTER) & (radius < anatomy.pial_radius(unit) - DEEP_WM_MM)
    lobar = brain & ~deep_wm & (tissue != T.DEEP_GREY)
    region[lobar] = lobe_at(flat[lobar])
    region[deep_wm] = 8
    region[(tissue == T.DEEP_GREY) & _inside(flat, PUTAMEN)] = 3
    region[(tissue == T.DEEP_GREY) & _inside(flat, THALAMUS)] = 4
    return region.reshape(points.shape[:-1])


def truth_regions(study_root: str | Path, participant: str = "sub-01") -> dict[str, int]:
    """Return ``{microbleed id: MARS region}``: the region at each planted microbleed's centre."""
    from processing.phantom.truth import load_truth

    truth = load_truth(study_root, participant)
    anatomy = anatomy_of(truth.record)
    bleeds = truth.lesions_of("microbleed")
    found = region_at(anatomy, np.array([lesion.centre_mm for lesion in bleeds]))
    return {lesion.id: int(value) for lesion, value in zip(bleeds, found, strict=True)}


def write_truth_atlas(study_root: str | Path, participant: str = "sub-01") -> Path:
    """Write the phantom's regions on the reference grid (visit 1's DWI) as the atlas step's map."""
    from processing.fileio import save_nifti, write_provenance
    from processing.location.participant import atlas_file
    from processing.phantom.truth import load_truth

    truth = load_truth(study_root, participant)
    dwi = truth.acquisition(truth.sessions[0], "dwi")
    ijk = np.indices(dwi.shape[:3]).reshape(3, -1).T
    anatomy_from_voxel = np.linalg.inv(dwi.world_from_anatomy) @ dwi.affine
    points = ijk @ anatomy_from_voxel[:3, :3].T + anatomy_from_voxel[:3, 3]
    regions = region_at(anatomy_of(truth.record), points).reshape(dwi.shape[:3])
    out = save_nifti(atlas_file(study_root, participant), regions, dwi.affine)
    write_provenance(
        out,
        "phantom truth: the phantom's analytic MARS regions (processing.phantom.regions)",
        {"deep_wm_mm": DEEP_WM_MM, "mni_from_anatomy": MNI_FROM_ANATOMY.tolist()},
        [],
    )
    return out
