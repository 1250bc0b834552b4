"""Damage checks of a rater's store before anything opens it for writing.

:func:`inspect_store` looks, without writing a byte, for

- a database that is missing while the label volume or the state file says
  there was one, empty (0 bytes), not a SQLite file, shorter than its header
  says (truncated), failing SQLite's ``quick_check`` (garbage in its pages), or
  lacking Ferret's tables;
- a database that is *older* than what was committed: the state file
  (``sub-XX_annotations.state.json``, rewritten atomically after every commit:
  see :mod:`~processing.annotations.store`) names a later change than the
  database holds, or the label checkpoint contains journal entries the database
  lacks. This is what a lost ``-wal`` file (or an older copy put in place)
  looks like;
- label IDs in the checkpoint without a lesion record.

Each :class:`Finding` is one sentence about one file; :class:`DamagedStoreError`
carries them with the fix (``ferret annotate recover``) and names the first
finding's file.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import NamedTuple, cast

import nibabel as nib
import numpy as np

from processing.errors import FerretError

SQLITE_MAGIC = b"SQLite format 3\x00"
TABLES = {"meta", "lesions", "ratings", "audit", "strokes"}
STATE_SUFFIX = "_annotations.state.json"
SEQ_TAG = "ferret-seq="


class Finding(NamedTuple):
    """One damage: the file concerned and what is wrong with it."""

    path: Path
    text: str

    def __str__(self) -> str:
        return self.text


class DamagedStoreError(FerretError):
    """A rater's store is damaged; nothing was written. ``findings`` says what was found."""

    def __init__(self, folder: Path, participant: str, rater: str, findings: list):
        self.folder, self.participant, self.rater = Path(folder), participant, rater
        self.findings = [str(f) for f in findings]
        first = (
            findings[0].path
            if isinstance(findings[0], Finding)
            else self.folder / f"{participant}_annotations.sqlite"
        )
        study = _study_of(self.folder)
        fix = (
            f"nothing was changed; run `ferret annotate recover {study} --rater {rater} --participant "
            f"{participant} --list` to see the backups and what restoring one would lose."
        )
        super().__init__(
            f"this rater's annotations are damaged: {'; '.join(self.findings)}.", first, fix
        )


def state_path(folder: Path, participant: str) -> Path:
    """Return the state file written after every commit."""
    return Path(folder) / f"{participant}{STATE_SUFFIX}"


def read_state(folder: Path, participant: str) -> dict | None:
    """Return the last committed state (``audit_seq``, ``strokes_seq``, counts, time), or None."""
    try:
        state = json.loads(state_path(folder, participant).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def inspect_store(folder: Path, participant: str) -> list[Finding]:
    """Every damage found in ``folder``'s store (empty: healthy or never created)."""
    folder = Path(folder)
    db_path = folder / f"{participant}_annotations.sqlite"
    labels_path = folder / f"{participant}_space-ref_desc-lesions_dseg.nii.gz"
    state = read_state(folder, participant)
    if not db_path.exists():
        if labels_path.exists() or state is not None:
            return [
                Finding(
                    db_path, f"the database {db_path.name} is missing although lesions were saved"
                )
            ]
        return []
    problem = file_problem(db_path)
    if problem:
        return [Finding(db_path, problem)]
    return content_problems(db_path, labels_path, state)


def file_problem(db_path: Path) -> str | None:
    """Return what is wrong with the database file as a file (empty, not SQLite, truncated), or None."""
    if not db_path.is_file():
        return f"{db_path.name} is not a file (a folder or a special file is in its place)"
    size = db_path.stat().st_size
    if size == 0:
        return f"{db_path.name} is empty (0 bytes)"
    with open(db_path, "rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        return f"{db_path.name} is not a SQLite database (its header is damaged)"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    header_valid = header[24:28] == header[92:96]
    if header_valid and pages and size < pages * page_size:
        return f"{db_path.name} is truncated ({size} of {pages * page_size} bytes)"
    return None


def content_problems(db_path: Path, labels_path: Path, state: dict | None) -> list[Finding]:
    """Problems inside a readable database, and disagreements with the checkpoint and state file."""
    try:
        with _read_only(db_path) as db:
            check = [row[0] for row in db.execute("PRAGMA quick_check")]
            if check != ["ok"]:
                return [
                    Finding(
                        db_path,
                        f"{db_path.name} fails SQLite's integrity check ({_first_finding(check)})",
                    )
                ]
            missing = TABLES - {
                row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if missing:
                return [
                    Finding(
                        db_path, f"{db_path.name} lacks the table(s) {', '.join(sorted(missing))}"
                    )
                ]
            audit_seq, strokes_seq = (
                int(db.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {t}").fetchone()[0])
                for t in ("audit", "strokes")
            )
            records = {int(row[0]) for row in db.execute("SELECT lesion_id FROM lesions")}
    except sqlite3.DatabaseError as exc:
        return [Finding(db_path, f"{db_path.name} cannot be read by SQLite ({exc})")]
    found = []
    if state is not None and int(state.get("audit_seq", 0)) > audit_seq:
        lost = int(state["audit_seq"]) - audit_seq
        found.append(
            Finding(
                db_path,
                f"{db_path.name} lacks the last {lost} committed change(s) (up to "
                f"{state.get('time', 'an unknown time')}); its -wal file was probably lost "
                "or an older copy was put in its place",
            )
        )
    found += _checkpoint_problems(db_path, labels_path, strokes_seq, records)
    return found


def _first_finding(check: list[str]) -> str:
    """Return the first line of ``quick_check`` output that says something (on one line)."""
    lines = [line.strip() for text in check for line in str(text).splitlines()]
    useful = [line for line in lines if line and not line.startswith("***")]
    return (useful or lines or ["unknown"])[0][:200]


def _checkpoint_problems(
    db_path: Path, labels_path: Path, strokes_seq: int, records: set[int]
) -> list[Finding]:
    if not labels_path.exists():
        return []
    try:
        # the checkpoint is written as NIfTI: its header has the ``descrip`` field
        image = cast(nib.Nifti1Image, nib.load(str(labels_path)))
        descrip = image.header["descrip"].tobytes().split(b"\0")[0].decode(errors="replace")
        ids = set(np.unique(np.asarray(image.dataobj)).astype(int).tolist()) - {0}
    except Exception:  # noqa: BLE001 - any unreadable checkpoint is one finding
        return [Finding(labels_path, f"the saved label volume {labels_path.name} cannot be read")]
    found = []
    seq = (
        int(descrip[len(SEQ_TAG) :])
        if descrip.startswith(SEQ_TAG) and descrip[len(SEQ_TAG) :].isdigit()
        else 0
    )
    if seq > strokes_seq:
        found.append(
            Finding(
                labels_path,
                f"the label volume contains {seq - strokes_seq} stroke(s) the "
                "database's journal lacks",
            )
        )
    orphans = sorted(ids - records)
    if orphans:
        shown = ", ".join(map(str, orphans[:8])) + (" ..." if len(orphans) > 8 else "")
        found.append(
            Finding(
                db_path,
                f"lesion(s) {shown} of the label volume {labels_path} have no record in "
                "the database",
            )
        )
    return found


class _read_only:
    """A read-only SQLite connection that never creates or changes a file.

    ``immutable`` when alone.
    """

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> sqlite3.Connection:
        wal = self.path.with_name(self.path.name + "-wal")
        flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
        self.connection = sqlite3.connect(f"file:{self.path}?{flags}", uri=True, timeout=10)
        return self.connection

    def __exit__(self, *exc) -> None:
        self.connection.close()


def _study_of(folder: Path) -> Path:
    """Return the study root of ``<study>/derivatives/ferret-annotations/rater-X/sub-XX``."""
    parents = list(folder.parents)
    return parents[3] if len(parents) > 3 else folder
