"""Per-job claims: two runs on one study never compute the same job at once.

Before a run checks a job against the cache it claims the job: it creates
``<cache>/claims/<manifest stem>.claim`` and takes an exclusive ``flock`` on
it without waiting. The claim is held by the process that drives the run
(not by the worker) from the cache check until the job's manifest is
written, so a second run that finds the job claimed waits, and once the
claim is free it checks the cache again and reuses the output. The
operating system drops the lock when its holder dies (even by ``kill -9``),
so a crashed run never blocks the others; the holder writes its PID and host
into the file so that a waiting run can say whom it waits for.

A released claim is unlinked while still locked; a run that opened the old
file in the meantime notices (its descriptor no longer names the path) and
tries again, the usual guard for deleting ``flock`` files.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from processing.engine.job import Job
from processing.fileio.lock import _try_lock

CLAIMS_DIRNAME = "claims"


class JobClaim:
    """A held claim on one job; :meth:`release` gives it back (idempotent)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def release(self) -> None:
        """Unlink the claim file and drop the lock."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)  # while locked: nobody can take the old inode
        except OSError:
            pass  # e.g. Windows refuses to unlink an open file: the file stays, the lock goes
        os.close(self._fd)
        self._fd = None


class ClaimBook:
    """Claims of the jobs of one cache folder.

    Parameters
    ----------
    cache : Cache
        The claims live in ``<cache.folder>/claims`` and are named like the manifests.
    """

    def __init__(self, cache) -> None:
        self.cache = cache
        self.folder = cache.folder / CLAIMS_DIRNAME

    def path(self, job: Job) -> Path:
        """``<cache>/claims/<manifest stem>.claim``."""
        return self.folder / (self.cache.manifest_path(job).stem + ".claim")

    def try_claim(self, job: Job) -> JobClaim | None:
        """Claim ``job`` now; None when another run holds it.

        Raises
        ------
        OSError
            When the claim file cannot be created (e.g. a read-only study).
        """
        path = self.path(job)
        path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(3):  # the file may be unlinked between our open and our lock
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                os.close(fd)
                return None
            if _same_file(fd, path):
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
                return JobClaim(path, fd)
            os.close(fd)
        return None

    def holder(self, job: Job) -> str:
        """Who holds the job's claim, as the holder wrote it ("another run" when unknown)."""
        try:
            text = self.path(job).read_text(errors="replace").strip()
        except OSError:
            text = ""
        return text or "another run"


def _same_file(fd: int, path: Path) -> bool:
    try:
        held, named = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)
