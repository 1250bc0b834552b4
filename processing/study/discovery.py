"""Discovery: walk a BIDS study into Study -> Participant -> Visit -> Acquisition objects.

Discovery is lazy: it lists folders and reads the small TSV tables, never voxel
data (NIfTI headers only for the rare multi-echo file without ``echo-``
entity, sidecars only when no table dates a visit). It is also tolerant: a
file it cannot use is skipped, never an exception; :func:`processing.study.validate`
reports why.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from processing.errors import FerretError
from processing.fileio.regular import is_reachable_dir
from processing.study.bids_names import (
    IMAGE_EXTENSIONS,
    KIND_DATATYPE,
    MULTI_ECHO_KINDS,
    BidsName,
    image_stem,
    is_ignored,
    is_valid_label,
    natural_key,
    parse_name,
)
from processing.study.dates import date_visit, dates_from_sessions_table, order_visits, read_tsv
from processing.study.derived import attach_derivatives
from processing.study.model import Acquisition, ImageFile, Participant, Study, Visit

_PART_ORDER = {"mag": 0, "phase": 1, "real": 2, "imag": 3}


def discover(root: str | Path) -> Study:
    """Discover every participant, visit, acquisition and Ferret derivative of a BIDS study.

    Parameters
    ----------
    root : str or Path
        The BIDS root folder (holding ``dataset_description.json`` and ``sub-*``).

    Returns
    -------
    Study
        Participants from participants.tsv and the ``sub-*`` folders, each with
        visits in chronological order.

    Raises
    ------
    FerretError
        When ``root`` is not a folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise FerretError(
            "this study folder does not exist.",
            root,
            "give the BIDS root folder (the one holding dataset_description.json).",
        )
    study = Study(root=root, name=_dataset_name(root), participants_table=participants_table(root))
    for label in participant_labels(root, study.participants_table):
        participant = Participant(label)
        participant.visits = discover_visits(root, root / label)
        study.participants[label] = participant
    attach_derivatives(study)
    return study


def _dataset_name(root: Path) -> str:
    try:
        return str(
            json.loads((root / "dataset_description.json").read_text("utf-8")).get("Name", "")
        )
    except (OSError, ValueError, AttributeError):
        return root.name


def participants_table(root: Path) -> list[dict[str, str]]:
    """Rows of participants.tsv ([] when absent or unreadable)."""
    path = root / "participants.tsv"
    try:
        return read_tsv(path) if path.is_file() else []
    except FerretError:
        return []


def participant_labels(root: Path, table: list[dict[str, str]]) -> list[str]:
    """``sub-XX`` labels of the participant folders, naturally sorted.

    A participant listed in participants.tsv without a folder has nothing to
    process: it is left out here (``validate`` and ``process`` warn about it,
    see :attr:`Study.listed_without_folder`); its row stays in the table.
    """
    labels = {
        e.name
        for e in os.scandir(root)
        if e.is_dir() and is_valid_label(e.name, "sub") and not is_ignored(e.name)
    }
    return sorted(labels, key=natural_key)


def discover_visits(root: Path, participant_dir: Path) -> list[Visit]:
    """Return the ``ses-*`` visits of one participant, dated and in chronological order."""
    sessions_dates = dates_from_sessions_table(participant_dir)
    visits = []
    for entry in os.scandir(participant_dir):
        if not (is_valid_label(entry.name, "ses") and is_reachable_dir(entry.path)) or is_ignored(
            entry.name
        ):
            continue
        visit = Visit(
            participant=participant_dir.name,
            session=entry.name,
            path=Path(entry.path),
            study_root=root,
        )
        visit.acquisitions = discover_acquisitions(visit.path)
        date_visit(visit, sessions_dates)
        visits.append(visit)
    return order_visits(visits)


def discover_acquisitions(session_dir: Path) -> dict[str, Acquisition]:
    """Group the images of one visit folder into acquisitions keyed by kind."""
    groups: dict[tuple, list[ImageFile]] = {}
    companions: dict[Path, set[str]] = {}
    for datatype_dir in (
        e for e in os.scandir(session_dir) if e.is_dir() and not is_ignored(e.name)
    ):
        folder = Path(datatype_dir.path)
        names = {n for n in os.listdir(folder) if not is_ignored(n)}
        companions[folder] = names
        for name in names:
            parsed = usable_image_name(name, session_dir, datatype_dir.name)
            if parsed is None:
                continue
            path = folder / name
            stem = image_stem(name)
            sidecar = folder / (stem + ".json") if stem + ".json" in names else None
            image = ImageFile(path, parsed.entities, parsed.suffix, sidecar)
            groups.setdefault((parsed.suffix, parsed.group_key()), []).append(image)
    acquisitions = [_acquisition(kind, files, companions) for (kind, _), files in groups.items()]
    return _keyed(acquisitions, list(groups))


def usable_image_name(name: str, session_dir: Path, datatype: str) -> BidsName | None:
    """Return the parsed name of an image Ferret uses in this folder, else None."""
    if not name.endswith(IMAGE_EXTENSIONS):
        return None
    parsed = parse_name(name)
    if parsed is None or parsed.kind is None or KIND_DATATYPE[parsed.kind] != datatype:
        return None
    ents = parsed.entities
    if ents.get("sub") != session_dir.parent.name[4:] or ents.get("ses") != session_dir.name[4:]:
        return None
    return parsed


def _file_order(image: ImageFile) -> tuple:
    ents = image.entities
    return (
        natural_key(ents.get("inv", "")),
        natural_key(ents.get("echo", "")),
        _PART_ORDER.get(ents.get("part", "mag"), 9),
        image.path.name,
    )


def _acquisition(
    kind: str, files: list[ImageFile], companions: dict[Path, set[str]]
) -> Acquisition:
    files.sort(key=_file_order)
    acq = Acquisition(kind, files)
    if kind == "dwi":
        names = companions[files[0].path.parent]
        stem = image_stem(files[0].path.name)
        acq.bval = files[0].path.with_name(stem + ".bval") if stem + ".bval" in names else None
        acq.bvec = files[0].path.with_name(stem + ".bvec") if stem + ".bvec" in names else None
    if kind in MULTI_ECHO_KINDS and all("echo" not in f.entities for f in files):
        acq.echoes_in_volumes = _is_multi_echo_4d(files)
    return acq


def _is_multi_echo_4d(files: list[ImageFile]) -> bool:
    """One file per part with several echoes as volumes: EchoTime list, else a 4D header."""
    parts = [f.entities.get("part", "mag") for f in files]
    if len(parts) != len(set(parts)):
        return False  # several files of one part without echo entity: ambiguous
    try:
        echo_time = files[0].metadata.get("EchoTime")
    except (OSError, ValueError):
        echo_time = None
    if isinstance(echo_time, list):
        return len(echo_time) > 1
    try:
        shape = files[0].header.get_data_shape()
    except Exception:  # noqa: BLE001 - unreadable header: validation reports it
        return False
    return len(shape) == 4 and shape[3] > 1


def acquisition_key(kind: str, group: tuple[tuple[str, str], ...]) -> str:
    """``dwi`` or, for a second acquisition of a kind, e.g. ``dwi_dir-AP``."""
    return "_".join([kind] + [f"{k}-{v}" for k, v in group])


def _keyed(acquisitions: list[Acquisition], groups: list[tuple]) -> dict[str, Acquisition]:
    """Key each acquisition by its kind, qualified by its entities only where a kind repeats."""
    count: dict[str, int] = {}
    for kind, _ in groups:
        count[kind] = count.get(kind, 0) + 1
    keyed = {}
    order = sorted(
        range(len(groups)), key=lambda i: (groups[i][0], len(groups[i][1]), groups[i][1])
    )
    for i in order:
        kind, group = groups[i]
        key = (
            kind
            if count[kind] == 1 or (not group and kind not in keyed)
            else acquisition_key(kind, group)
        )
        keyed[key] = acquisitions[i]
    return keyed
