"""Importing one visit: scan, plan, convert into a temporary folder, move in at once.

Order of work, so that bad input leaves the study untouched and an interrupted
import leaves no partial visit:

1. check the labels, the configuration and that the visit is not already
   there (unless ``overwrite``);
2. scan pass of dcm2niix into a system temporary folder: one patient only, no
   series missing slices or holding images of different dimensions, every
   series matched or skipped with its reason;
3. conversion into ``<study>/.ferret-import-*/`` (the study's file system),
   checked to be the images planned (none unplanned),
   files renamed into a staged ``ses-YY`` folder there, then that folder
   renamed into place in one step (an overwritten visit is set aside first and
   put back if anything fails);
4. ``participants.tsv``, ``sub-XX_sessions.tsv`` and
   ``dataset_description.json`` updated;
5. :func:`processing.study.validate` on the study, keeping the problems of the
   new visit and of the tables the import touched.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from processing.dicom.config import load_config
from processing.dicom.dcm2niix_run import Series, run_dcm2niix, version
from processing.dicom.naming import FIRST_ECHO, Placement, Plan, plan_visit, wanted_entities
from processing.dicom.tables import (
    acquisition_time,
    ensure_dataset_description,
    first_other_visit,
    update_participants,
    update_sessions,
)
from processing.errors import FerretError
from processing.fileio.atomic import write_json
from processing.progress import Progress
from processing.study.bids_names import is_valid_label
from processing.study.problems import Problem

#: files dcm2niix writes beside an image, moved with it
COMPANIONS = (".bval", ".bvec")


@dataclass
class ImportResult:
    """What :func:`import_visit` found and did."""

    dicom_dir: Path
    visit_dir: Path
    plan: Plan
    acq_time: _dt.datetime | None
    dry_run: bool
    visit_existed: bool
    problems: list[Problem] = field(default_factory=list)


def import_visit(
    dicom_dir: str | Path,
    study: str | Path,
    participant: str,
    session: str,
    *,
    config: str | Path | None = None,
    dry_run: bool = False,
    overwrite: bool = False,
    earlier: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Convert one visit's DICOM into ``<study>/<participant>/<session>``.

    Parameters
    ----------
    dicom_dir : str or Path
        The folder of one visit of one participant.
    study : str or Path
        The BIDS root (created when absent).
    participant, session : str
        ``sub-XX`` and ``ses-YY``.
    config : str or Path, optional
        A dcm2bids configuration; the shipped Siemens one when None.
    dry_run : bool
        Only plan: nothing is converted or written.
    overwrite : bool
        Replace the visit when it is already in the study.
    earlier : bool
        Import a visit acquired before the participant's first visit in the
        study (refused otherwise: it would become the first visit, the
        reference space of every registered map and of the raters' masks).
    progress : Progress, optional
        Told each stage; cancelling it before the visit is moved into place
        stops the import with the study as it was (dcm2niix is killed).

    Returns
    -------
    ImportResult

    Raises
    ------
    FerretError
        Bad labels, configuration or DICOM; the visit already there; nothing to import.
    Cancelled
        When ``progress`` was cancelled before the visit was in place (nothing written).
    """
    progress = progress or Progress()
    dicom_dir, study = Path(dicom_dir), Path(study)
    for label, prefix, option in (
        (participant, "sub", "--participant"),
        (session, "ses", "--session"),
    ):
        if not is_valid_label(label, prefix):
            raise FerretError(
                f"{option} {label!r} is not a BIDS label.",
                fix=f"write {prefix}- followed by letters and digits only, e.g. {prefix}-01.",
            )
    if not dicom_dir.is_dir():
        raise FerretError("no such folder.", dicom_dir, "give the folder of one visit's DICOM.")
    settings = load_config(config)
    visit_dir = study / participant / session
    existed = visit_dir.exists()
    if existed and not overwrite and not dry_run:
        raise FerretError(
            "this visit is already in the study; nothing was changed.",
            visit_dir,
            "choose another --session, or give --overwrite to replace it.",
        )
    progress.update(0.0, f"reading the DICOM in {dicom_dir.name} (dcm2niix)")
    with tempfile.TemporaryDirectory(prefix="ferret-dicom-scan-") as scan:
        series = run_dcm2niix(dicom_dir, Path(scan), sidecars_only=True, progress=progress)
        check_one_patient(dicom_dir, series)
        progress.update(0.3, f"naming {len(series)} series")
        plan = plan_visit(Path(scan), series, settings, participant, session)
    when = acquisition_time(p.series.sidecar for p in plan.placements)
    if not (earlier or dry_run):
        check_not_before_first(study, participant, session, when)
    result = ImportResult(dicom_dir, visit_dir, plan, when, dry_run, existed)
    if dry_run:
        return result
    if not plan.placements:
        raise FerretError(
            f"none of the {len(series)} series matches the configuration; nothing was written.",
            dicom_dir,
            "run with --dry-run to see each series' description, and give --config with "
            "descriptions matching them.",
        )
    progress.check()
    progress.update(0.35, f"converting {len(plan.placements)} image(s) (dcm2niix)")
    _convert_and_move(dicom_dir, study, visit_dir, plan, progress)
    progress.update(0.9, f"validating {participant} {session}")  # no cancelling from here on
    update_participants(study, participant)
    update_sessions(study, participant, session, when)
    ensure_dataset_description(study, generated_by())
    result.problems = visit_problems(study, visit_dir)
    progress.update(1.0, f"imported {participant} {session}")
    return result


def check_not_before_first(
    study: Path, participant: str, session: str, when: _dt.datetime | None
) -> None:
    """Refuse a visit acquired before the participant's first visit already in the study."""
    first = first_other_visit(study, participant, session)
    if when is None or first is None or when >= first[1]:
        return
    raise FerretError(
        f"this visit was acquired on {when:%Y-%m-%d}, before {participant}'s first visit "
        f"{first[0]} ({first[1]:%Y-%m-%d}): it would become the first visit and move the "
        "reference space of every registered map and rater's mask; nothing was written.",
        study / participant,
        "check the participant and the folder; to import it as the first visit anyway, give "
        "--earlier-visit (then reprocess the participant).",
    )


def check_one_patient(dicom_dir: Path, series: list[Series]) -> None:
    """Refuse a folder whose series belong to more than one patient (IDs are not printed)."""
    who: dict[str, list[str]] = {}
    for one in series:
        key = str(one.sidecar.get("PatientID") or one.sidecar.get("PatientName") or "")
        if key:
            who.setdefault(key, []).append(str(one.sidecar.get("SeriesNumber", one.stem)))
    if len(who) > 1:
        groups = "; ".join(f"series {', '.join(sorted(set(n)))}" for n in who.values())
        raise FerretError(
            f"the series belong to {len(who)} different patients ({groups}).",
            dicom_dir,
            "give one folder per visit of one participant: move the other patients' series out.",
        )


def _convert_and_move(
    dicom_dir: Path, study: Path, visit_dir: Path, plan: Plan, progress: Progress
) -> None:
    """Convert into a temporary folder in the study and rename the whole visit into place.

    A cancel (``progress``) is honoured up to the rename, and undone like any failure.
    """
    wanted = (*reversed(study.parents), study, visit_dir.parent)  # outermost first
    made = [p for p in wanted if not p.exists()]
    for folder in made:
        folder.mkdir()
    work = Path(tempfile.mkdtemp(prefix=".ferret-import-", dir=study))
    aside = work / "replaced"
    try:
        converted = work / "dcm2niix"
        converted.mkdir()
        outputs = run_dcm2niix(dicom_dir, converted, sidecars_only=False, progress=progress)
        check_planned(dicom_dir, plan, outputs)
        stage = work / visit_dir.name
        for placement in plan.placements:
            stage_placement(converted, stage, placement)
        progress.check()  # the last moment to stop: the visit moves into place next
        if visit_dir.exists():
            visit_dir.rename(aside)
        stage.rename(visit_dir)
    except BaseException as exc:
        if aside.exists() and not visit_dir.exists():
            aside.rename(visit_dir)
        shutil.rmtree(work, ignore_errors=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when still empty
        if isinstance(exc, OSError):
            raise FerretError(
                f"could not write the visit into the study ({exc.strerror or exc}); "
                "the study is as it was.",
                visit_dir,
                "check free space and write permission on the study folder.",
            ) from None
        raise
    shutil.rmtree(work, ignore_errors=True)


def check_planned(dicom_dir: Path, plan: Plan, converted: list[Series]) -> None:
    """Refuse a conversion that wrote images the scan pass did not plan: none is dropped silently.

    Examples
    --------
    >>> check_planned(Path("dcm"), Plan(), [Series("12_dwi", {})])
    Traceback (most recent call last):
    ...
    processing.errors.FerretError: dcm: dcm2niix converted 1 image(s) that its scan pass did not \
report (12_dwi); nothing was written. Fix: convert the folder with dcm2niix by hand to see why, \
and import one folder per series.
    """
    planned = {p.series.stem for p in plan.placements} | {s.series.stem for s in plan.skipped}
    unplanned = sorted(s.stem for s in converted if s.stem not in planned)
    if unplanned:
        raise FerretError(
            f"dcm2niix converted {len(unplanned)} image(s) that its scan pass did not report "
            f"({', '.join(unplanned)}); nothing was written.",
            dicom_dir,
            "convert the folder with dcm2niix by hand to see why, and import one folder per "
            "series.",
        )


def stage_placement(converted: Path, stage: Path, placement: Placement) -> None:
    """Move one converted image and its companions to its BIDS name under ``stage``."""
    source = converted / placement.series.stem
    image = source.with_name(source.name + ".nii.gz")
    if not image.is_file():
        raise FerretError(
            f"dcm2niix did not write {image.name} in the conversion pass "
            f"({placement.series.label}); nothing was written into the study.",
            image.parent,
            "run the import again; if it persists, convert the series with dcm2niix by hand "
            "to see its messages.",
        )
    target = stage / placement.destination
    target.parent.mkdir(parents=True, exist_ok=True)
    image.rename(target.with_name(target.name + ".nii.gz"))
    for extension in COMPANIONS:
        companion = source.with_name(source.name + extension)
        if companion.is_file():
            companion.rename(target.with_name(target.name + extension))
    from processing.dicom.dcm2niix_run import read_sidecar

    sidecar = read_sidecar(source.with_name(source.name + ".json"))
    write_json(target.with_name(target.name + ".json"), finish_sidecar(sidecar, placement))


def finish_sidecar(sidecar: dict[str, Any], placement: Placement) -> dict[str, Any]:
    """Return the sidecar as written into the study.

    Patient keys are dropped (dcm2niix's ``-ba y`` already leaves out name,
    ID and birth date; this also catches any other ``Patient*`` key), the
    description's ``sidecar_changes`` are applied (plain values), an image
    named with ``echo-`` without ``EchoNumber`` gets echo 1 (its name's), and an
    MP2RAGE image without ``RepetitionTimePreparation`` gets dcm2niix's
    ``RepetitionTime``, which for MP2RAGE is the preparation TR.

    Examples
    --------
    >>> from processing.dicom.dcm2niix_run import Series
    >>> p = Placement(Series("2_inv1", {}), "anat/sub-1_inv-1_MP2RAGE", {"suffix": "MP2RAGE"})
    >>> finish_sidecar({"PatientName": "X", "RepetitionTime": 5.0}, p)
    {'RepetitionTime': 5.0, 'RepetitionTimePreparation': 5.0}
    """
    data = {k: v for k, v in sidecar.items() if not k.startswith("Patient")}
    for key, value in (placement.description.get("sidecar_changes") or {}).items():
        if isinstance(value, (str, int, float, bool, list)) and key != "IntendedFor":
            data[key] = value
    if "echo" in wanted_entities(placement.description):
        data.setdefault("EchoNumber", FIRST_ECHO)  # as the name says (naming.FIRST_ECHO)
    suffix = placement.description.get("suffix")
    if suffix in ("MP2RAGE", "UNIT1") and "RepetitionTime" in data:
        data.setdefault("RepetitionTimePreparation", data["RepetitionTime"])
    return data


def generated_by() -> list[dict[str, str]]:
    """``GeneratedBy`` of a new ``dataset_description.json``: Ferret, dcm2niix, dcm2bids."""
    from importlib.metadata import version as dist_version

    from processing import __version__

    return [
        {"Name": "ferret import-dicom", "Version": __version__},
        {"Name": "dcm2niix", "Version": version()},
        {"Name": "dcm2bids", "Version": dist_version("dcm2bids")},
    ]


def visit_problems(study: Path, visit_dir: Path) -> list[Problem]:
    """Validate the study; keep the new visit's problems and those of the tables it touched."""
    from processing.study import validate

    touched = {
        study / "participants.tsv",
        study / "dataset_description.json",
        visit_dir.parent / f"{visit_dir.parent.name}_sessions.tsv",
        visit_dir.parent,
    }
    return [
        p
        for p in validate(study)
        if p.path in touched or p.path == visit_dir or visit_dir in p.path.parents
    ]
