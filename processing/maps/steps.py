"""One function per acquisition kind: read inputs, fit, write derivatives.

Each step takes the visit, the :class:`MapOptions`, a
:class:`~processing.maps.outputs.MapWriter` and a progress object. A
:class:`~processing.errors.FerretError` raised by a step is recorded as a
skip with its message by the pipeline; other acquisitions still run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from processing.errors import FerretError
from processing.maps import inputs as io
from processing.maps.gradients import group_shells, world_to_fsl_bvecs
from processing.maps.mask import brain_mask
from processing.maps.phase import units_from_sidecar
from processing.maps.r1 import R1Model, r1_from_t1map
from processing.maps.r2 import R2Model
from processing.maps.r2star import R2starModel, applicable_method
from processing.maps.swi import SWIModel, minimum_intensity_projection
from processing.maps.tensor import TensorModel
from processing.maps.trace import shell_trace, tensor_volumes, weighted_shells


@dataclass
class MapOptions:
    """Every setting of the maps pipeline (recorded in the provenance sidecars)."""

    r2star_method: str = "trapezoid"
    r2star_clip: bool = True
    megre_echo_times: tuple | None = None
    swi_mask_sign: str = "negative"
    swi_power: int = 4
    swi_minip_slab: int = 4
    phase_units: str = "auto"
    tensor_method: str = "ols"
    r2_method: str = "nonlinear"
    r2_offset: bool = False
    r2_drop_first_echo: bool = True
    mese_echo_times: tuple | None = None
    mp2rage_parameters: dict | None = None


def _mask_for(loaded, volume, writer, key, name, datatype, provided=None):
    if provided is not None:
        mask = np.asarray(provided, dtype=bool)
        if mask.shape != volume.shape:
            raise FerretError(
                f"the provided {key} has shape {mask.shape}, the image {volume.shape}."
            )
    else:
        mask = brain_mask(volume, loaded.zooms)
    writer.write_mask(
        key,
        name,
        mask,
        loaded.affine,
        source=loaded.files[0],
        datatype=datatype,
        provided=provided is not None,
    )
    return mask


def megre_step(visit, options: MapOptions, writer, progress, masks):
    """R2*, T2*, S0, SWI (+ minIP) and the GRE-space brain mask."""
    acq = visit.acquisitions["MEGRE"]
    mag = io.load_echoes(acq, "mag")
    te = io.echo_times_of(acq, options.megre_echo_times)
    mask = _mask_for(
        mag,
        mag.data[..., 0],
        writer,
        "mask_MEGRE",
        "space-MEGRE_desc-brain_mask.nii.gz",
        "anat",
        masks.get("MEGRE"),
    )
    progress.update(0.2, "R2*")
    method, fallback = applicable_method(options.r2star_method, te)
    fit = R2starModel(tuple(te), method, options.r2star_clip).fit(mag.data, mask)
    params = {
        "method": method,
        "clip": options.r2star_clip,
        "echo_times_s": te,
        "t2star_clip_s": [min(te) / 20, 20 * max(te)],
    }
    if fallback:
        params.update(requested_method=options.r2star_method, warning=fallback)
    for key, name, data in (
        ("R2starmap", "R2starmap.nii.gz", fit.r2star),
        ("T2starmap", "T2starmap.nii.gz", fit.t2star),
        ("S0map", "S0map.nii.gz", fit.s0),
    ):
        writer.write(
            key, name, data, mag.affine, method=f"R2* {method}", parameters=params, inputs=mag.files
        )
    progress.update(0.5, "SWI")
    progress.check()
    if not acq.part("phase"):
        writer.report.skipped["SWI"] = "the MEGRE has no part-phase images"
        return
    phase = io.load_echoes(acq, "phase")
    units, units_source = _phase_units(acq, options.phase_units)
    model = SWIModel(options.swi_mask_sign, options.swi_power, phase_units=units)
    swi = model.fit(mag.data, phase.data)
    swi_params = {
        "phase_mask": options.swi_mask_sign,
        "power": options.swi_power,
        "kernel": "12x12 Hamming",
        "phase_units": swi.phase_note,
        "phase_units_setting": units_source,
    }
    writer.report.notes.append(f"SWI phase: {swi.phase_note}")
    writer.write(
        "SWI",
        "desc-swi_GRE.nii.gz",
        swi.swi,
        mag.affine,
        method="SWI (Haacke), mean over echoes",
        parameters=swi_params,
        inputs=mag.files + phase.files,
    )
    writer.write(
        "SWI_minIP",
        "desc-swiminip_GRE.nii.gz",
        minimum_intensity_projection(swi.swi, slab=options.swi_minip_slab),
        mag.affine,
        method="SWI minimum-intensity projection (sliding, third axis)",
        parameters={**swi_params, "slab_slices": options.swi_minip_slab},
        inputs=mag.files + phase.files,
    )


def _phase_units(acq, setting):
    """Return the phase units to use and where they came from.

    The option, the sidecar's Units, or auto.
    """
    if setting != "auto":
        return setting, f"phase_units={setting} (explicit)"
    sidecar = units_from_sidecar(acq.part("phase")[0].metadata)
    if sidecar is not None:
        return sidecar, f"sidecar Units={acq.part('phase')[0].metadata.get('Units')!r}"
    return (
        "auto",
        "auto: radians when values lie within [-pi, pi], else scanner integers or observed range",
    )


def dwi_step(visit, options: MapOptions, writer, progress, masks):
    """Trace per shell, MD and FA (tensor on b=0 + inner shell), DWI-space brain mask."""
    acq = visit.acquisitions["dwi"]
    dwi = io.load_image(acq.files[0])
    if dwi.data.ndim != 4:
        raise FerretError(f"the DWI must be 4-D; got shape {dwi.data.shape}.", dwi.files[0])
    bvals, bvecs = io.gradients_of(acq, dwi.affine, volumes=dwi.data.shape[3])
    shells = group_shells(bvals)
    volumes = tensor_volumes(shells, dwi.files[0])
    b0 = shell_trace(dwi.data, shells[0])
    mask = _mask_for(dwi, b0, writer, "mask_dwi", "desc-brain_mask.nii.gz", "dwi", masks.get("dwi"))
    inputs = dwi.files + [acq.bval, acq.bvec]
    for shell in weighted_shells(shells):
        writer.write(
            f"trace_{shell.label}",
            f"desc-{shell.label}_trace.nii.gz",
            shell_trace(dwi.data, shell),
            dwi.affine,
            datatype="dwi",
            method="arithmetic mean of the shell's volumes",
            parameters={"bvalue": shell.bvalue, "volumes": list(shell.indices)},
            inputs=inputs,
        )
    progress.update(0.3, "tensor")
    progress.check()
    fit = TensorModel(bvals[volumes], bvecs[volumes], options.tensor_method).fit(
        dwi.data[..., volumes], mask
    )
    params = {
        "fit": options.tensor_method,
        "volumes": volumes.tolist(),
        "inner_shell_b": shells[1].bvalue,
        "nonpositive_signal": "left out of the voxel's fit",
        "partial_voxels": fit.partial_voxels,
        "unfitted_voxels": fit.unfitted_voxels,
        "units": "mm^2/s for s/mm^2 b-values",
    }
    method = f"diffusion tensor {options.tensor_method.upper()} on log signal"
    for key, param, data in (("MD", "md", fit.md), ("FA", "fa", fit.fa)):
        writer.write(
            key,
            f"model-tensor_param-{param}_dwimap.nii.gz",
            data,
            dwi.affine,
            datatype="dwi",
            method=method,
            parameters=params,
            inputs=inputs,
        )
    write_eigensystem(writer, fit, dwi.affine, method=method, parameters=params, inputs=inputs)


def write_eigensystem(writer, fit, affine, **provenance) -> None:
    """L1-L3, V1 and the direction-encoded colour FA, as FSL's dtifit writes them.

    Eigenvalues are largest first (mm^2/s). V1, the principal eigenvector, is
    written in the image's voxel axes with FSL's convention (the first axis
    flipped for neurological storage, exactly as the .bvec file), so FSLeyes
    and a dtifit V1 of the same data can be compared directly; its sign is
    arbitrary. The colour FA is FA x |V1| per voxel axis (red, green, blue =
    first, second, third axis). None of them is resampled into the
    reference space: vectors would need reorienting.
    """
    for n in range(3):
        writer.write(
            f"L{n + 1}",
            f"model-tensor_param-l{n + 1}_dwimap.nii.gz",
            fit.evals[..., n],
            affine,
            datatype="dwi",
            **provenance,
        )
    v1 = fit.evecs[..., :, 0]
    v1 = world_to_fsl_bvecs(v1.reshape(-1, 3), affine).reshape(v1.shape)
    writer.write(
        "V1",
        "model-tensor_param-v1_dwimap.nii.gz",
        v1,
        affine,
        datatype="dwi",
        Convention="FSL voxel axes (as .bvec): first axis flipped when det(affine) > 0",
        **provenance,
    )
    writer.write(
        "colourFA",
        "model-tensor_param-colorfa_dwimap.nii.gz",
        np.abs(v1) * fit.fa[..., None],
        affine,
        datatype="dwi",
        Convention="FA x |V1| in voxel axes (RGB)",
        **provenance,
    )


def r1_step(visit, options: MapOptions, writer, progress, masks):
    """R1 and T1 from the UNIT1 image with MP2RAGE parameters, or from a scanner T1map."""
    acqs = visit.acquisitions
    if "UNIT1" not in acqs and "T1map" in acqs:
        t1 = io.load_image(acqs["T1map"].files[0])
        r1, note = r1_from_t1map(t1.data)
        writer.report.notes.append(f"R1 from scanner T1map: {note}")
        with np.errstate(divide="ignore"):
            t1_s = np.where(r1 > 0, 1.0 / np.where(r1 > 0, r1, 1.0), 0.0)
        for key, name, data in (("R1map", "R1map.nii.gz", r1), ("T1map", "T1map.nii.gz", t1_s)):
            writer.write(
                key,
                name,
                data,
                t1.affine,
                method="R1 = 1/T1 of the scanner T1 map",
                parameters={"units": note},
                inputs=t1.files,
            )
        return
    if "UNIT1" not in acqs:
        raise FerretError("no UNIT1 (MP2RAGE uniform image) or T1map in this visit.")
    uni = io.load_image(acqs["UNIT1"].files[0])
    parameters = options.mp2rage_parameters or _sidecar_parameters(acqs)
    mask = None
    inv2 = io.inversion_two(acqs["MP2RAGE"]) if "MP2RAGE" in acqs else None
    if inv2 is not None or masks.get("MP2RAGE") is not None:
        source = io.load_image(inv2) if inv2 is not None else uni
        mask = _mask_for(
            source,
            source.data,
            writer,
            "mask",
            "desc-brain_mask.nii.gz",
            "anat",
            masks.get("MP2RAGE"),
        )
    fit = R1Model(parameters).fit(uni.data, mask)
    params = {**parameters, "uni": fit.uni_note, "t1_range_s": [0.05, 5.0]}
    for key, name, data in (("R1map", "R1map.nii.gz", fit.r1), ("T1map", "T1map.nii.gz", fit.t1)):
        writer.write(
            key,
            name,
            data,
            uni.affine,
            method="MP2RAGE lookup table (Marques 2010)",
            parameters=params,
            inputs=uni.files,
        )


def _sidecar_parameters(acqs):
    if "MP2RAGE" not in acqs:
        raise FerretError(
            "R1 needs the MP2RAGE inversion images' sidecars for the sequence parameters.",
            fix="add the inv-1/inv-2 images with sidecars or give mp2rage_parameters.",
        )
    from processing.study.sidecars import mp2rage_parameters

    return mp2rage_parameters(acqs["MP2RAGE"])


def mese_step(visit, options: MapOptions, writer, progress, masks):
    """R2 and T2 from the multi-echo spin echo and the MESE-space brain mask."""
    acq = visit.acquisitions["MESE"]
    mese = io.load_echoes(acq, "mag")
    te = io.echo_times_of(acq, options.mese_echo_times)
    mask = _mask_for(
        mese,
        mese.data[..., 0],
        writer,
        "mask_MESE",
        "space-MESE_desc-brain_mask.nii.gz",
        "anat",
        masks.get("MESE"),
    )
    model = R2Model(tuple(te), options.r2_method, options.r2_offset, options.r2_drop_first_echo)
    fit = model.fit(mese.data, mask)
    params = {
        "method": options.r2_method,
        "offset": options.r2_offset,
        "drop_first_echo": options.r2_drop_first_echo,
        "echo_times_s": te,
    }
    for key, name, data in (("R2map", "R2map.nii.gz", fit.r2), ("T2map", "T2map.nii.gz", fit.t2)):
        writer.write(
            key,
            name,
            data,
            mese.affine,
            method=f"R2 {options.r2_method} mono-exponential",
            parameters=params,
            inputs=mese.files,
        )


STEPS = (
    ("MEGRE", megre_step, ("MEGRE",)),
    ("DWI", dwi_step, ("dwi",)),
    ("R1", r1_step, ("UNIT1", "T1map")),
    ("R2", mese_step, ("MESE",)),
)


def options_record(options: MapOptions) -> dict:
    """Return the options as a plain dict (for reports)."""
    return asdict(options)
