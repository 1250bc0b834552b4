"""A rater's live annotation session of one participant: labels that save themselves.

:class:`AnnotationSession` owns the :class:`LabelVolume` and its
:class:`RaterStore`. Each committed edit (one per stroke) is journaled into
SQLite before the stroke's ``release`` returns; new label values get a lesion
row of the current type; the label NIfTI checkpoint is rewritten atomically by a
background thread at most ``checkpoint_delay`` seconds after the last edit.
A verified backup of the store is taken when the session opens and closes and
every ``backup_interval`` seconds in between (:mod:`processing.annotations.backup`).
"""

from __future__ import annotations

import sqlite3
import time

import numpy as np

from processing.annotations.backup import INTERVAL_S, BackupTimer, make_backup
from processing.annotations.checkpoint import Checkpointer
from processing.annotations.labels import LabelEdit, LabelVolume
from processing.annotations.rows import LesionRow, measure_labels, read_lesion_rows
from processing.annotations.schema import LESION_TYPES
from processing.annotations.store import RaterStore
from processing.errors import FerretError
from processing.spaces.grid import Grid


class AnnotationSession:
    """Paint, type and rate the lesions of one participant as one rater.

    Parameters
    ----------
    store : RaterStore
        Opened for writing (the caller holds the rater lock).
    grid : Grid, optional
        The reference grid (required for a participant never annotated).
    lesion_type : str
        Type given to lesions created by painting.
    visit : str, optional
        The visit being annotated (recorded on new lesions; A-CMI onset).
    checkpoint_delay : float
        Seconds after the last edit before the label NIfTI is rewritten.
    backup_interval : float
        Seconds between backups while the session is open.
    origin : str
        Recorded on lesions this session creates (``painted``, ``imported``, ``rebuilt`` ...).
    """

    def __init__(
        self,
        store: RaterStore,
        grid: Grid | None = None,
        *,
        lesion_type: str = "A-CMI",
        visit: str | None = None,
        checkpoint_delay: float = 0.2,
        backup_interval: float = INTERVAL_S,
        origin: str = "painted",
    ):
        self.store = store
        self.labels: LabelVolume = store.load_labels(grid)
        self.lesion_type, self.visit = lesion_type, visit
        self.origin = origin
        self.checkpointer = Checkpointer(self.labels, store, checkpoint_delay)
        self.last_saved = time.monotonic()
        self._adopt_orphans()
        self.labels.subscribe(self._on_edit)
        self.backup_error: Exception | None = None
        self.back_up()
        self.backup_timer = BackupTimer(self.back_up, backup_interval)

    # -- editing ---------------------------------------------------------------
    def _on_edit(self, edit: LabelEdit) -> None:
        self.store.journal_edit(edit, self.labels.grid.shape, edit.source)
        self._adopt_orphans(set(np.unique(edit.new).tolist()) - {0})
        self.last_saved = time.monotonic()
        self.checkpointer.request()

    def _adopt_orphans(self, candidates=None) -> None:
        """Give a lesion row to label values present that have none (revive deleted rows)."""
        present = set(self.labels.ids()) if candidates is None else set(candidates)
        rows = {r.lesion_id: r for r in self.store.lesions(deleted=True)}
        for lesion_id in sorted(present):
            if lesion_id not in rows:
                onset = self.visit if self.lesion_type == "A-CMI" else None
                self.store.add_lesion(
                    lesion_id,
                    self.lesion_type,
                    visit=self.visit,
                    onset_visit=onset,
                    origin=self.origin,
                )
            elif rows[lesion_id].deleted:
                self.store.update_lesion(lesion_id, deleted=0)

    def set_lesion_type(self, lesion_id: int, lesion_type: str) -> None:
        """Change a lesion's type (one of :data:`LESION_TYPES`)."""
        if lesion_type not in LESION_TYPES:
            raise FerretError(
                f"unknown lesion type {lesion_type!r}.",
                None,
                f"use one of {', '.join(LESION_TYPES)}.",
            )
        self.store.update_lesion(lesion_id, type=lesion_type)

    def set_onset(self, lesion_id: int, visit: str | None) -> None:
        """Set the onset visit of a lesion (A-CMI)."""
        self.store.update_lesion(lesion_id, onset_visit=visit)

    def set_rating(self, lesion_id: int, field: str, value: str | None) -> None:
        """Record a rating field (on disk when this returns)."""
        self.store.set_rating(lesion_id, field, value)

    def mark_deleted(self, lesion_ids) -> None:
        """Mark lesions deleted after their voxels were erased (IDs are never reused)."""
        for lesion_id in lesion_ids:
            if not (self.labels.data == lesion_id).any():
                self.store.update_lesion(lesion_id, deleted=1)

    # -- reading -----------------------------------------------------------------
    def lesions(self, cortex=None) -> list[LesionRow]:
        """Return every live lesion's row: metadata, geometry, ratings and warning."""
        return read_lesion_rows(self.store, measure_labels(self.labels, cortex))

    # -- lifetime ------------------------------------------------------------------
    def flush(self) -> None:
        """Write the label checkpoint now (waits for it)."""
        self.checkpointer.flush()

    def back_up(self) -> None:
        """Take a backup now if anything changed since the newest.

        A failure is kept in ``backup_error``.
        """
        try:
            make_backup(self.store.folder, self.store.participant)
            self.backup_error = None
        except (OSError, sqlite3.Error) as exc:
            self.backup_error = exc

    def close(self) -> None:
        """Flush, stop the background writers, take a backup and close the database."""
        self.labels.unsubscribe(self._on_edit)
        self.backup_timer.stop()
        self.checkpointer.stop()
        self.back_up()
        self.store.close()
