"""The shipped MARS atlas and the MNI T1 template it is registered through.

The atlas (``resources/atlases/mars/mars_regions_mni152.nii.gz``, MIT licence
beside it) is the MARS region map of the microbleed-size-counting repository
(Sundaresan et al.) on the FSL MNI152 1 mm grid (182 x 218 x 182). The
original stores ``value = region**2`` as scaled int16; Ferret ships it converted
once to uint8 region numbers ``round(sqrt(value))`` (1-13, 0 outside), which a
test checks against the original file.

The template is the ICBM152 2009a nonlinear symmetric T1 (skull-stripped,
1 mm) that the nilearn wheel ships inside itself, with nilearn's brain mask
(template > 0.2). Both are in MNI world millimetres, on different grids: the
registration works in world coordinates, so the grids need not match.
Nothing is downloaded: nilearn loads these files from its own package data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from processing.errors import FerretError

ATLAS_NAME = "mars_regions_mni152.nii.gz"
#: Template identifier, as the outputs' sidecars and transform names carry it.
TEMPLATE = "MNI152NLin2009aSym"


@dataclass(frozen=True)
class Volume:
    """A 3D array with its RAS voxel-to-world affine."""

    data: np.ndarray
    affine: np.ndarray


def atlas_path() -> Path:
    """Return the shipped MARS atlas file."""
    from resources import resource_path

    return resource_path("atlases", "mars", ATLAS_NAME)


def load_atlas(path: str | Path | None = None) -> Volume:
    """Return the MARS region numbers (uint8, 0-13) on their MNI grid.

    Raises
    ------
    FerretError
        The file is missing or damaged, or holds values that are no MARS region.
    """
    from processing.fileio import load_nifti

    path = Path(path) if path is not None else atlas_path()
    if not path.is_file():
        raise FerretError(
            "the MARS atlas is missing from Ferret's installation.",
            path,
            "reinstall Ferret (pip install --force-reinstall ferret).",
        )
    data, affine, _ = load_nifti(path, dtype=None)
    data = np.asarray(data)
    if data.ndim != 3 or data.dtype != np.uint8 or int(data.max()) > 13:
        raise FerretError(
            "this is not the MARS region map (3D uint8, values 0-13).",
            path,
            "reinstall Ferret (pip install --force-reinstall ferret).",
        )
    return Volume(data, affine)


def regions_from_original(values: np.ndarray) -> np.ndarray:
    """Return region numbers from the original map's values (``round(sqrt(value))``).

    >>> regions_from_original(np.array([0.0, 1.0006, 3.9997, 168.99]))
    array([ 0,  1,  2, 13], dtype=uint8)
    """
    return np.round(np.sqrt(np.clip(values, 0, None))).astype(np.uint8)


def load_template() -> tuple[Volume, np.ndarray]:
    """Return the ICBM152 2009a T1 template (float32, 0..1) and its brain mask (bool).

    Raises
    ------
    FerretError
        nilearn is not installed.
    """
    try:
        from nilearn.datasets import load_mni152_brain_mask, load_mni152_template
    except ImportError as exc:
        raise FerretError(
            f"the MNI template needs nilearn, which cannot be imported ({exc}).",
            None,
            "install Ferret's dependencies again: pip install 'nilearn>=0.10'.",
        ) from exc
    template = load_mni152_template(resolution=1)
    mask = load_mni152_brain_mask(resolution=1)
    data = np.asarray(template.get_fdata(dtype=np.float32))
    return Volume(data, template.affine.copy()), np.asarray(mask.dataobj) > 0
