"""An exclusive lock on a file that dies with its holder (``flock``; ``msvcrt.locking`` on Windows).

The operating system releases the lock when the holding process exits or is
killed, so a crash never leaves a stale lock: a lock file whose holder is gone
is simply free again. The file records who holds it (PID, host, start time)
so that a refusal can say which process to look for; a clean release empties
the record, so a record found by the next holder (:attr:`LockFile.previous`)
names a holder that died without releasing: a stale lock, taken over.
"""

from __future__ import annotations

import datetime as _dt
import os
import socket
import sys
from pathlib import Path


class LockFile:
    """A lock file at ``path``; :meth:`acquire` takes it without waiting.

    Raises
    ------
    OSError
        From :meth:`acquire` when the file cannot be created (read-only folder, ...).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._fd: int | None = None
        self.previous = ""  # the record left by a holder that died holding the lock

    def acquire(self, what: str = "") -> bool:
        """Take the lock and record this process as holder; False when another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            os.close(fd)
            return False
        self.previous = os.pread(fd, 4096, 0).decode(errors="replace").strip()
        os.ftruncate(fd, 0)
        started = _dt.datetime.now().isoformat(timespec="seconds")
        os.pwrite(
            fd,
            f"{what + ' by ' if what else ''}pid {os.getpid()} on {socket.gethostname()} "
            f"since {started}\n".encode(),
            0,
        )
        self._fd = fd
        return True

    def holder(self) -> str:
        """Who holds the lock, as its holder wrote it ("another process" when unknown)."""
        try:
            text = self.path.read_text(errors="replace").strip()
        except OSError:
            text = ""
        return text or "another process"

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def release(self) -> None:
        """Give the lock back (idempotent)."""
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)  # a clean release: nobody is recorded as holder
            except OSError:
                pass
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # no fcntl on Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
