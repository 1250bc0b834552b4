"""Where annotations meet the study's spaces: reference grid and visit transforms.

- The reference grid of a participant is the grid of the first visit's DWI
  (DESIGN section 2: resample "into the first visit's DWI space by default"),
  or of an image the caller names. It is the registration chain's default
  reference space (:mod:`processing.registration.chain`).
- ``reference_from_native`` of a visit's acquisition is the chain's composed
  ``ref_from_<acquisition>`` (:func:`processing.registration.store.ref_from`).
  Before ``ferret process --steps register`` has run it is the identity: the
  scanner's header alignment, right for images of the first visit's DWI
  session and wrong by the head movement for the others.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import nibabel as nib
import numpy as np
from nibabel.spatialimages import SpatialImage

from processing.errors import FerretError
from processing.registration import store
from processing.spaces.grid import Grid
from processing.study.discovery import discover
from processing.study.model import Study, Visit


def grid_of_image(path: str | Path) -> Grid:
    """Return the grid (shape, affine) of a NIfTI file, read from its header only."""
    path = Path(path)
    try:
        # a NIfTI image (as any image nibabel reads here) is spatial: it has a shape and an affine
        image = cast(SpatialImage, nib.load(str(path)))
    except Exception as exc:  # noqa: BLE001 - nibabel raises many kinds for bad files
        raise FerretError(
            f"cannot read this image ({exc}).", path, "check that it is a NIfTI file."
        ) from exc
    return Grid(image.shape[:3], image.affine)


def native_dwi_image(study_root: str | Path, participant: str, visit: str) -> Path | None:
    """Return the visit's DWI NIfTI (the first, sorted by name), or None."""
    folder = Path(study_root) / participant / visit / "dwi"
    found = sorted(folder.glob(f"{participant}_{visit}*_dwi.nii*"))
    return found[0] if found else None


def visits_of(study_root: str | Path, participant: str) -> list[str]:
    """Return the participant's ``ses-`` folders, sorted."""
    return sorted(p.name for p in (Path(study_root) / participant).glob("ses-*") if p.is_dir())


def reference_grid(
    study_root: str | Path, participant: str, reference_image: str | Path | None = None
) -> Grid:
    """Return the participant's reference grid.

    The registration's one rule, unless an image is given.

    Visit 1's DWI if present, else visit 1's anchor (README, "The reference
    space"; :func:`processing.registration.chain.reference_key`).
    """
    from processing.registration.chain import ChainSettings, header_grid, reference_key

    if reference_image is not None:
        return grid_of_image(reference_image)
    study = discover(study_root)
    visits = study.participants[participant].visits if participant in study.participants else []
    if not visits or not visits[0].acquisitions:
        raise FerretError(
            f"no image in the first visit of {participant} to define its reference space.",
            Path(study_root) / participant,
            "name a reference image with --reference, or add the visit's images.",
        )
    return header_grid(visits[0], reference_key(visits[0], ChainSettings()))


def reference_from_native(
    study_root: str | Path,
    participant: str,
    visit: str,
    *,
    grid: Grid | None = None,
    acquisition: str | None = None,
    study: Study | None = None,
) -> np.ndarray:
    """4x4 RAS transform from a visit's native world to the reference world.

    Parameters
    ----------
    study_root, participant, visit : str or Path
        The study and the visit (``sub-XX``, ``ses-YY``).
    grid : Grid, optional
        The grid of the image being placed: the acquisition of the visit with
        exactly this grid gives the transform.
    acquisition : str, optional
        The acquisition key (e.g. ``FLAIR``) whose world the image is in; wins
        over ``grid``. Default: the acquisition matching ``grid``, else the DWI.
    study : Study, optional
        The study already discovered (callers placing many visits discover once).

    Returns
    -------
    ndarray (4, 4)
        ``ref_from_<acquisition>``; the identity while the visit is not registered.
    """
    record = _visit_record(study or discover(study_root), participant, visit)
    if record is None:
        return np.eye(4)
    if acquisition is not None and acquisition not in record.acquisitions:
        raise FerretError(
            f"{participant} {visit} has no acquisition {acquisition!r}.",
            record.path,
            f"use one of {', '.join(sorted(record.acquisitions))}.",
        )
    key = acquisition or _key_with_grid(record, grid) or _dwi_key(record)
    matrix = store.ref_from(record, key) if key else None
    return np.eye(4) if matrix is None else matrix


def _visit_record(study: Study, participant: str, visit: str) -> Visit | None:
    if participant not in study.participants:
        return None
    return next((v for v in study.participants[participant].visits if v.session == visit), None)


def _key_with_grid(visit: Visit, grid: Grid | None) -> str | None:
    if grid is None:
        return None
    for key, acquisition in sorted(visit.acquisitions.items()):
        header = acquisition.files[0].header
        if tuple(header.get_data_shape()[:3]) == tuple(grid.shape) and np.allclose(
            header.get_best_affine(), grid.affine, atol=1e-3
        ):
            return key
    return None


def _dwi_key(visit: Visit) -> str | None:
    return next((key for key in sorted(visit.acquisitions) if key.startswith("dwi")), None)
