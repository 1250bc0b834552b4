"""Validation of a study: every problem, each with the file, what is wrong and the fix.

:func:`validate` runs, in order, the layout checks (:mod:`.check_layout`), the
participant and session checks (:mod:`.check_sessions`), the per-acquisition
header and sidecar checks (:mod:`.check_acquisitions`) and finally the voxel
checks (:mod:`.check_images`), which read every image once. It only reads:
nothing is written into the study.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from processing.fileio.regular import is_reachable_dir
from processing.progress import Progress
from processing.study.bids_names import is_ignored, is_valid_label
from processing.study.check_acquisitions import check_acquisition
from processing.study.check_images import check_image_data, read_voxels
from processing.study.check_layout import (
    check_dataset_files,
    check_participant_folder,
    check_root_entries,
    check_session_folder,
)
from processing.study.check_sessions import check_participants_table, check_sessions
from processing.study.discovery import discover
from processing.study.model import Study
from processing.study.problems import Problem, error, warning


def validate(root_or_study: str | Path | Study, progress: Progress | None = None) -> list[Problem]:
    """Check a BIDS study for everything that would stop or mislead Ferret.

    Parameters
    ----------
    root_or_study : str, Path or Study
        The study folder, or a study already discovered.
    progress : Progress, optional
        Receives the fraction of images read; cancelling raises ``Cancelled``.

    Returns
    -------
    list of Problem
        Errors (Ferret cannot use that part as it is) and warnings. The study
        is usable when no problem has severity ``"error"``.

    Raises
    ------
    FerretError
        When the folder does not exist.
    """
    study = root_or_study if isinstance(root_or_study, Study) else discover(root_or_study)
    problems = list(check_structure(study))
    problems += check_visits(study)
    images = [
        f
        for p in study.participants.values()
        for v in p.visits
        for a in v.acquisitions.values()
        for f in a.files
    ]
    for index, image in enumerate(images):
        if progress is not None:
            progress.check()
            progress.update(index / max(len(images), 1), f"reading {image.path.name}")
        problems += check_image_data(image)
    problems += check_derived(study)
    if progress is not None:
        progress.update(1.0, "validation done")
    return problems


def has_errors(problems: list[Problem]) -> bool:
    """Return True when any problem is an error (the study is not usable as it is)."""
    return any(p.severity == "error" for p in problems)


def check_structure(study: Study) -> Iterator[Problem]:
    """Layout of the folders, participants and sessions."""
    root = study.root
    yield from check_dataset_files(root)
    yield from check_root_entries(root)
    if not study.participants:
        yield error(
            root,
            "no participants: no sub-* folders were found.",
            "give the BIDS root folder, which holds sub-01/, sub-02/, ...",
        )
    for label in study.participants:
        folder = root / label
        if not folder.is_dir():
            continue
        yield from check_participant_folder(folder)
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if (
                is_reachable_dir(entry.path)
                and is_valid_label(entry.name, "ses")
                and not is_ignored(entry.name)
            ):
                yield from check_session_folder(Path(entry.path))
    yield from check_participants_table(study)
    yield from check_sessions(study)


def check_derived(study: Study) -> Iterator[Problem]:
    """Existing Ferret derivatives are readable (a damaged one is recomputed once deleted)."""
    paths = [
        p
        for participant in study.participants.values()
        for p in list(participant.derived.values())
        + [q for v in participant.visits for q in v.derived.values()]
    ]
    for path in paths:
        if path.name.endswith((".nii", ".nii.gz")):
            _, problem = read_voxels(path)
            if problem is not None:
                yield warning(
                    path,
                    "Ferret output " + problem.message[0].lower() + problem.message[1:],
                    "delete it; Ferret computes it again on the next run.",
                )


def check_visits(study: Study) -> Iterator[Problem]:
    """Each visit has images, and each acquisition passes its header and sidecar checks."""
    for participant in study.participants.values():
        for visit in participant.visits:
            if not visit.acquisitions:
                yield warning(
                    visit.path,
                    "this visit holds no image Ferret uses.",
                    "check the file names against the README's naming table.",
                )
            for acq in visit.acquisitions.values():
                yield from check_acquisition(acq, visit)
