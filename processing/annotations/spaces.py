"""Where annotations meet the study's spaces: reference grid and visit transforms.

This module is the single plug-in point for the registration chain
(``processing.registration``). Until that chain provides them:

- the reference grid of a participant is the grid of the first visit's DWI
  (DESIGN section 2: resample "into the first visit's DWI space by default"),
  or of an image the caller names;
- ``reference_from_native`` of a visit is the identity, i.e. the visit's images
  are taken to share the scanner world of the reference. Masks from other tools
  in another grid of the same world are therefore placed correctly; masks of a
  visit that moved between sessions need the registration's transform here.
"""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np

from processing.annotations.grid import Grid
from processing.errors import FerretError


def grid_of_image(path: str | Path) -> Grid:
    """The grid (shape, affine) of a NIfTI file, read from its header only."""
    path = Path(path)
    try:
        image = nib.load(str(path))
    except Exception as exc:  # noqa: BLE001 - nibabel raises many kinds for bad files
        raise FerretError(f"cannot read this image ({exc}).", path, "check that it is a NIfTI file.") from exc
    return Grid(image.shape[:3], image.affine)


def native_dwi_image(study_root: str | Path, participant: str, visit: str) -> Path | None:
    """The visit's DWI NIfTI (the first, sorted by name), or None."""
    folder = Path(study_root) / participant / visit / "dwi"
    found = sorted(folder.glob(f"{participant}_{visit}*_dwi.nii*"))
    return found[0] if found else None


def visits_of(study_root: str | Path, participant: str) -> list[str]:
    """The participant's ``ses-`` folders, sorted."""
    return sorted(p.name for p in (Path(study_root) / participant).glob("ses-*") if p.is_dir())


def reference_grid(study_root: str | Path, participant: str, reference_image: str | Path | None = None) -> Grid:
    """The participant's reference grid (first visit's DWI unless an image is given)."""
    if reference_image is not None:
        return grid_of_image(reference_image)
    for visit in visits_of(study_root, participant):
        dwi = native_dwi_image(study_root, participant, visit)
        if dwi is not None:
            return grid_of_image(dwi)
    raise FerretError(f"no DWI found to define the reference space of {participant}.",
                      Path(study_root) / participant,
                      "name a reference image with --reference, or add the visit's DWI.")


def reference_from_native(study_root: str | Path, participant: str, visit: str) -> np.ndarray:
    """4x4 RAS transform from a visit's native world to the reference world.

    Registration plug-in point: identity until ``processing.registration``
    provides the composed chain (modality -> MP2RAGE_v -> MP2RAGE_1 -> DWI_1).
    """
    return np.eye(4)
