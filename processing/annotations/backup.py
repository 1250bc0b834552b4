"""Rolling, verified backups of one rater's store of one participant.

A backup is a folder ``backups/<UTC time>/`` beside the store holding a copy of
the label checkpoint (copied first), a copy of the database made by SQLite's
online backup API (a consistent snapshot even while the rater works; the
journal entries newer than the copied checkpoint replay over it on restore),
and ``backup.json`` with what it holds. The copy is checked with
``PRAGMA quick_check`` before its folder is renamed into place, so a listed
backup is a good one. The newest :data:`KEEP` generations are kept; a backup is
skipped when nothing changed since the newest one.

Sessions take one when they open and close and every :data:`INTERVAL_S` seconds
in between (:class:`BackupTimer`); recovery takes one of whatever it replaces.
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from processing.annotations.database import store_state
from processing.fileio import write_json

BACKUP_DIRNAME = "backups"
KEEP = 5
INTERVAL_S = 600.0
INFO_NAME = "backup.json"


@dataclass(frozen=True)
class Backup:
    """One backup folder and what it holds.

    ``info``: audit_seq, lesions, ratings, time of last change.
    """

    folder: Path
    info: dict

    @property
    def taken(self) -> str:
        """When it was taken (UTC, ISO 8601)."""
        return str(self.info.get("taken", self.folder.name))

    def database(self, participant: str) -> Path:
        """Return the database copy."""
        return self.folder / f"{participant}_annotations.sqlite"

    def labels(self, participant: str) -> Path:
        """Return the label checkpoint copy (may be absent: nothing painted yet)."""
        return self.folder / f"{participant}_space-ref_desc-lesions_dseg.nii.gz"


def backups_of(folder: Path) -> list[Backup]:
    """Complete backups of a store, newest first."""
    root = Path(folder) / BACKUP_DIRNAME
    found = []
    for path in sorted(root.glob("20*"), reverse=True):
        try:
            found.append(Backup(path, json.loads((path / INFO_NAME).read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            continue  # an incomplete or foreign folder is not a backup
    return found


def make_backup(folder: Path, participant: str) -> Backup | None:
    """Back up a healthy store (from any thread).

    None when the newest backup already holds its state.
    """
    folder = Path(folder)
    source = sqlite3.connect(
        f"file:{folder / f'{participant}_annotations.sqlite'}?mode=ro", uri=True, timeout=10
    )
    try:
        return _backup_from(source, folder, participant)
    finally:
        source.close()


def _backup_from(source: sqlite3.Connection, folder: Path, participant: str) -> Backup | None:
    state = store_state(source)
    existing = backups_of(folder)
    if existing and existing[0].info.get("audit_seq") == state.get("audit_seq"):
        return None
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    final = folder / BACKUP_DIRNAME / stamp
    partial = final.with_name(f".{stamp}.part")
    partial.mkdir(parents=True)
    try:
        labels = folder / f"{participant}_space-ref_desc-lesions_dseg.nii.gz"
        if labels.exists():
            shutil.copy2(labels, partial / labels.name)
        _copy_database(source, partial / f"{participant}_annotations.sqlite")
        write_json(partial / INFO_NAME, {**state, "taken": _dt.datetime.now(_dt.UTC).isoformat()})
        partial.rename(final)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    _rotate(folder)
    return Backup(final, json.loads((final / INFO_NAME).read_text(encoding="utf-8")))


def _copy_database(connection: sqlite3.Connection, target: Path) -> None:
    """SQLite's online backup of ``connection`` into ``target``, verified, as a single self-contained file."""
    copy = sqlite3.connect(str(target))
    try:
        connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        check = copy.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(f"the backup copy fails its check ({check})")
    finally:
        copy.close()


def _rotate(folder: Path) -> None:
    for old in backups_of(folder)[KEEP:]:
        shutil.rmtree(old.folder, ignore_errors=True)


class BackupTimer:
    """Call ``take()`` every ``interval`` seconds on a daemon thread until :meth:`stop`."""

    def __init__(self, take, interval: float = INTERVAL_S):
        self.take, self.interval = take, interval
        self.last_error: Exception | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ferret-store-backup", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.take()
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 - a failed backup must not stop the rater; kept for display
                self.last_error = exc

    def stop(self) -> None:
        """End the thread (waits for a backup in progress)."""
        self._stop.set()
        self._thread.join()
