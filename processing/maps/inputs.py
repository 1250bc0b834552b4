"""Reading a visit's acquisitions into arrays for the maps.

Every loader returns arrays in the stored orientation (no reorientation: SWI
filters in the acquired plane) with the affine, the voxel size and the list of
files read (for the provenance sidecars). Echoes come from one file per echo
or from one 4-D file (``Acquisition.echoes_in_volumes``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.fileio import load_nifti
from processing.study.model import Acquisition, ImageFile


@dataclass
class Loaded:
    """Image data of one acquisition (or one part of it)."""

    data: np.ndarray
    affine: np.ndarray
    zooms: tuple
    files: list[Path] = field(default_factory=list)


def load_image(image: ImageFile) -> Loaded:
    """One image file as float32 with its affine and voxel size."""
    data, affine, header = load_nifti(image.path, finite=True)
    return Loaded(data, affine, tuple(float(z) for z in header.get_zooms()[:3]), [image.path])


def load_echoes(acq: Acquisition, part: str = "mag") -> Loaded:
    """Return the echoes of a multi-echo acquisition stacked on a last axis (x, y, z, echo).

    Raises
    ------
    FerretError
        When the part is absent or the echoes' grids differ.
    """
    images = acq.part(part)
    if not images:
        raise FerretError(
            f"no part-{part} images in this {acq.kind} acquisition.",
            acq.files[0].path if acq.files else None,
        )
    from processing.study.check_acquisitions import missing_echoes

    for problem in missing_echoes(acq, images)[:1]:
        raise problem
    loaded = [load_image(image) for image in images]
    if len(loaded) == 1:
        only = loaded[0]
        data = only.data if only.data.ndim == 4 else only.data[..., None]
        return Loaded(data, only.affine, only.zooms, only.files)
    first = loaded[0]
    for other in loaded[1:]:
        if other.data.shape != first.data.shape or not np.allclose(
            other.affine, first.affine, atol=1e-3
        ):
            raise FerretError(
                f"echo images differ in grid ({other.data.shape} vs {first.data.shape}).",
                other.files[0],
                "all echoes must share one grid; re-convert the series.",
            )
    return Loaded(
        np.stack([item.data for item in loaded], axis=-1),
        first.affine,
        first.zooms,
        [item.files[0] for item in loaded],
    )


def echo_times_of(acq: Acquisition, override=None) -> list[float]:
    """Echo times (s) from the sidecars, or ``override`` when given (e.g. data without sidecars)."""
    if override is not None:
        return [float(t) for t in override]
    from processing.study.sidecars import echo_times

    return echo_times(acq)


def gradients_of(
    acq: Acquisition, affine: np.ndarray, volumes: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """b-values and unit b-vectors in RAS world axes (from FSL files, see :mod:`gradients`).

    ``volumes`` (the 4D image's) is checked against both files, exactly as ``validate`` does.
    """
    from processing.maps.gradients import fsl_bvecs_to_world, unit_vectors
    from processing.study.gradient_table import read_gradient_table

    bvals, bvecs = read_gradient_table(acq, volumes)
    return bvals, fsl_bvecs_to_world(unit_vectors(bvecs, bvals, acq.bvec), affine)


def inversion_two(acq: Acquisition) -> ImageFile | None:
    """Return the INV2 magnitude image of an MP2RAGE acquisition.

    The best image for a brain mask.
    """
    for image in acq.files:
        if image.entities.get("inv") == "2" and image.entities.get("part", "mag") == "mag":
            return image
    return None
