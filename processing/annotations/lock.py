"""One writer per rater folder: an OS file lock that dies with its process.

The lock is an exclusive advisory lock (``fcntl.flock``; ``msvcrt.locking`` on
Windows) on ``rater-<id>/.ferret-lock``. The operating system releases it when
the holder exits or is killed, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from processing.errors import FerretError

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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise FerretError(f"cannot write in this rater's folder ({exc.strerror}).", self.path.parent,
                              "make the folder (and the file system it is on) writable, or work on a copy of "
                              "the study you can write to.") from exc
        if not _try_lock(self._fd):
            holder = _read_holder(self._fd)
            os.close(self._fd)
            self._fd = None
            raise FerretError(f"this rater's annotations are already open for writing ({holder}).",
                              self.path.parent,
                              "close the other Ferret session of this rater, or choose another rater ID.")
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)

    @property
    def held(self) -> bool:
        """True until released."""
        return self._fd is not None

    def release(self) -> None:
        """Give the lock back (idempotent)."""
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    return text or "another process"
