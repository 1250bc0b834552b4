"""Import of lesion masks made elsewhere (ITK-SNAP, FSLeyes, automated detectors).

The mask may be on any grid the registrations can place: it is resampled by
nearest neighbour into the participant's reference grid through
``reference_from_native`` of its visit (:mod:`processing.annotations.spaces`,
the registration plug-in point), and each connected component becomes a new
lesion of the given type with a fresh, stable ID. Voxels already labelled by
the rater keep their lesion.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from processing.annotations import spaces
from processing.annotations.editing import components_as_lesions
from processing.annotations.grid import Grid, resample_labels
from processing.annotations.schema import LESION_TYPES
from processing.annotations.workspace import RaterWorkspace
from processing.errors import FerretError
from processing.fileio import load_nifti


def import_mask(study_root: str | Path, rater: str, participant: str, visit: str, lesion_type: str,
                mask_path: str | Path, *, reference_image: str | Path | None = None) -> list[int]:
    """Add every connected component of a mask as a lesion; return the new lesion IDs.

    Raises
    ------
    FerretError
        Unknown participant, visit or type, unreadable mask, or a mask that
        falls entirely outside the reference grid.
    """
    study_root, mask_path = Path(study_root), Path(mask_path)
    _check_target(study_root, participant, visit, lesion_type)
    data, affine, _ = load_nifti(mask_path, dtype=None)
    data = np.squeeze(np.asarray(data))
    if data.ndim != 3:
        raise FerretError(f"a lesion mask must be a 3D image, this one has shape {data.shape}.", mask_path,
                          "export one volume (one mask) per file.")
    with RaterWorkspace(study_root, rater) as workspace:
        existing = (workspace.folder / participant).exists()
        grid = None if existing else spaces.reference_grid(study_root, participant, reference_image)
        session = workspace.open_session(participant, grid, lesion_type=lesion_type, visit=visit)
        session.origin = f"import:{mask_path.name}"
        transform = spaces.reference_from_native(study_root, participant, visit)
        placed = resample_labels((data > 0).astype(np.int32), Grid(data.shape, affine),
                                 session.labels.grid, transform)
        if not placed.any():
            raise FerretError("the mask has no voxel inside the participant's reference space.", mask_path,
                              "check that the mask belongs to this participant and visit.")
        _, new_ids = components_as_lesions(placed, session.labels)
    return new_ids


def _check_target(study_root: Path, participant: str, visit: str, lesion_type: str) -> None:
    if lesion_type not in LESION_TYPES:
        raise FerretError(f"unknown lesion type {lesion_type!r}.", None, f"use one of {', '.join(LESION_TYPES)}.")
    if not (study_root / participant).is_dir():
        raise FerretError(f"participant {participant} is not in this study.", study_root,
                          "check the --participant label (e.g. sub-01).")
    if not (study_root / participant / visit).is_dir():
        raise FerretError(f"visit {visit} of {participant} is not in this study.", study_root / participant,
                          "check the --visit label (e.g. ses-01).")
