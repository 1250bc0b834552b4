"""The background label writer: one write at a time, and a failed write is retried, not fatal."""

from __future__ import annotations

import threading

import numpy as np

from processing.annotations import Grid, LabelVolume
from processing.annotations.checkpoint import Checkpointer


class RecordingStore:
    """Stands in for RaterStore: records checkpoint writes; the first write of seq 1 can be held."""

    def __init__(self, failures: int = 0):
        self.journal_seq = 1
        self.failures = failures
        self.calls: list[int] = []
        self.active = 0
        self.overlapped = False
        self.hold = threading.Event()
        self.hold.set()
        self.inside = threading.Event()

    def write_checkpoint(self, data, grid, seq):
        self.active += 1
        self.overlapped |= self.active > 1
        self.inside.set()
        try:
            self.hold.wait(10)
            if self.failures:
                self.failures -= 1
                raise OSError("No space left on device")
            self.calls.append(seq)
        finally:
            self.active -= 1


def _labels() -> LabelVolume:
    return LabelVolume(Grid((4, 4, 4), np.eye(4)))


def test_flushes_from_two_threads_never_write_at_once_and_end_on_the_newest():
    store = RecordingStore()
    checkpointer = Checkpointer(_labels(), store, delay=60.0)
    store.hold.clear()
    first = threading.Thread(target=checkpointer.flush)
    first.start()
    assert store.inside.wait(10)
    store.journal_seq = 2
    second = threading.Thread(target=checkpointer.flush)
    second.start()
    second.join(0.5)  # without serialisation the second write runs now, beside the first
    store.hold.set()
    first.join(10)
    second.join(10)
    checkpointer.stop()
    assert not store.overlapped
    assert store.calls == [1, 2] and checkpointer.written_seq == 2


def test_a_failed_background_write_is_kept_and_retried(wait_until):
    store = RecordingStore(failures=1)
    checkpointer = Checkpointer(_labels(), store, delay=0.01, max_wait=0.05)
    checkpointer.request()
    wait_until(lambda: checkpointer.written_seq == 1, timeout=10, message="the retried write")
    assert checkpointer.written_seq == 1 and store.calls == [1]
    assert checkpointer.last_error is None and checkpointer._thread.is_alive()
    checkpointer.stop()
