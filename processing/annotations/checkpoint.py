"""Debounced background writing of the label NIfTI checkpoint.

:meth:`Checkpointer.request` returns at once; a worker thread waits until no
edit came for ``delay`` seconds (but never more than ``max_wait``), takes a
consistent copy of the labels under the volume's lock (never mid-stroke) with the
journal sequence it contains, and writes it atomically. Writes are serialised
(the worker and :meth:`Checkpointer.flush` never write at the same time), so the
file on disk and :attr:`Checkpointer.written_seq` always agree. A failed write
(e.g. a full disk) is kept in :attr:`Checkpointer.last_error` and retried; the
journal in SQLite still holds every stroke meanwhile.
"""

from __future__ import annotations

import threading
import time

from processing.annotations.labels import LabelVolume


class Checkpointer:
    """Rewrite ``store``'s label NIfTI shortly after edits, off the caller's thread."""

    def __init__(self, labels: LabelVolume, store, delay: float = 0.2, max_wait: float = 0.8):
        self.labels, self.store, self.delay, self.max_wait = labels, store, delay, max_wait
        self.written_seq = -1
        self.last_duration = 0.0
        self.last_error: Exception | None = None
        self._writing = threading.Lock()
        self._wake = threading.Condition()
        self._pending_since: float | None = None
        self._last_request = 0.0
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name="ferret-label-checkpoint", daemon=True
        )
        self._thread.start()

    def request(self) -> None:
        """Ask for a checkpoint soon."""
        with self._wake:
            now = time.monotonic()
            self._last_request = now
            if self._pending_since is None:
                self._pending_since = now
            self._wake.notify()

    def flush(self) -> None:
        """Write a checkpoint now, on the calling thread, if anything is unsaved."""
        with self._wake:
            self._pending_since = None
        self._write()

    def stop(self) -> None:
        """Flush and end the worker thread."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join()
        self._write()

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._pending_since is None and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
                since = self._pending_since
                if since is None:  # never: the wait above ends only on a pending write or a stop
                    continue
                now = time.monotonic()
                due = min(self._last_request + self.delay, since + self.max_wait)
                if now < due:
                    self._wake.wait(due - now)
                    continue
                self._pending_since = None
            try:
                done = self._write()
            except Exception as exc:  # noqa: BLE001 - keep the worker alive; the journal holds the edits
                self.last_error, done = exc, False
            if not done:
                self.request()  # mid-stroke or failed: try again shortly

    def _write(self) -> bool:
        with self._writing:
            with self.labels.lock:
                if self.labels.in_stroke:
                    return False
                seq = self.store.journal_seq
                if seq == self.written_seq:
                    return True
                data = self.labels.data.copy()
            start = time.perf_counter()
            self.store.write_checkpoint(data, self.labels.grid, seq)
            self.last_duration = time.perf_counter() - start
            self.written_seq, self.last_error = seq, None
            return True
