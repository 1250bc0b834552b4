"""Recovering a damaged rater store, only ever by the rater's explicit choice.

Three ways back, each moving every file it replaces into
``damaged-<UTC time>/`` beside the store (nothing is deleted):

- :func:`restore_backup`: the newest good backup (or a chosen one); what it
  would lose is said first by :func:`loss_of` (changes after the backup, from
  the state file or what the damaged database still shows);
- :func:`rebuild_labels_from_journal`: when only the label volume is damaged,
  replay the database's stroke journal from the start (loses nothing);
- :func:`rebuild_from_labels`: keep only the painted voxels; every lesion gets
  a fresh record of one type, and types, visits, ratings and the audit history
  are lost (stated).

The caller holds the rater's lock (:class:`~processing.annotations.lock.RaterLock`).
"""

from __future__ import annotations

import datetime as _dt
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from processing.annotations.backup import Backup, backups_of
from processing.annotations.database import store_state
from processing.annotations.integrity import file_problem, inspect_store, read_state, state_path
from processing.errors import FerretError
from processing.fileio import atomic_path, write_json


@dataclass(frozen=True)
class StoreFiles:
    """The files of one participant's store in ``folder``."""

    folder: Path
    participant: str

    @property
    def database(self) -> Path:
        """The backup's copy of the database."""
        return self.folder / f"{self.participant}_annotations.sqlite"

    @property
    def labels(self) -> Path:
        """The backup's copy of the label checkpoint (may be absent: nothing painted yet)."""
        return self.folder / f"{self.participant}_space-ref_desc-lesions_dseg.nii.gz"

    def all(self) -> list[Path]:
        """Database (with its -wal and -shm), label volume and state file, as far as they exist."""
        names = [
            self.database,
            self.database.with_name(self.database.name + "-wal"),
            self.database.with_name(self.database.name + "-shm"),
            self.labels,
            state_path(self.folder, self.participant),
        ]
        return [path for path in names if path.exists()]


def last_known_state(files: StoreFiles) -> dict | None:
    """Return what the store last held.

    The state file, else whatever the damaged database still shows.
    """
    state = read_state(files.folder, files.participant)
    if state is not None or not files.database.exists() or file_problem(files.database):
        return state
    try:
        connection = sqlite3.connect(f"file:{files.database}?mode=ro&immutable=1", uri=True)
        try:
            return store_state(connection)
        finally:
            connection.close()
    except sqlite3.Error:
        return None


def loss_of(files: StoreFiles, backup: Backup) -> str:
    """In words: what restoring ``backup`` would lose against the last known state."""
    held = (
        f"{backup.info.get('lesions', '?')} lesion(s), {backup.info.get('ratings', '?')} rating(s), "
        f"last change {backup.info.get('time') or 'none'}"
    )
    known = last_known_state(files)
    if known is None:
        return f"holds {held}; what the damaged store held since is unknown (no state file, database unreadable)"
    lost = int(known.get("audit_seq", 0)) - int(backup.info.get("audit_seq", 0))
    if lost <= 0:
        return f"holds {held}; loses nothing that was committed"
    return (
        f"holds {held}; would lose {lost} change(s) made after it (the store last held "
        f"{known.get('lesions', '?')} lesion(s) and {known.get('ratings', '?')} rating(s), last change "
        f"{known.get('time') or 'unknown'})"
    )


def restore_backup(files: StoreFiles, backup: Backup | None = None) -> Path:
    """Put ``backup`` (default: the newest) in place of the store.

    Return the folder holding the old files.
    """
    choices = backups_of(files.folder)
    backup = backup or (choices[0] if choices else None)
    if backup is None:
        raise FerretError(
            "there is no backup of these annotations.",
            files.folder / "backups",
            "rebuild from the label volume with --from-labels TYPE, or from the journal "
            "with --from-journal if only the label volume is damaged.",
        )
    aside = _move_aside(files)
    _copy_into_place(backup.database(files.participant), files.database)
    if backup.labels(files.participant).exists():
        _copy_into_place(backup.labels(files.participant), files.labels)
    _check_healthy(files, aside)
    return aside


def rebuild_labels_from_journal(files: StoreFiles) -> Path:
    """Move the label volume aside so that opening replays the whole journal.

    The database must be healthy.
    """
    if not files.database.exists() or file_problem(files.database):
        raise FerretError(
            "the database is damaged too, so its journal cannot rebuild the labels.",
            files.database,
            "restore a backup instead (--backup).",
        )
    aside = _move_aside(StoreFiles(files.folder, files.participant), only=[files.labels])
    _check_healthy(files, aside)
    return aside


def rebuild_from_labels(files: StoreFiles, rater: str, lesion_type: str) -> Path:
    """Start a new database from the label volume's voxels alone (every lesion ``lesion_type``)."""
    from processing.annotations.session import AnnotationSession
    from processing.annotations.store import RaterStore

    if not files.labels.exists():
        raise FerretError(
            "there is no label volume to rebuild from.",
            files.labels,
            "restore a backup (--backup).",
        )
    aside = _move_aside(files, keep_labels=True)
    store = RaterStore(
        files.folder, rater, files.participant, check_damage=False
    )  # the rater chose this rebuild
    session = AnnotationSession(store, lesion_type=lesion_type, origin="rebuilt")
    session.close()
    return aside


def _move_aside(
    files: StoreFiles, *, only: list[Path] | None = None, keep_labels: bool = False
) -> Path:
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    aside = files.folder / f"damaged-{stamp}"
    aside.mkdir()
    for path in only if only is not None else files.all():
        if keep_labels and path == files.labels:
            shutil.copy2(path, aside / path.name)
        else:
            path.rename(aside / path.name)
    return aside


def _copy_into_place(source: Path, target: Path) -> None:
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)


def _check_healthy(files: StoreFiles, aside: Path) -> None:
    """Raise when the recovered store is still damaged; else record its state file afresh."""
    findings = inspect_store(files.folder, files.participant)
    if findings:
        raise FerretError(
            f"the recovered store is still damaged ({'; '.join(map(str, findings))}).",
            files.folder,
            f"the files it replaced are in {aside}; try an older backup (--list).",
        )
    connection = sqlite3.connect(f"file:{files.database}?mode=ro", uri=True)
    try:
        write_json(state_path(files.folder, files.participant), store_state(connection))
    finally:
        connection.close()
