"""Import of lesion masks made elsewhere (ITK-SNAP, FSLeyes, automated detectors).

The mask may be on any grid the registrations can place: it is resampled by
nearest neighbour into the participant's reference grid through
``reference_from_native`` of its visit (:mod:`processing.spaces.reference`:
the registration chain's transform of the acquisition whose grid the mask
shares, or of the one named, else of the visit's DWI), and each connected component becomes a new
lesion of the given type with a fresh, stable ID. Voxels already labelled by
the rater keep their lesion.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from processing.annotations.editing import components_as_lesions
from processing.annotations.grid import resample_labels
from processing.annotations.schema import LESION_TYPES
from processing.annotations.workspace import RaterWorkspace, rater_folder
from processing.errors import FerretError
from processing.fileio import load_nifti
from processing.spaces import reference
from processing.spaces.grid import Grid


def import_mask(
    study_root: str | Path,
    rater: str,
    participant: str,
    visit: str,
    lesion_type: str,
    mask_path: str | Path,
    *,
    reference_image: str | Path | None = None,
    acquisition: str | None = None,
) -> list[int]:
    """Add every connected component of a mask as a lesion; return the new lesion IDs.

    Raises
    ------
    FerretError
        Unknown participant, visit or type, an unreadable, 4D or empty mask,
        or a mask that falls entirely outside the reference grid; nothing is
        written then (a participant new to the rater gets no folder).
    """
    study_root, mask_path = Path(study_root), Path(mask_path)
    _check_target(study_root, participant, visit, lesion_type)
    data, affine = _read_mask(mask_path)
    transform = reference.reference_from_native(
        study_root, participant, visit, grid=Grid(data.shape, affine), acquisition=acquisition
    )
    if not (
        rater_folder(study_root, rater) / participant
    ).exists():  # check before creating anything
        _placed(
            data,
            affine,
            reference.reference_grid(study_root, participant, reference_image),
            transform,
            mask_path,
        )
    with RaterWorkspace(study_root, rater) as workspace:
        existing = (workspace.folder / participant).exists()
        grid = (
            None if existing else reference.reference_grid(study_root, participant, reference_image)
        )
        session = workspace.open_session(participant, grid, lesion_type=lesion_type, visit=visit)
        session.origin = f"import:{mask_path.name}"
        placed = _placed(data, affine, session.labels.grid, transform, mask_path)
        _, new_ids = components_as_lesions(placed, session.labels)
    return new_ids


def _read_mask(mask_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Return the mask as a 3D boolean array and its affine; an empty or 4D mask is an error."""
    data, affine, _ = load_nifti(mask_path, dtype=None)
    data = np.squeeze(np.asarray(data))
    if data.ndim != 3:
        raise FerretError(
            f"a lesion mask must be a 3D image, this one has shape {data.shape}.",
            mask_path,
            "export one volume (one mask) per file.",
        )
    mask = data > 0
    if not mask.any():
        raise FerretError(
            "the mask is empty: it has no voxel above 0.",
            mask_path,
            "check that you saved the segmentation, not the background image.",
        )
    return mask, affine


def _placed(
    mask: np.ndarray, affine: np.ndarray, grid: Grid, transform: np.ndarray, mask_path: Path
) -> np.ndarray:
    """Return the mask resampled into the reference grid; an error when nothing lands inside it."""
    placed = resample_labels(mask.astype(np.int32), Grid(mask.shape, affine), grid, transform)
    if not placed.any():
        raise FerretError(
            "the mask has no voxel inside the participant's reference space.",
            mask_path,
            "check that the mask belongs to this participant and visit.",
        )
    return placed


def _check_target(study_root: Path, participant: str, visit: str, lesion_type: str) -> None:
    if lesion_type not in LESION_TYPES:
        raise FerretError(
            f"unknown lesion type {lesion_type!r}.", None, f"use one of {', '.join(LESION_TYPES)}."
        )
    if not (study_root / participant).is_dir():
        raise FerretError(
            f"participant {participant} is not in this study.",
            study_root,
            "check the --participant label (e.g. sub-01).",
        )
    if not (study_root / participant / visit).is_dir():
        raise FerretError(
            f"visit {visit} of {participant} is not in this study.",
            study_root / participant,
            "check the --visit label (e.g. ses-01).",
        )
