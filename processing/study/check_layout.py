"""Validation of the folder layout: required files, BIDS names, unexpected and orphan files.

These checks walk the folders themselves (discovery silently skips what it
cannot use; here every skipped file is explained).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from processing.fileio.regular import is_reachable_dir
from processing.study.bids_names import (
    COMPANION_EXTENSIONS,
    IMAGE_EXTENSIONS,
    KIND_DATATYPE,
    OTHER_BIDS_SUFFIXES,
    image_stem,
    is_ignored,
    is_valid_label,
    parse_name,
)
from processing.study.problems import Problem, error, warning

ROOT_FILES = {
    "dataset_description.json",
    "participants.tsv",
    "participants.json",
    "README",
    "README.md",
    "README.txt",
    "README.rst",
    "CHANGES",
    "LICENSE",
    "CITATION.cff",
    ".bidsignore",
    "sessions.json",
    "scans.json",
}
ROOT_FOLDERS = {"derivatives", "code", "sourcedata", "stimuli", "phenotype"}
DATATYPES = {"anat", "dwi", "fmap"}
_NAME_FIX = "rename it sub-<label>_ses-<label>[_<key>-<value>]_<suffix>.nii.gz (see the README)."


def check_dataset_files(root: Path) -> Iterator[Problem]:
    """dataset_description.json (required) and participants.tsv (recommended)."""
    if not (root / "dataset_description.json").is_file():
        yield error(
            root / "dataset_description.json",
            "dataset_description.json is missing.",
            'create it with at least {"Name": "...", "BIDSVersion": "1.9.0"}.',
        )
    if not (root / "participants.tsv").is_file():
        yield warning(
            root / "participants.tsv",
            "participants.tsv is missing: no demographics "
            "or clinical variables for the group tables.",
            "create it with a participant_id column and one row per sub-* folder.",
        )


def check_root_entries(root: Path) -> Iterator[Problem]:
    """Files and folders at the top of the study that BIDS does not define."""
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if is_ignored(entry.name):
            continue
        if entry.name.startswith("sub-"):
            if not is_valid_label(entry.name, "sub"):
                yield error(
                    Path(entry.path),
                    "not a BIDS participant label (sub-<letters and digits>), so "
                    "Ferret ignores this folder.",
                    "rename it, e.g. sub-01 (no '_', '-' or '.').",
                )
            continue
        allowed = ROOT_FOLDERS if is_reachable_dir(entry.path) else ROOT_FILES
        if entry.name not in allowed and not _is_top_level_sidecar(entry.name):
            yield warning(
                Path(entry.path),
                "unexpected entry at the top of the study (ignored).",
                "move it into code/ or sourcedata/, or delete it.",
            )


def _is_top_level_sidecar(name: str) -> bool:
    return name.endswith(".json") and parse_name("sub-x_" + name) is not None


def check_participant_folder(folder: Path) -> Iterator[Problem]:
    """Entries of ``sub-XX/``: ``ses-*`` folders and the sessions table only."""
    sessions_table = f"{folder.name}_sessions.tsv"
    has_session = False
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if is_ignored(entry.name):
            continue
        if entry.is_symlink() and not os.path.exists(entry.path):
            yield error(
                Path(entry.path),
                "a symbolic link that leads nowhere (broken, or a loop).",
                "replace the link with the folder or file itself.",
            )
        elif entry.name.startswith("ses-") and not is_valid_label(entry.name, "ses"):
            yield error(
                Path(entry.path),
                "not a BIDS session label (ses-<letters and digits>), so "
                "Ferret ignores this visit.",
                "rename it, e.g. ses-01 (no '_', '-' or '.').",
            )
        elif is_reachable_dir(entry.path) and entry.name.startswith("ses-"):
            has_session = True
        elif is_reachable_dir(entry.path) and entry.name in DATATYPES:
            yield error(
                Path(entry.path),
                "images directly under the participant, without a session "
                "folder: Ferret needs one ses-* folder per visit.",
                f"move them to {folder.name}/ses-01/{entry.name}/ and add ses-01 to their names.",
            )
        elif entry.name not in (sessions_table, sessions_table.replace(".tsv", ".json")):
            yield warning(
                Path(entry.path),
                "unexpected entry in the participant folder (ignored).",
                f"only ses-* folders and {sessions_table} belong here.",
            )
    if not has_session and not any(e.name in DATATYPES for e in os.scandir(folder)):
        yield error(
            folder,
            "this participant has no ses-* visit folders.",
            "add the visits as ses-01, ses-02, ... or remove the folder.",
        )


def check_session_folder(folder: Path) -> Iterator[Problem]:
    """Entries of ``ses-YY/``: datatype folders and the scans table; then each datatype folder."""
    scans = f"{folder.parent.name}_{folder.name}_scans"
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if is_ignored(entry.name):
            continue
        path = Path(entry.path)
        if is_reachable_dir(entry.path) and entry.name in DATATYPES:
            yield from check_datatype_folder(path)
        elif is_reachable_dir(entry.path):
            yield warning(
                path,
                f"folder '{entry.name}' holds no data Ferret uses (ignored).",
                "Ferret reads anat/, dwi/ and fmap/; leave it or move it out.",
            )
        elif image_stem(entry.name) != scans:
            yield warning(
                path,
                "unexpected file in the session folder (ignored).",
                "images belong in anat/, dwi/ or fmap/.",
            )


def check_datatype_folder(folder: Path) -> Iterator[Problem]:
    """Every file of an ``anat/``, ``dwi/`` or ``fmap/`` folder: name, place, companions."""
    names = sorted(n for n in os.listdir(folder) if not is_ignored(n))
    images = {image_stem(n) for n in names if n.endswith(IMAGE_EXTENSIONS)}
    for name in names:
        yield from check_file_name(folder / name, images)


def check_file_name(path: Path, image_stems: set[str]) -> Iterator[Problem]:
    """One file of a datatype folder."""
    name, folder = path.name, path.parent
    session, participant = folder.parent.name, folder.parent.parent.name
    if not name.endswith(IMAGE_EXTENSIONS + COMPANION_EXTENSIONS):
        yield warning(
            path,
            "unexpected file type (ignored).",
            "images must be .nii or .nii.gz; move other files out of the study.",
        )
        return
    parsed = parse_name(name)
    if parsed is None:
        yield error(path, "this is not a BIDS file name, so Ferret ignores the file.", _NAME_FIX)
        return
    expected = {"sub": participant[4:], "ses": session[4:]}
    if any(parsed.entities.get(k) != v for k, v in expected.items()):
        yield error(
            path,
            f"the name does not match its folder {participant}/{session}.",
            f"start the name with {participant}_{session}_ or move it to the right folder.",
        )
        return
    if name.endswith(IMAGE_EXTENSIONS):
        yield from _check_image_suffix(path, parsed.suffix, folder.name)
    elif image_stem(name) not in image_stems:
        yield from _orphan(path, name)


def _check_image_suffix(path: Path, suffix: str, datatype: str) -> Iterator[Problem]:
    if suffix in KIND_DATATYPE:
        if KIND_DATATYPE[suffix] != datatype:
            yield error(
                path,
                f"a {suffix} image belongs in {KIND_DATATYPE[suffix]}/, not {datatype}/.",
                f"move it to ../{KIND_DATATYPE[suffix]}/.",
            )
        return
    close = [k for k in KIND_DATATYPE if k.lower() == suffix.lower()]
    if close:
        yield error(
            path,
            f"unknown suffix '{suffix}' (BIDS suffixes are case-sensitive).",
            f"rename the suffix to '{close[0]}'.",
        )
    elif suffix in OTHER_BIDS_SUFFIXES:
        yield warning(
            path,
            f"unexpected file: Ferret does not use '{suffix}' images (ignored).",
            "nothing to do if this is intended.",
        )
    else:
        yield error(
            path,
            f"unknown BIDS suffix '{suffix}'.",
            "use one of: " + ", ".join(KIND_DATATYPE) + ".",
        )


def _orphan(path: Path, name: str) -> Iterator[Problem]:
    if name.endswith(".json"):
        yield warning(
            path,
            "JSON sidecar without its image.",
            "add the image of the same name, or delete the sidecar.",
        )
    else:
        kind = name.rsplit(".", 1)[-1]
        yield error(
            path,
            f"a .{kind} file without its image (.nii.gz of the same name).",
            "add the missing image, or rename the file to match it.",
        )
