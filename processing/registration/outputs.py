"""Writing images into the reference space and masks back into native grids.

Names: an image ``sub-01_ses-03_<rest>`` of visit ses-03 becomes
``sub-01_ses-03_space-ref_<rest>`` in the same derivative datatype folder
(e.g. ``anat/sub-01_ses-03_space-ref_R2starmap.nii.gz``), with a provenance
sidecar listing the image and the ``to-ref`` transform it went through.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from processing.fileio import load_nifti, save_nifti, write_provenance
from processing.registration.chain import ChainResult
from processing.registration.resample import (Grid, resample_image, resample_mask_fraction,
                                              resample_mask_nearest)
from processing.study.model import Visit

#: Derived map suffix -> the acquisition kind whose grid it lies on.
SOURCE_KIND = {"R2starmap": "MEGRE", "T2starmap": "MEGRE", "S0map": "MEGRE", "GRE": "MEGRE",
               "R1map": "UNIT1", "T1map": "UNIT1", "R2map": "MESE", "T2map": "MESE",
               "trace": "dwi", "dwimap": "dwi"}


def space_ref_name(visit: Visit, source: Path) -> str:
    """The name (without the visit prefix) of ``source`` resampled into the reference space."""
    name = source.name
    prefix = visit.prefix + "_"
    return "space-ref_" + (name[len(prefix):] if name.startswith(prefix) else name)


def write_in_reference(visit: Visit, source: Path, key: str, chain: ChainResult, *, order: int = 1,
                       datatype: str = "anat") -> Path:
    """Resample one image of acquisition ``key`` of ``visit`` into the reference grid and save it."""
    data, affine, _ = load_nifti(source)
    matrix = chain.ref_from[(visit.session, key)]
    out = visit.derivative(space_ref_name(visit, source), datatype)
    save_nifti(out, resample_image(data, affine, chain.reference, matrix, order=order), chain.reference.affine)
    write_provenance(out, "resampling into the reference space", {"order": order, "reference": chain.reference_source},
                     [source, chain.ref_paths[(visit.session, key)]], MatrixRAS=matrix.tolist())
    return out


def mask_to_native(mask: np.ndarray, chain: ChainResult, visit: Visit, key: str, native: Grid, *,
                   mode: str = "nearest") -> np.ndarray:
    """A mask drawn in the reference grid, on acquisition ``key``'s native grid.

    ``mode`` is ``nearest`` (labels kept) or ``fraction`` (coverage 0..1).
    """
    acq_from_ref = np.linalg.inv(chain.ref_from[(visit.session, key)])
    if mode == "fraction":
        return resample_mask_fraction(mask, chain.reference.affine, native, acq_from_ref)
    return resample_mask_nearest(mask, chain.reference.affine, native, acq_from_ref)


def mask_to_reference(mask: np.ndarray, affine: np.ndarray, chain: ChainResult, visit: Visit, key: str, *,
                      mode: str = "nearest") -> np.ndarray:
    """A mask drawn on acquisition ``key``'s native grid, on the reference grid."""
    matrix = chain.ref_from[(visit.session, key)]
    if mode == "fraction":
        return resample_mask_fraction(mask, affine, chain.reference, matrix)
    return resample_mask_nearest(mask, affine, chain.reference, matrix)


def resample_visit(visit: Visit, chain: ChainResult, *, order: int = 1) -> list[Path]:
    """Write every derived map of the visit (known suffixes) and the anatomical images into the reference."""
    written = []
    anchor = chain.anchors[visit.session]
    for name, path in sorted(getattr(visit, "derived", {}).items()):
        suffix = name.split(".")[0].rsplit("_", 1)[-1]
        kind = SOURCE_KIND.get(suffix)
        key = anchor if kind == "UNIT1" else kind
        if name.startswith("space-ref") or key not in visit.acquisitions:
            continue
        written.append(write_in_reference(visit, path, key, chain, order=order, datatype=path.parent.name))
    for key in ("FLAIR", "T1w", "T2w", anchor):
        if key in visit.acquisitions:
            from processing.registration.volumes import representative_file

            source = representative_file(visit.acquisitions[key]).path
            written.append(write_in_reference(visit, source, key, chain, order=order))
    return list(dict.fromkeys(written))
