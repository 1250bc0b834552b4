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
from processing.registration.resample import (
    resample_image,
    resample_mask_fraction,
    resample_mask_nearest,
)
from processing.registration.store import is_cached
from processing.registration.volumes import representative_file
from processing.spaces.grid import Grid
from processing.study.model import Visit

#: Derived map suffix -> the acquisitions (first present) on whose grid the maps package writes it.
SOURCE_KINDS = {
    "R2starmap": ("MEGRE",),
    "T2starmap": ("MEGRE",),
    "S0map": ("MEGRE",),
    "GRE": ("MEGRE",),
    "R1map": ("UNIT1", "T1map"),
    "T1map": ("UNIT1", "T1map"),
    "R2map": ("MESE",),
    "T2map": ("MESE",),
    "trace": ("dwi",),
    "dwimap": ("dwi",),
}
#: Brain masks without a ``space-`` entity: by datatype folder (anat: the MP2RAGE inv-2 grid).
MASK_KINDS = {"anat": ("MP2RAGE", "UNIT1", "T1map"), "dwi": ("dwi",)}
#: Raw images written into the reference space beside the maps (the anchor is added).
ANATOMICAL = ("FLAIR", "T1w", "T2w")


def space_ref_name(visit: Visit, source: Path) -> str:
    """Return the name (without the visit prefix) of ``source`` resampled into the reference space.

    ``R2starmap.nii.gz`` -> ``space-ref_R2starmap.nii.gz``; a ``space-<X>``
    entity becomes part of the description so names stay unique
    (``space-MEGRE_desc-brain_mask`` -> ``space-ref_desc-brainMEGRE_mask``).
    """
    name = source.name
    prefix = visit.prefix + "_"
    name = name[len(prefix) :] if name.startswith(prefix) else name
    entities = name.split("_")
    space = next((e[6:] for e in entities if e.startswith("space-")), None)
    if space:
        entities = [e for e in entities if not e.startswith("space-")]
        entities = [e + space if e.startswith("desc-") else e for e in entities]
        if not any(e.startswith("desc-") for e in entities):
            entities.insert(0, f"desc-{space}")
    return "space-ref_" + "_".join(entities)


#: Maps kept on their own grid: vectors (which resampling would have to reorient) and the eigenvalues.
NATIVE_ONLY = frozenset({"param-v1", "param-colorfa", "param-l1", "param-l2", "param-l3"})


def source_key(visit: Visit, path: Path) -> str | None:
    """Return the acquisition on whose grid a derivative of the maps package lies.

    None: not resampled.
    """
    entities = path.name.split(".")[0].split("_")
    if NATIVE_ONLY.intersection(entities):
        return None
    space = next((e[6:] for e in entities if e.startswith("space-")), None)
    if space:
        return space if space != "ref" and space in visit.acquisitions else None
    kinds = (
        MASK_KINDS.get(path.parent.name, ())
        if entities[-1] == "mask"
        else SOURCE_KINDS.get(entities[-1], ())
    )
    return next((kind for kind in kinds if kind in visit.acquisitions), None)


def write_in_reference(
    visit: Visit,
    source: Path,
    key: str,
    chain: ChainResult,
    *,
    order: int = 1,
    datatype: str = "anat",
) -> Path:
    """Resample one image of acquisition ``key`` of ``visit`` into the reference grid and save it.

    Masks (``_mask`` suffix) use nearest neighbour whatever ``order`` is.
    Skipped (returns the existing output) when its sidecar lists the same
    inputs with the same checksums and the same parameters.
    """
    is_mask = source.name.split(".")[0].endswith("_mask")
    order = 0 if is_mask else order
    matrix = chain.ref_from[(visit.session, key)]
    out = visit.derivative(space_ref_name(visit, source), datatype)
    inputs = [source, chain.ref_paths[(visit.session, key)]]
    parameters = {"order": order, "reference": chain.reference_source}
    if out.exists() and is_cached(out, parameters, inputs, root=visit.study_root):
        return out
    data, affine, _ = load_nifti(source, dtype=None)
    if is_mask:
        resampled = resample_mask_nearest(
            np.asarray(data) > 0, affine, chain.reference, matrix
        ).astype(np.uint8)
    else:
        resampled = resample_image(data, affine, chain.reference, matrix, order=order)
    save_nifti(out, resampled, chain.reference.affine)
    write_provenance(
        out,
        "resampling into the reference space",
        parameters,
        inputs,
        MatrixRAS=matrix.tolist(),
        Direction="MatrixRAS is ref_from_source: RAS mm of the source image's world to the "
        "reference grid's world",
    )
    return out


def mask_to_native(
    mask: np.ndarray,
    chain: ChainResult,
    visit: Visit,
    key: str,
    native: Grid,
    *,
    mode: str = "nearest",
) -> np.ndarray:
    """Return a mask drawn in the reference grid, on acquisition ``key``'s native grid.

    ``mode`` is ``nearest`` (labels kept) or ``fraction`` (coverage 0..1).
    """
    acq_from_ref = np.linalg.inv(chain.ref_from[(visit.session, key)])
    if mode == "fraction":
        return resample_mask_fraction(mask, chain.reference.affine, native, acq_from_ref)
    return resample_mask_nearest(mask, chain.reference.affine, native, acq_from_ref)


def mask_to_reference(
    mask: np.ndarray,
    affine: np.ndarray,
    chain: ChainResult,
    visit: Visit,
    key: str,
    *,
    mode: str = "nearest",
) -> np.ndarray:
    """Return a mask drawn on acquisition ``key``'s native grid, on the reference grid."""
    matrix = chain.ref_from[(visit.session, key)]
    if mode == "fraction":
        return resample_mask_fraction(mask, affine, chain.reference, matrix)
    return resample_mask_nearest(mask, affine, chain.reference, matrix)


def resample_visit(visit: Visit, chain: ChainResult, *, order: int = 1) -> list[Path]:
    """Write the visit's maps, brain masks and anatomical images into the reference space.

    Maps are found in the visit's derivative folders (``anat/``, ``dwi/``);
    each goes through its source acquisition's ``to-ref`` transform
    (:func:`source_key`). Outputs already up to date are not rewritten.
    """
    written = []
    folder = visit.derivative("x", "anat").parent.parent
    for datatype in ("anat", "dwi"):
        for path in sorted((folder / datatype).glob(f"{visit.prefix}_*.nii*")):
            key = source_key(visit, path)
            if "_space-ref_" in path.name or key is None:
                continue
            written.append(
                write_in_reference(visit, path, key, chain, order=order, datatype=datatype)
            )
    anchor = chain.anchors[visit.session]
    for key in dict.fromkeys(ANATOMICAL + (anchor,)):
        if key in visit.acquisitions:
            source = representative_file(visit.acquisitions[key]).path
            written.append(write_in_reference(visit, source, key, chain, order=order))
    return written
