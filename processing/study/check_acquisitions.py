"""Validation of each acquisition from headers and sidecars: files, shapes, echoes, parameters.

Reads NIfTI headers, JSON sidecars and gradient tables; never voxel data (see
:mod:`processing.study.check_images` for that).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from processing.errors import FerretError
from processing.study import sidecars
from processing.study.bids_names import MULTI_ECHO_KINDS
from processing.study.gradient_table import gradient_problems
from processing.study.model import Acquisition, ImageFile, SidecarError, Visit
from processing.study.problems import Problem, error, warning

_GRID_TOLERANCE_MM = 1e-3


def check_acquisition(acq: Acquisition, visit: Visit) -> Iterator[Problem]:
    """Every header- and sidecar-level check that applies to this acquisition's kind."""
    for image in acq.files:
        yield from check_sidecar_json(image)
    yield from check_dimensions(acq)
    if acq.kind in MULTI_ECHO_KINDS:
        yield from check_echo_files(acq)
        yield from check_echo_times(acq)
    if acq.kind in MULTI_ECHO_KINDS + ("MP2RAGE",):
        yield from check_same_grid(acq)
    if acq.kind == "MP2RAGE":
        yield from check_mp2rage_parameters(acq, has_t1map="T1map" in visit.acquisitions)
    if acq.kind == "dwi":
        yield from check_gradients(acq)


def check_sidecar_json(image: ImageFile) -> Iterator[Problem]:
    """Check that the JSON sidecar parses to an object (a broken one is then read as empty)."""
    if image.sidecar is None:
        return
    try:
        _ = image.metadata  # parsed (and cached) here: a broken sidecar raises
    except SidecarError as exc:
        image.__dict__["metadata"] = {}  # later checks then report the keys as missing
        yield error(image.sidecar, exc.problem, exc.fix or "")


def shape_of(image: ImageFile) -> tuple[int, ...] | None:
    """Return the image's shape from its header.

    None when unreadable (reported by the image checks).
    """
    try:
        return tuple(int(n) for n in image.header.get_data_shape())
    except Exception:  # noqa: BLE001 - any header failure is reported by check_images
        return None


def _spatial_ndim(shape: tuple[int, ...]) -> int:
    while len(shape) > 3 and shape[-1] == 1:
        shape = shape[:-1]
    return len(shape)


def check_dimensions(acq: Acquisition) -> Iterator[Problem]:
    """Dwi must be 4D; anatomical images 3D, unless echoes are stored as volumes."""
    for image in acq.files:
        shape = shape_of(image)
        if shape is None:
            continue
        ndim = _spatial_ndim(shape)
        if acq.kind == "dwi" and (ndim != 4 or shape[3] < 2):
            yield error(
                image.path,
                f"a dwi image must be 4D (one volume per b-value); this one is {shape}.",
                "convert the whole diffusion series into one 4D file (e.g. dcm2niix).",
            )
        elif acq.kind not in ("dwi", "epi") and not acq.echoes_in_volumes and ndim != 3:
            yield error(
                image.path,
                f"a 3D image was expected; this one has shape {shape}.",
                "store one 3D file per echo/inversion (echo-<n>, inv-<n>) or fix the conversion.",
            )


def check_same_grid(acq: Acquisition) -> Iterator[Problem]:
    """All echoes, parts and inversions on the same voxel grid (shape and affine)."""
    reference = None
    for image in acq.files:
        shape = shape_of(image)
        if shape is None:
            continue
        grid = (shape[:3], np.asarray(image.header.get_best_affine()))
        if reference is None:
            reference = (image, grid)
            continue
        same_shape = grid[0] == reference[1][0]
        if not (same_shape and np.allclose(grid[1], reference[1][1], atol=_GRID_TOLERANCE_MM)):
            what = "shape" if not same_shape else "position/orientation (affine)"
            yield error(
                image.path,
                f"different grid from {reference[0].path.name}: the {what} differs.",
                "all echoes, parts and inversions of one acquisition must come from the same "
                "series; re-convert them together.",
            )


def missing_echoes(acq: Acquisition, images: list) -> list[FerretError]:
    """One FerretError per echo number missing from 1..N among ``images``, naming the file expected.

    ``validate`` reports them all; the maps refuse the acquisition on the first
    (a missing echo would pair the wrong magnitude and phase).
    """
    numbers = sorted(image.echo for image in images if image.echo is not None)
    if not numbers:
        return []
    first = images[0].path
    return [
        FerretError(
            f"echo {gap} of this {acq.kind} is missing (echoes {numbers} present).",
            first.with_name(first.name.replace(f"echo-{images[0].echo}_", f"echo-{gap}_", 1)),
            f"add the echo-{gap} file or renumber the echoes from 1.",
        )
        for gap in sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
    ]


def check_echo_files(acq: Acquisition) -> Iterator[Problem]:
    """Each phase echo has its magnitude; echo numbers have no gaps; phase present for SWI."""
    magnitudes = {f.echo for f in acq.part("mag")}
    phases = acq.part("phase")
    if acq.echoes_in_volumes or not magnitudes:
        for image in phases if not magnitudes else []:
            yield error(
                image.path,
                "phase image without any magnitude image.",
                "add the part-mag image(s) of this acquisition (R2* and SWI need both).",
            )
        return
    for image in phases:
        if image.echo not in magnitudes:
            yield error(
                image.path,
                f"phase echo {image.echo} has no magnitude image.",
                "add the part-mag file of the same echo (R2* and SWI need both).",
            )
    for problem in missing_echoes(acq, acq.part("mag")):
        yield error(problem.path or acq.files[0].path, problem.problem, problem.fix or "")
    if acq.kind == "MEGRE" and not phases:
        yield warning(
            acq.files[0].path,
            "MEGRE without phase images: SWI cannot be computed (R2* can).",
            "add the part-phase echoes if SWI is wanted.",
        )


def check_echo_times(acq: Acquisition) -> Iterator[Problem]:
    """EchoTime present (seconds), increasing, and one per volume for 4D multi-echo files."""
    mag = (acq.part("mag") or acq.files)[0]
    if not acq.echoes_in_volumes:
        lacking = [f for f in acq.part("mag") or acq.files if f.metadata.get("EchoTime") is None]
        for image in lacking:
            echo = f"echo {image.echo} ({image.path.name})" if image.echo else image.path.name
            yield error(
                sidecars.sidecar_or_expected(image),
                f"{echo} is without EchoTime in its JSON sidecar.",
                "add EchoTime (seconds) to this sidecar, or give the echo times with "
                "ferret process --megre-echo-times (ms, comma-separated).",
            )
        if lacking:
            return
    try:
        times = sidecars.echo_times(acq)
    except FerretError as exc:
        yield error(exc.path or mag.path, exc.problem, exc.fix or "")
        return
    if acq.echoes_in_volumes:
        shape = shape_of(mag)
        if shape is not None and len(shape) == 4 and shape[3] != len(times):
            yield error(
                sidecars.sidecar_or_expected(mag),
                f"{len(times)} echo times for {shape[3]} volumes.",
                "give one EchoTime per volume of the 4D image.",
            )


def check_mp2rage_parameters(acq: Acquisition, *, has_t1map: bool) -> Iterator[Problem]:
    """Every parameter R1 needs, named with its file when missing; defaults noted."""
    missing = sidecars.mp2rage_missing(acq)
    path = acq.files[0].path
    if missing:
        make = warning if has_t1map else error
        yield make(
            path,
            "MP2RAGE parameters needed for R1 are missing: " + "; ".join(missing) + ".",
            "add these keys to the JSON sidecars (from the scanner protocol)"
            + (" - the scanner T1map is used meanwhile." if has_t1map else ", or provide a T1map."),
        )
    elif defaults := sidecars.mp2rage_defaults_used(acq):
        yield warning(
            path,
            "MP2RAGE sidecars lack " + ", ".join(defaults) + "; Ferret uses the default.",
            "add the key(s) to the inversion sidecars if the protocol differs.",
        )


def check_gradients(acq: Acquisition) -> Iterator[Problem]:
    """Check the gradient table as the maps will read it.

    It must be present and readable, with one unit vector per volume.
    """
    shape = shape_of(acq.files[0])
    try:
        _, _, problems = gradient_problems(
            acq, shape[3] if shape is not None and len(shape) == 4 else None
        )
    except FerretError as exc:
        problems = [exc]
    for problem in problems:
        yield error(problem.path or acq.files[0].path, problem.problem, problem.fix or "")
