"""Generating a whole phantom study: ``make_phantom_study``."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from processing.errors import FerretError
from processing.phantom import bids
from processing.phantom import protocol as P
from processing.phantom import tissues as T
from processing.phantom.acquire_anat import (
    acquire_flair,
    acquire_megre,
    acquire_mese,
    acquire_mp2rage,
)
from processing.phantom.acquire_dwi import acquire_dwi, acquire_epi
from processing.phantom.bids import write_json, write_text
from processing.phantom.fields import SusceptibilityGrid, field_offset
from processing.phantom.geometry import acquisition_affine, grid_shape
from processing.phantom.lesions import lesion_to_dict
from processing.phantom.participant import PhantomParticipant
from processing.phantom.sampling import sample_grid
from processing.phantom.truth import map_filename, truth_root
from processing.progress import Progress, null_progress

ACQUISITION_ORDER = ("MP2RAGE", "MEGRE", "MESE", "FLAIR", "dwi", "epi")
DATATYPE = {"dwi": "dwi", "epi": "fmap"}
FIELD_GRID_MM = {"tiny": 4.0, "small": 2.5, "full": 1.5}


def _prepare_output(out: Path) -> None:
    """Refuse a non-empty non-phantom folder; clear an old phantom's raw data and truth."""
    if out.exists() and not out.is_dir():
        raise FerretError(
            "the output exists and is not a folder.", out, "choose a new folder name."
        )
    if out.is_dir() and any(out.iterdir()):
        if not bids.is_phantom(out):
            raise FerretError(
                "the output folder is not empty and is not a phantom study.",
                out,
                "choose an empty or new folder; Ferret never overwrites other data.",
            )
        for old in list(out.glob("sub-*")) + [truth_root(out)]:
            if old.is_dir():
                shutil.rmtree(old)
    out.mkdir(parents=True, exist_ok=True)


def make_phantom_study(
    out,
    *,
    participants: int = 1,
    visits: int = 10,
    scale: str = "small",
    seed: int = 0,
    noise: bool = True,
    motion: bool = True,
    veins: bool = True,
    progress: Progress | None = None,
) -> Path:
    """Write a synthetic longitudinal SVD study with known truth as a BIDS dataset.

    Parameters
    ----------
    out : str or Path
        Folder to create, or an earlier phantom to replace (its ``sub-*``
        folders and truth are deleted; other derivatives are kept). Never a
        folder with other content.
    participants, visits : int
        Study size (visits about 4 weeks apart).
    scale : {"tiny", "small", "full"}
        Voxel sizes: ~3-5 mm for tests, ~1.2-4 mm for the demo, the real
        protocol's (0.36-3.3 mm) for realism. The scale also sets the size of
        the cortical microinfarcts: realistic (0.5-2 mm radius) at ``full``;
        at ``tiny`` and ``small`` about 1.2x the coarsest voxel (6 and 5 mm)
        in a locally thickened cortex, so that their time courses can be
        recovered through motion and resampling. That is a testability
        compromise (see :mod:`processing.phantom.lesions`).
    seed : int
        Same seed, same bytes.
    noise : bool
        Add complex Gaussian (Rician magnitude) noise; False gives exact
        float32 signals.
    motion : bool
        Random rigid head movement between visits and between acquisitions
        (default). ``False`` is a test affordance: the head lies still, every
        scan sees the anatomy in the same place. The other random draws are
        unchanged.
    veins : bool
        Venous structures (default; :mod:`processing.phantom.veins`): the
        superior sagittal sinus, cortical, deep medullary and internal
        cerebral veins, in every acquisition and in the field. ``False``
        writes the phantom without them, byte for byte as before they existed
        (their draws come from a generator of their own).
    progress : Progress, optional
        Receives fractions and messages; cancelling it stops at the next image.

    Returns
    -------
    Path
        The study root.
    """
    if scale not in P.SCALES:
        raise FerretError(
            f"unknown phantom scale {scale!r}.", fix=f"use one of {', '.join(P.SCALES)}."
        )
    if participants < 1 or visits < 1:
        raise FerretError("a phantom needs at least one participant and one visit.")
    out = Path(out)
    progress = progress or null_progress()
    _prepare_output(out)
    bids.write_dataset_description(
        out, seed=seed, scale=scale, noise=noise, motion=motion, veins=veins
    )
    people = [
        PhantomParticipant.create(seed, k + 1, visits, scale=scale, motion=motion, veins=veins)
        for k in range(participants)
    ]
    _write_participants(out, people)
    with bids.BackgroundWriter() as writer:
        for n, person in enumerate(people):
            child = progress.child(n / len(people), (n + 1) / len(people))
            _write_participant(out, person, scale, noise, child, writer)
    write_json(
        truth_root(out) / "dataset_description.json",
        {
            "Name": "Ferret phantom ground truth",
            "BIDSVersion": "1.9.0",
            "DatasetType": "derivative",
            "GeneratedBy": [{"Name": bids.PHANTOM_GENERATOR}],
        },
    )
    write_text(
        out / "README",
        "Synthetic study written by `ferret phantom`; ground truth in "
        "derivatives/phantom-truth (see processing/phantom/truth.py).\n",
    )
    progress.update(1.0, "phantom written")
    return out


def _write_participants(out: Path, people: list[PhantomParticipant]) -> None:
    header = ["participant_id", "age", "sex", "hypertension", "group"]
    rows = [[p.label] + [p.demographics[key] for key in header[1:]] for p in people]
    bids.write_tsv(out / "participants.tsv", header, rows)
    write_json(
        out / "participants.json",
        {
            "age": {"Description": "age at the first visit", "Units": "years"},
            "sex": {"Levels": {"F": "female", "M": "male"}},
            "hypertension": {
                "Description": "clinical diagnosis of hypertension",
                "Levels": {"yes": "", "no": ""},
            },
            "group": {"Levels": {"svd": "small vessel disease", "control": "control"}},
        },
    )


def _write_participant(
    out: Path,
    person: PhantomParticipant,
    scale: str,
    noise: bool,
    progress: Progress,
    writer: bids.BackgroundWriter,
) -> None:
    sessions = person.sessions
    with_veins = person.veins is not None
    bids.write_tsv(
        out / person.label / f"{person.label}_sessions.tsv",
        ["session_id", "acq_time"],
        [
            [s, d.isoformat(timespec="seconds")]
            for s, d in zip(sessions, person.visit_dates, strict=True)
        ],
    )
    specs = P.protocol(scale)
    chi_grid = SusceptibilityGrid(person.anatomy, FIELD_GRID_MM[scale], person.veins)
    acquisitions: dict[str, dict] = {}
    steps = len(sessions) * len(ACQUISITION_ORDER)
    for v, session in enumerate(sessions, start=1):
        acquisitions[session] = {}
        for a, name in enumerate(ACQUISITION_ORDER):
            progress.check()
            progress.update(
                ((v - 1) * len(ACQUISITION_ORDER) + a) / steps, f"{person.label} {session} {name}"
            )
            acquisitions[session][name] = _write_acquisition(
                out, person, v, a, specs[name], noise, chi_grid, writer
            )
    record = {
        "participant": person.label,
        "seed": person.seed,
        "scale": scale,
        "noise": noise,
        "motion": person.motion,
        "sessions": sessions,
        "visit_dates": [d.isoformat(timespec="seconds") for d in person.visit_dates],
        "tissue_labels": {
            str(k): v for k, v in T.TISSUE_NAMES.items() if with_veins or k != T.VEIN
        },
        "tissue_properties": T.table_as_dict(veins=with_veins),
        "anatomy": person.anatomy.to_dict(),
        "lesions": [lesion_to_dict(lesion, sessions) for lesion in person.lesions],
        "acquisitions": acquisitions,
    }
    if person.veins is not None:
        record["veins"] = [vein.to_dict() for vein in person.veins]
    write_json(truth_root(out) / person.label / f"{person.label}_truth.json", record)


def _write_acquisition(out, person, visit, index, spec, noise, chi_grid, writer) -> dict:
    """Simulate and write one acquisition of one visit; return its truth record."""
    session = person.sessions[visit - 1]
    prefix = f"{person.label}_{session}"
    affine, shape = acquisition_affine(spec), grid_shape(spec)
    world_from_anatomy = person.world_from_anatomy(visit, index)
    grid = sample_grid(
        person.anatomy, person.lesions, visit, shape, affine, world_from_anatomy, person.veins
    )
    rng = person.noise_rng(visit, index)
    if spec.name == "MP2RAGE":
        images, maps = acquire_mp2rage(grid, spec, rng, noise)
    elif spec.name == "MEGRE":
        field = field_offset(grid.points, person.lesions, chi_grid, world_from_anatomy)
        images, maps = acquire_megre(grid, spec, rng, noise, field)
    elif spec.name == "MESE":
        images, maps = acquire_mese(grid, spec, rng, noise)
    elif spec.name == "FLAIR":
        images, maps = acquire_flair(grid, spec, rng, noise)
    elif spec.name == "dwi":
        images, maps = acquire_dwi(grid, spec, rng, noise, world_from_anatomy, affine)
    else:
        images, maps = acquire_epi(grid, spec, rng, noise, f"{session}/dwi/{prefix}_dwi.nii.gz")
    folder = out / person.label / session / DATATYPE.get(spec.name, "anat")
    acquired_at = person.visit_dates[visit - 1] + dt.timedelta(minutes=7 * index)
    files = []
    for image in images:
        stem = bids.bids_name(prefix, image.entities, image.suffix)
        writer.nifti(folder / f"{stem}.nii.gz", image.data, affine)
        write_json(
            folder / f"{stem}.json",
            dict(image.sidecar, AcquisitionDateTime=acquired_at.isoformat()),
        )
        for extension, text in image.extra_files.items():
            write_text(folder / f"{stem}.{extension}", text)
        files.append(str((folder / f"{stem}.nii.gz").relative_to(out)))
    truth_maps = dict(tissue=grid.tissue, lesions=grid.lesion, **maps)
    if grid.vein is not None:
        truth_maps["veins"] = grid.vein
    truth_dir = truth_root(out) / person.label / session
    names = {}
    for name, data in truth_maps.items():
        filename = map_filename(person.label, session, spec.name, name)
        writer.nifti(truth_dir / filename, data, affine)
        names[name] = filename
    return {
        "world_from_anatomy": world_from_anatomy,
        "affine": affine,
        "shape": list(shape),
        "axcodes": spec.axcodes,
        "voxel_size": list(spec.voxel_size),
        "files": files,
        "truth_maps": names,
    }
