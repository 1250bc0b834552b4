"""Existing Ferret derivatives: ``<study>/derivatives/ferret/sub-XX/[ses-YY/]<datatype>/...``.

Each visit's outputs are listed in ``Visit.derived`` under the name that
:meth:`~processing.study.model.Visit.derivative` takes (the file name without
the ``sub-XX_ses-YY_`` prefix, e.g. ``R2starmap.nii.gz``). Outputs of a
participant outside any visit folder go to ``Participant.derived`` keyed by
their path relative to the participant's folder. JSON sidecars (provenance),
dotfiles and ``.part`` temporaries of interrupted writes are skipped; other
derivative pipelines (``derivatives/phantom-truth``, ...) are not Ferret's and
are ignored.
"""

from __future__ import annotations

import os
from pathlib import Path

from processing.fileio.regular import is_reachable_dir
from processing.study.bids_names import is_ignored
from processing.study.model import Participant, Study, Visit


def attach_derivatives(study: Study) -> None:
    """Fill ``derived`` of every visit and participant from ``study.derivatives``."""
    base = study.derivatives
    if not base.is_dir():
        return
    for entry in os.scandir(base):
        participant = study.participants.get(entry.name)
        if participant is None or not is_reachable_dir(entry.path):
            continue
        _attach_participant(participant, Path(entry.path))


def _attach_participant(participant: Participant, folder: Path) -> None:
    sessions = {v.session: v for v in participant.visits}
    for entry in os.scandir(folder):
        if is_ignored(entry.name):
            continue
        if is_reachable_dir(entry.path) and entry.name in sessions:
            _attach_visit(sessions[entry.name], Path(entry.path))
        elif is_reachable_dir(entry.path) and not entry.name.startswith("ses-"):
            for path in _output_files(Path(entry.path)):
                participant.derived[path.relative_to(folder).as_posix()] = path
        elif entry.is_file() and _is_output(entry.name):
            participant.derived[entry.name] = Path(entry.path)


def _attach_visit(visit: Visit, folder: Path) -> None:
    prefix = visit.prefix + "_"
    for path in _output_files(folder):
        name = path.name
        visit.derived[name[len(prefix) :] if name.startswith(prefix) else name] = path


def _output_files(folder: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not is_ignored(d))
        found += [Path(dirpath, n) for n in sorted(filenames) if _is_output(n)]
    return found


def _is_output(name: str) -> bool:
    return not is_ignored(name) and not name.endswith(".json")
