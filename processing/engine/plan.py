"""What each pipeline step of a visit or participant reads and writes, known before it runs.

The engine caches a job by its declared inputs and outputs, so every step's
files are listed here from the study's layout alone (file names, the .bval
file, image headers), without computing anything:

* :func:`map_step_files`: one maps step (``MEGRE``, ``DWI``, ``R1``, ``R2``)
  of :func:`processing.maps.compute_visit_maps`;
* :func:`link_files`, :func:`compose_files`: one registration link
  (:func:`processing.registration.chain.register_link`) and one visit's
  composed ``to-ref`` transforms (:func:`~processing.registration.chain.compose_visit`);
* :func:`map_resample_items`, :func:`anatomical_resample_items`: images of a visit resampled into the reference
  space (:func:`processing.registration.outputs.write_in_reference`).

Every output's JSON provenance sidecar is an output too (:func:`with_sidecars`).
"""

from __future__ import annotations

from pathlib import Path

from processing.fileio.provenance import sidecar_path
from processing.maps.gradients import group_shells
from processing.maps.trace import weighted_shells
from processing.registration import store
from processing.registration.chain import (
    ChainSettings,
    PairTask,
    anchor_key,
    reference_link_key,
    visit_links,
)
from processing.registration.outputs import ANATOMICAL, source_key, space_ref_name
from processing.registration.volumes import representative_file, volume_key
from processing.study.model import Acquisition, Participant, Visit

#: Maps step -> the acquisitions it needs (any of them), as in :data:`processing.maps.steps.STEPS`.
MAP_STEP_KINDS = {"MEGRE": ("MEGRE",), "DWI": ("dwi",), "R1": ("UNIT1", "T1map"), "R2": ("MESE",)}


def with_sidecars(paths: list[Path]) -> list[Path]:
    """``paths`` followed by their provenance sidecars (``a.nii.gz`` -> ``a.json``)."""
    return list(paths) + [sidecar_path(p) for p in paths]


def acquisition_files(acq: Acquisition) -> list[Path]:
    """Every file of an acquisition: images, JSON sidecars, .bval and .bvec."""
    files = [image.path for image in acq.files]
    files += [
        image.sidecar for image in acq.files if image.sidecar is not None and image.sidecar.exists()
    ]
    files += [p for p in (acq.bval, acq.bvec) if p is not None and Path(p).exists()]
    return files


def map_steps_of(visit: Visit) -> list[str]:
    """Return the maps steps whose acquisitions exist in ``visit``."""
    return [
        step
        for step, kinds in MAP_STEP_KINDS.items()
        if any(k in visit.acquisitions for k in kinds)
    ]


def map_step_files(visit: Visit, step: str) -> tuple[list[Path], list[Path]]:
    """Return ``(inputs, images)`` of one maps step; ``images`` are the NIfTI outputs (no sidecars).

    Raises
    ------
    FerretError
        When the outputs cannot be known (e.g. an unreadable .bval file).
    """
    acqs = visit.acquisitions
    if step == "MEGRE":
        names = ["space-MEGRE_desc-brain_mask", "R2starmap", "T2starmap", "S0map"]
        names += ["desc-swi_GRE", "desc-swiminip_GRE"] if acqs["MEGRE"].part("phase") else []
        return acquisition_files(acqs["MEGRE"]), [visit.derivative(f"{n}.nii.gz") for n in names]
    if step == "DWI":
        return acquisition_files(acqs["dwi"]), _dwi_outputs(visit)
    if step == "R2":
        names = ["space-MESE_desc-brain_mask", "R2map", "T2map"]
        return acquisition_files(acqs["MESE"]), [visit.derivative(f"{n}.nii.gz") for n in names]
    if step == "R1":
        return _r1_files(visit)
    raise ValueError(f"unknown maps step {step!r}")


def _dwi_outputs(visit: Visit) -> list[Path]:
    from processing.study.gradient_table import read_gradient_table

    bvals, _ = read_gradient_table(visit.acquisitions["dwi"])
    names = ["desc-brain_mask"] + [
        f"desc-{s.label}_trace" for s in weighted_shells(group_shells(bvals))
    ]
    names += [
        f"model-tensor_param-{p}_dwimap" for p in ("md", "fa", "l1", "l2", "l3", "v1", "colorfa")
    ]
    return [visit.derivative(f"{n}.nii.gz", "dwi") for n in names]


def _r1_files(visit: Visit) -> tuple[list[Path], list[Path]]:
    acqs = visit.acquisitions
    maps = [visit.derivative("R1map.nii.gz"), visit.derivative("T1map.nii.gz")]
    if "UNIT1" not in acqs:
        return acquisition_files(acqs["T1map"]), maps
    inputs = acquisition_files(acqs["UNIT1"])
    if "MP2RAGE" in acqs:
        inputs += acquisition_files(acqs["MP2RAGE"])
        if any(
            f.entities.get("inv") == "2" and f.entities.get("part", "mag") == "mag"
            for f in acqs["MP2RAGE"].files
        ):
            maps.insert(0, visit.derivative("desc-brain_mask.nii.gz"))
    return inputs, maps


def link_files(task: PairTask) -> tuple[list[Path], list[Path]]:
    """Return ``(inputs, outputs)`` of one registration link.

    The two registered images, its transform and sidecar.

    A DWI is registered by its b=0 mean, so its .bval is an input too.
    """
    inputs = []
    for visit, key in (task.fixed, task.moving):
        acq = visit.acquisitions[volume_key(visit, key)]
        inputs.append(representative_file(acq).path)
        if acq.kind == "dwi" and acq.bval is not None:
            inputs.append(Path(acq.bval))
    return list(dict.fromkeys(inputs)), with_sidecars([task.path])


def compose_files(
    participant: Participant, visit: Visit, settings: ChainSettings, tasks: list[PairTask]
) -> tuple[list[Path], list[Path]]:
    """Return ``(inputs, outputs)`` of a visit's composition.

    The inputs are its links' transforms and the reference grid's header, the
    outputs the ``to-ref`` transforms of every acquisition of the visit.
    """
    links = with_sidecars([task.path for task in visit_links(participant, visit, settings, tasks)])
    inputs = links + reference_inputs(participant, settings)
    return list(dict.fromkeys(inputs)), to_ref_files(visit, visit.acquisitions)


def reference_inputs(participant: Participant, settings: ChainSettings) -> list[Path]:
    """Files that define the reference grid (header) and its link to the first anchor."""
    first = participant.visits[0]
    anchor = anchor_key(first, settings)
    if (ref_link := reference_link_key(first, settings)) is not None:
        link = store.xfm_path(first, ref_link[1], anchor)
        return [representative_file(first.acquisitions[ref_link[1]]).path, sidecar_path(link)]
    return [representative_file(first.acquisitions[anchor]).path]


def map_resample_items(visit: Visit, images: list[Path]) -> list[tuple[Path, str, str, Path]]:
    """``(source, acquisition key, datatype, output)`` for maps going into the reference space.

    Maps of no known source acquisition
    (:func:`~processing.registration.outputs.source_key`) are left out.
    """
    items = []
    for image in images:
        key = source_key(visit, image)
        if key is not None:
            datatype = image.parent.name
            items.append(
                (image, key, datatype, visit.derivative(space_ref_name(visit, image), datatype))
            )
    return items


def anatomical_resample_items(
    visit: Visit, settings: ChainSettings
) -> list[tuple[Path, str, str, Path]]:
    """Return the same for raw anatomical images.

    FLAIR, T1w, T2w and the visit's anchor (as ``resample_visit``).
    """
    anchor = anchor_key(visit, settings)
    items = []
    for key in dict.fromkeys(ANATOMICAL + (anchor,)):
        if key in visit.acquisitions:
            source = representative_file(visit.acquisitions[key]).path
            items.append(
                (source, key, "anat", visit.derivative(space_ref_name(visit, source), "anat"))
            )
    return items


def to_ref_files(visit: Visit, keys) -> list[Path]:
    """Return the composed ``to-ref`` transforms (ITK file and sidecar) of the given acquisitions."""
    return with_sidecars([store.xfm_path(visit, key, "ref") for key in dict.fromkeys(keys)])
