"""Export of a rater's microbleeds as an nnU-Net v2 raw dataset, each visit in its native GRE grid.

Layout (``--out DIR``)::

    DIR/Dataset501_FerretCMB/dataset.json
    DIR/Dataset501_FerretCMB/imagesTr/FerretCMB_sub-01_ses-01_0000.nii.gz   (SWI)
    DIR/Dataset501_FerretCMB/imagesTr/FerretCMB_sub-01_ses-01_0001.nii.gz   (R2*)
    DIR/Dataset501_FerretCMB/labelsTr/FerretCMB_sub-01_ses-01.nii.gz        (0 / 1 = CMB)
    DIR/Dataset501_FerretCMB/cases.tsv    (case -> participant, session, image)

Every visit of each participant the rater annotated becomes a case when it
has every requested map (``ferret process --steps maps``); a visit without
one is reported with the reason. Images are the maps as computed, NaN set to
0 (nnU-Net refuses NaN); labels are the CMBs present at the visit
(:mod:`processing.nnunet.lesions`) on the map's grid. The dataset folder is
staged and renamed into place (:mod:`processing.nnunet.folder`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from processing import __version__
from processing.errors import FerretError
from processing.fileio import load_nifti, save_nifti, write_json
from processing.nnunet.cases import CHANNELS, DATASET_NAME, Case, case_id, write_cases
from processing.nnunet.folder import staged_folder
from processing.nnunet.lesions import RaterCMB, gre_to_reference, rater_cmb, to_native
from processing.spaces.grid import Grid
from processing.spaces.reference import grid_of_image
from processing.study import discover
from processing.study.model import Study, Visit
from processing.study.outputs import check_output_location

LABELS = {"background": 0, "CMB": 1}


@dataclass
class ExportReport:
    """What an export wrote (cases with their lesion counts) and which visits it left out, and why."""

    folder: Path
    cases: list[tuple[Case, int]] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Return the summary the command prints, one line per case and per visit left out."""
        out = [f"wrote {self.folder}: {len(self.cases)} training cases"]
        out += [f"  case {c.case_id}: {n} CMB" for c, n in self.cases]
        out += [f"  skipped {p} {s}: {why}" for p, s, why in self.skipped]
        return out


def dataset_folder_name(dataset_id: int) -> str:
    """Return ``DatasetXXX_FerretCMB``; nnU-Net dataset IDs have at most three digits."""
    if not 1 <= int(dataset_id) <= 999:
        raise FerretError(
            f"--dataset-id {dataset_id} is not an nnU-Net dataset ID.", None, "use 1 to 999."
        )
    return f"Dataset{int(dataset_id):03d}_{DATASET_NAME}"


def export_nnunet(
    study_root: str | Path,
    rater: str,
    out: str | Path,
    *,
    dataset_id: int = 501,
    channels: tuple[str, ...] = ("swi", "r2star"),
    overwrite: bool = False,
) -> ExportReport:
    """Write the rater's CMB lesions and the visits' GRE maps as an nnU-Net raw dataset.

    Raises
    ------
    FerretError
        No such rater, no CMB lesion, ``out`` inside the raw study, an existing
        non-empty dataset folder without ``overwrite``, or no visit with every channel.
    """
    out = check_output_location(out, study_root)
    target = out / dataset_folder_name(dataset_id)
    study = discover(study_root)
    marked = rater_cmb(study.root, rater)
    report = ExportReport(target)
    with staged_folder(target, overwrite) as stage:
        for participant, cmb in marked.items():
            if participant not in study.participants:
                report.skipped.append((participant, "-", "not in the study any more"))
                continue
            for visit in study.participants[participant].visits:
                _export_visit(stage, study, visit, cmb, channels, report)
        if not report.cases:
            raise FerretError(
                f"no visit of rater {rater}'s participants has every channel "
                f"({', '.join(channels)}).",
                study.derivatives,
                "compute the maps first: ferret process STUDY --steps maps.",
            )
        write_json(stage / "dataset.json", dataset_json(channels, len(report.cases), rater))
        write_cases(stage / "cases.tsv", [case for case, _ in report.cases])
    return report


def dataset_json(channels: tuple[str, ...], count: int, rater: str) -> dict:
    """Return nnU-Net v2's ``dataset.json`` (SimpleITK reader: npz axes are z, y, x)."""
    return {
        "channel_names": {str(n): CHANNELS[name][0] for n, name in enumerate(channels)},
        "labels": dict(LABELS),
        "numTraining": count,
        "file_ending": ".nii.gz",
        "overwrite_image_reader_writer": "SimpleITKIO",
        "name": DATASET_NAME,
        "description": f"cerebral microbleeds of rater {rater}, GRE maps in each visit's grid",
        "reference": f"exported by ferret {__version__} (ferret cmb export-nnunet)",
    }


def missing_channels(visit: Visit, channels: tuple[str, ...]) -> list[str]:
    """Return the requested channels the visit has no map of."""
    return [name for name in channels if CHANNELS[name][1] not in visit.derived]


def write_images(folder: Path, case: str, visit: Visit, channels: tuple[str, ...]) -> Grid:
    """Write a case's channel images ``<case>_000N.nii.gz``; return their (common) grid.

    Raises
    ------
    FerretError
        When the visit's maps do not share one grid (nnU-Net needs them to).
    """
    paths = [visit.derived[CHANNELS[name][1]] for name in channels]
    grid = grid_of_image(paths[0])
    for name, path in zip(channels[1:], paths[1:], strict=True):
        if not grid.same_as(grid_of_image(path), atol=1e-3):
            raise FerretError(f"the {name} map is not on the grid of the {channels[0]} map.", path)
    for n, path in enumerate(paths):
        data, affine, _ = load_nifti(path)
        clean = np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
        save_nifti(folder / f"{case}_{n:04d}.nii.gz", clean, affine)
    return grid


def _export_visit(
    stage: Path, study: Study, visit: Visit, cmb: RaterCMB, channels, report: ExportReport
) -> None:
    missing = missing_channels(visit, channels)
    if missing:
        reason = f"no {', '.join(missing)} map (ferret process --steps maps)"
        report.skipped.append((visit.participant, visit.session, reason))
        return
    name = case_id(DATASET_NAME, visit.participant, visit.session)
    try:
        grid = write_images(stage / "imagesTr", name, visit, channels)
    except FerretError as exc:
        report.skipped.append((visit.participant, visit.session, exc.message()))
        return
    sessions = [v.session for v in study.participants[visit.participant].visits]
    ids = cmb.present_at(sessions, visit.session)
    mask = to_native(
        np.isin(cmb.labels.data, ids),
        cmb.labels.grid,
        grid,
        gre_to_reference(study, visit.participant, visit.session),
    )
    save_nifti(stage / "labelsTr" / f"{name}.nii.gz", mask.astype(np.uint8), grid.affine)
    image = visit.derived[CHANNELS[channels[0]][1]].relative_to(study.root).as_posix()
    report.cases.append((Case(name, visit.participant, visit.session, image), len(ids)))
