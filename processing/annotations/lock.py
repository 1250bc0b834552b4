"""One writer per rater folder: an OS file lock that dies with its process.

The lock is an exclusive advisory lock (:class:`processing.fileio.lock.LockFile`)
on ``rater-<id>/.ferret-lock``. The operating system releases it when the
holder exits or is killed, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

from pathlib import Path

from processing.errors import FerretError
from processing.fileio.lock import LockFile

LOCK_NAME = ".ferret-lock"


class RaterLock:
    """Hold the write lock of a rater folder until :meth:`release`.

    Raises
    ------
    FerretError
        When another process holds it (the message names that process).
    """

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_NAME
        self._lock = LockFile(self.path)
        try:
            taken = self._lock.acquire()
        except OSError as exc:
            raise FerretError(
                f"cannot write in this rater's folder ({exc.strerror}).",
                self.path.parent,
                "make the folder (and the file system it is on) writable, or work on a copy of "
                "the study you can write to.",
            ) from exc
        if not taken:
            raise FerretError(
                f"this rater's annotations are already open for writing ({self._lock.holder()}).",
                self.path.parent,
                "close the other Ferret session of this rater, or choose another rater ID.",
            )

    @property
    def held(self) -> bool:
        """True until released."""
        return self._lock.held

    def release(self) -> None:
        """Give the lock back (idempotent)."""
        self._lock.release()
