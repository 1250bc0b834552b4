"""One rater's annotations of one participant on disk.

Folder ``derivatives/ferret-annotations/rater-<id>/sub-XX/`` holds

- ``sub-XX_space-ref_desc-lesions_dseg.nii.gz``: the label volume in the
  reference space (a checkpoint; its header's ``descrip`` names the last journal
  entry it contains, ``ferret-seq=N``), written atomically;
- ``sub-XX_annotations.sqlite``: lesions, ratings, the audit log and the stroke
  journal (:mod:`processing.annotations.database`);
- ``sub-XX_annotations.state.json``: the newest committed audit and journal
  sequence numbers with counts, rewritten atomically after every commit, so that
  a database that lost committed changes (a deleted ``-wal`` file, an older
  copy) is recognised on open (:mod:`processing.annotations.integrity`).

A damaged store is never opened, for reading or writing: :class:`DamagedStoreError`
says what was found and how to recover (:mod:`processing.annotations.recovery`).

Opening replays the journal entries newer than the checkpoint, so a kill during
(or before) a NIfTI write loses nothing that was journaled.
"""

from __future__ import annotations

import contextlib
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import nibabel as nib
import numpy as np

from processing.annotations.database import Transaction, connect, now_iso, store_state
from processing.annotations.integrity import DamagedStoreError, inspect_store, state_path
from processing.annotations.labels import LabelEdit, LabelVolume
from processing.errors import FerretError
from processing.fileio import atomic_path, write_json
from processing.spaces.grid import Grid

_SEQ_TAG = "ferret-seq="


@dataclass
class LesionRecord:
    """A lesion's metadata row."""

    lesion_id: int
    type: str
    visit: str | None
    onset_visit: str | None
    origin: str
    created: str
    modified: str
    deleted: bool = False


class RaterStore:
    """Read and write one rater's annotations of one participant.

    Parameters
    ----------
    folder : Path
        ``rater-<id>/sub-XX``.
    rater, participant : str
        Rater ID (without ``rater-``) and ``sub-XX``.
    readonly : bool
        Open for reading only (review modes); nothing is ever written.
    check_damage : bool
        Refuse a damaged store (default). Only an explicit recovery turns it off.

    Raises
    ------
    DamagedStoreError
        When :func:`~processing.annotations.integrity.inspect_store` finds damage.
    """

    def __init__(
        self,
        folder: Path,
        rater: str,
        participant: str,
        *,
        readonly: bool = False,
        check_damage: bool = True,
    ):
        self.folder, self.rater, self.participant, self.readonly = (
            Path(folder),
            rater,
            participant,
            readonly,
        )
        findings = inspect_store(self.folder, participant) if check_damage else []
        if findings:
            raise DamagedStoreError(self.folder, participant, rater, findings)
        self.db = connect(self.db_path, readonly=readonly)
        self.journal_seq = self.last_seq()

    @property
    def labels_path(self) -> Path:
        """The label NIfTI in the reference space."""
        return self.folder / f"{self.participant}_space-ref_desc-lesions_dseg.nii.gz"

    @property
    def db_path(self) -> Path:
        """The SQLite file."""
        return self.folder / f"{self.participant}_annotations.sqlite"

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    # -- labels ---------------------------------------------------------------
    def load_labels(self, grid: Grid | None) -> LabelVolume:
        """Return the label volume.

        Checkpoint plus newer journal entries (``grid`` used when new).
        """
        checkpoint_seq, volume = 0, None
        if self.labels_path.exists():
            volume, checkpoint_seq = self._read_checkpoint(grid)
        else:
            stored = self._stored_grid()
            grid = grid or stored
            if grid is None:
                raise FerretError(
                    "no reference grid known for these annotations.",
                    self.folder,
                    "open the participant with its reference space first.",
                )
            volume = LabelVolume(grid)
        for row in self.db.execute(
            "SELECT indices, label_values FROM strokes WHERE seq > ? ORDER BY seq",
            (checkpoint_seq,),
        ):
            indices = np.frombuffer(zlib.decompress(row["indices"]), np.int64)
            values = np.frombuffer(zlib.decompress(row["label_values"]), np.int32)
            volume.data.flat[indices] = values
        volume.note_used_ids(
            [volume.data.max(initial=0)] + [r.lesion_id for r in self.lesions(deleted=True)]
        )
        if not self.readonly:
            self._remember_grid(volume.grid)
        return volume

    def journal_edit(self, edit: LabelEdit, shape: tuple[int, ...], action: str) -> int:
        """Append an edit to the journal and the audit log in one transaction; return its seq."""
        indices, values = edit.changed_voxels(shape)
        before = _voxel_counts(edit.old, edit.new)
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO strokes (time, source, voxels, indices, label_values) VALUES (?, ?, ?, ?, ?)",
                (
                    now_iso(),
                    edit.source,
                    len(indices),
                    zlib.compress(indices.tobytes(), 1),
                    zlib.compress(values.tobytes(), 1),
                ),
            )
            self._audit(db, action, None, None, before[0], before[1])
        self.journal_seq = int(cursor.lastrowid)
        return self.journal_seq

    def last_seq(self) -> int:
        """Return the newest journal entry's sequence number (0 when empty)."""
        return int(self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM strokes").fetchone()[0])

    def write_checkpoint(self, data: np.ndarray, grid: Grid, seq: int) -> Path:
        """Atomically write the label NIfTI, tagged with the journal ``seq`` it contains."""
        image = nib.Nifti1Image(np.asarray(data, np.int32), grid.affine)
        image.set_sform(grid.affine, code=1)
        image.set_qform(grid.affine, code=1)
        image.header["descrip"] = f"{_SEQ_TAG}{seq}".encode()
        with atomic_path(self.labels_path) as tmp:
            nib.save(image, str(tmp))
        return self.labels_path

    # -- lesions and ratings ---------------------------------------------------
    def lesions(self, *, deleted: bool = False) -> list[LesionRecord]:
        """Lesion rows by ID (deleted ones too with ``deleted=True``)."""
        query = (
            "SELECT * FROM lesions"
            + ("" if deleted else " WHERE deleted = 0")
            + " ORDER BY lesion_id"
        )
        return [
            LesionRecord(**{**dict(row), "deleted": bool(row["deleted"])})
            for row in self.db.execute(query)
        ]

    def add_lesion(
        self,
        lesion_id: int,
        lesion_type: str,
        *,
        visit: str | None = None,
        onset_visit: str | None = None,
        origin: str = "painted",
    ) -> None:
        """Create (or revive) the metadata row of a lesion."""
        stamp = now_iso()
        after = {"type": lesion_type, "visit": visit, "onset_visit": onset_visit, "origin": origin}
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO lesions VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                (lesion_id, lesion_type, visit, onset_visit, origin, stamp, stamp),
            )
            self._audit(db, "add_lesion", lesion_id, None, None, after)

    def update_lesion(self, lesion_id: int, **changes) -> None:
        """Change metadata columns (type, visit, onset_visit, origin, deleted) with an audit row each."""
        allowed = {"type", "visit", "onset_visit", "origin", "deleted"}
        with self._transaction() as db:
            row = db.execute("SELECT * FROM lesions WHERE lesion_id = ?", (lesion_id,)).fetchone()
            if row is None:
                raise KeyError(lesion_id)
            for column, value in changes.items():
                if column not in allowed:
                    raise ValueError(f"unknown lesion column {column!r}")
                if row[column] == value:
                    continue
                db.execute(
                    f"UPDATE lesions SET {column} = ?, modified = ? WHERE lesion_id = ?",
                    (value, now_iso(), lesion_id),
                )
                self._audit(db, f"set_{column}", lesion_id, column, row[column], value)

    def set_rating(self, lesion_id: int, field: str, value: str | None) -> None:
        """Record one rating field's value (None clears it), with its audit row."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT value FROM ratings WHERE lesion_id = ? AND field = ?", (lesion_id, field)
            ).fetchone()
            before = row["value"] if row else None
            if before == value:
                return
            db.execute(
                "INSERT OR REPLACE INTO ratings VALUES (?, ?, ?, ?)",
                (lesion_id, field, value, now_iso()),
            )
            db.execute(
                "UPDATE lesions SET modified = ? WHERE lesion_id = ?", (now_iso(), lesion_id)
            )
            self._audit(db, "rate", lesion_id, field, before, value)

    def log_event(
        self, action: str, *, lesion_id=None, field=None, before=None, after=None
    ) -> None:
        """Append one audit row of its own (a consensus decision, an opening) in one transaction."""
        with self._transaction() as db:
            self._audit(db, action, lesion_id, field, before, after)

    def ratings(self) -> dict[int, dict[str, str]]:
        """``{lesion_id: {field: value}}`` of every rated field (cleared fields omitted)."""
        result: dict[int, dict[str, str]] = {}
        for row in self.db.execute(
            "SELECT lesion_id, field, value FROM ratings WHERE value IS NOT NULL"
        ):
            result.setdefault(row["lesion_id"], {})[row["field"]] = row["value"]
        return result

    def rating_times(self) -> dict[int, str]:
        """``{lesion_id: time of the last rating change}``."""
        rows = self.db.execute(
            "SELECT lesion_id, MAX(modified) AS t FROM ratings GROUP BY lesion_id"
        )
        return {row["lesion_id"]: row["t"] for row in rows}

    def audit_log(self) -> list[dict]:
        """Every audit row, oldest first (before/after decoded from JSON)."""
        rows = [dict(r) for r in self.db.execute("SELECT * FROM audit ORDER BY seq")]
        for row in rows:
            row["before"], row["after"] = json.loads(row["before"]), json.loads(row["after"])
        return rows

    def state(self) -> dict:
        """Return the newest committed audit and journal sequence numbers, counts and time."""
        return store_state(self.db)

    # -- internals ---------------------------------------------------------------
    @contextlib.contextmanager
    def _transaction(self):
        """One transaction; after its commit the state file records it."""
        with Transaction(self.db) as db:
            yield db
        write_json(state_path(self.folder, self.participant), self.state())

    def _audit(self, db, action: str, lesion_id, field, before, after) -> None:
        db.execute(
            "INSERT INTO audit (time, rater, participant, action, lesion_id, field, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                now_iso(),
                self.rater,
                self.participant,
                action,
                lesion_id,
                field,
                json.dumps(before),
                json.dumps(after),
            ),
        )

    def _read_checkpoint(self, grid: Grid | None) -> tuple[LabelVolume, int]:
        try:
            # the checkpoint is written as NIfTI: its header has the ``descrip`` field
            image = cast(nib.Nifti1Image, nib.load(str(self.labels_path)))
            data = np.asarray(image.dataobj, dtype=np.int32)
        except Exception as exc:  # noqa: BLE001 - any unreadable checkpoint is reported the same way
            raise FerretError(
                f"cannot read the saved lesion labels ({exc}).",
                self.labels_path,
                "move the file aside; the journal in the .sqlite file rebuilds it.",
            ) from exc
        stored = Grid(data.shape, image.affine)
        if grid is not None and not grid.same_as(stored):
            raise FerretError(
                "the saved lesion labels are on another grid than the reference space.",
                self.labels_path,
                "resample the labels or check the reference space.",
            )
        descrip = image.header["descrip"].tobytes().split(b"\0")[0].decode(errors="replace")
        seq = int(descrip[len(_SEQ_TAG) :]) if descrip.startswith(_SEQ_TAG) else 0
        return LabelVolume(stored, data), seq

    def _stored_grid(self) -> Grid | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'grid'").fetchone()
        if row is None:
            return None
        raw = json.loads(row["value"])
        return Grid(tuple(raw["shape"]), np.array(raw["affine"]))

    def _remember_grid(self, grid: Grid) -> None:
        value = json.dumps({"shape": list(grid.shape), "affine": grid.affine.tolist()})
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('grid', ?)", (value,))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('rater', ?)", (self.rater,))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('participant', ?)", (self.participant,))


def _voxel_counts(old: np.ndarray, new: np.ndarray) -> tuple[dict, dict]:
    """Voxel counts per changed lesion inside the edit's box, before and after."""
    differs = old != new
    ids = (set(np.unique(old[differs]).tolist()) | set(np.unique(new[differs]).tolist())) - {0}
    before = {str(i): int(np.count_nonzero(old == i)) for i in sorted(ids)}
    after = {str(i): int(np.count_nonzero(new == i)) for i in sorted(ids)}
    return before, after
