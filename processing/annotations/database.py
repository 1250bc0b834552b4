"""The SQLite file of one rater and one participant: lesions, ratings, audit, journal.

WAL mode with ``synchronous=FULL``: a committed transaction survives a kill of
the process (and a power cut), and readers in review mode never block the
rater. The audit log is append-only, enforced by triggers: SQLite itself
refuses to update or delete an audit row.

Tables
------
meta(key, value)
    Rater, participant, reference grid, format version.
lesions(lesion_id, type, visit, onset_visit, origin, created, modified, deleted)
    One row per label value ever used; deleted lesions keep their row so that
    their ID is never reused.
ratings(lesion_id, field, value, modified)
    The current value of each rating field.
audit(seq, time, rater, participant, action, lesion_id, field, before, after)
    Who changed what, when, from what to what (JSON texts).
strokes(seq, time, source, voxels, indices, label_values)
    The journal of label edits: flat voxel indices and new values (zlib), replayed
    over the last NIfTI checkpoint when a session reopens after a crash.
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
from pathlib import Path

from processing.errors import FerretError

FORMAT_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lesions (
    lesion_id INTEGER PRIMARY KEY, type TEXT NOT NULL, visit TEXT, onset_visit TEXT,
    origin TEXT NOT NULL DEFAULT 'painted', created TEXT NOT NULL, modified TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS ratings (
    lesion_id INTEGER NOT NULL, field TEXT NOT NULL, value TEXT, modified TEXT NOT NULL,
    PRIMARY KEY (lesion_id, field));
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, rater TEXT NOT NULL,
    participant TEXT NOT NULL, action TEXT NOT NULL, lesion_id INTEGER, field TEXT,
    before TEXT, after TEXT);
CREATE TABLE IF NOT EXISTS strokes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, source TEXT NOT NULL,
    voxels INTEGER NOT NULL, indices BLOB NOT NULL, label_values BLOB NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def now_iso() -> str:
    """Return the current UTC time, ISO 8601 with milliseconds."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open (and for writing, create and migrate) an annotation database."""
    try:
        if readonly:
            if not path.exists():
                raise FerretError(
                    "no annotation database here.", path, "check the rater and participant."
                )
            connection = _connect_read_only(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(str(path), timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.executescript(SCHEMA)
            connection.execute(
                "INSERT OR IGNORE INTO meta VALUES ('format_version', ?)", (str(FORMAT_VERSION),)
            )
    except OSError as exc:
        raise FerretError(
            f"cannot write here ({exc.strerror}).",
            path.parent,
            "make the folder writable, or work on a copy of the study you can write to.",
        ) from exc
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "unable to open" in str(exc):
            raise FerretError(
                f"cannot write the annotation database ({exc}).",
                path,
                "make the folder and the file writable, or work on a copy of the study.",
            ) from exc
        raise FerretError(
            f"cannot open the annotation database ({exc}).",
            path,
            "another program may hold it; close it and retry.",
        ) from exc
    except sqlite3.DatabaseError as exc:
        raise FerretError(
            f"cannot open the annotation database ({exc}).",
            path,
            "see `ferret annotate recover --help` to restore a backup.",
        ) from exc
    connection.row_factory = sqlite3.Row
    return connection


def store_state(connection: sqlite3.Connection) -> dict:
    """Newest audit and journal sequence numbers, live lesions, answered ratings, time of the last change."""
    row = connection.execute(
        "SELECT (SELECT COALESCE(MAX(seq), 0) FROM audit), (SELECT COALESCE(MAX(seq), 0) FROM strokes), "
        "(SELECT COUNT(*) FROM lesions WHERE deleted = 0), "
        "(SELECT COUNT(*) FROM ratings WHERE value IS NOT NULL), (SELECT MAX(time) FROM audit)"
    ).fetchone()
    return {
        "audit_seq": row[0],
        "strokes_seq": row[1],
        "lesions": row[2],
        "ratings": row[3],
        "time": row[4],
    }


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """Read-only; on read-only media (where SQLite cannot make the WAL index) as an immutable file.

    Immutable reading skips SQLite's locking, which is safe only because no
    writer can have a database open on a file system nobody can write.
    """
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return connection
    except sqlite3.OperationalError:
        connection.close()
        if os.access(path.parent, os.W_OK) and not _read_only_mount(path.parent):
            raise
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, timeout=10)


def _read_only_mount(folder: Path) -> bool:
    """Return True when ``folder`` lies on a file system mounted read-only."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


class Transaction:
    """``with Transaction(connection):`` runs the block in BEGIN IMMEDIATE ... COMMIT."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        self.connection.execute("BEGIN IMMEDIATE")
        return self.connection

    def __exit__(self, kind, value, traceback) -> None:
        self.connection.execute("ROLLBACK" if kind else "COMMIT")
