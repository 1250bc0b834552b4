"""One processing run per study at a time.

Two runs of the engine on one study (two ``ferret process`` commands, or the
command line beside the app's background engine) would write the same
outputs and delete each other's temporary files. Every run therefore holds
``derivatives/ferret/.ferret-run.lock`` (:class:`processing.fileio.lock.LockFile`:
released by the operating system when its holder exits or is killed, so a
crashed run never blocks the next). A second run either waits for the first
(``wait`` seconds, or for ever with ``None``) or is refused with a message
naming the holder (PID, host, start time).
"""

from __future__ import annotations

import time
from pathlib import Path

from processing.errors import Cancelled, FerretError
from processing.fileio.atomic import output_error
from processing.fileio.lock import LockFile
from processing.study.model import DERIVATIVES_DIRNAME

RUN_LOCK_NAME = ".ferret-run.lock"
POLL_SECONDS = 1.0


def run_lock_path(study_root: str | Path) -> Path:
    """``<study>/derivatives/ferret/.ferret-run.lock``."""
    return Path(study_root) / "derivatives" / DERIVATIVES_DIRNAME / RUN_LOCK_NAME


class StudyRunLock:
    """Hold the study's run lock (a context manager).

    Parameters
    ----------
    study_root : str or Path
    what : str
        Who is running, recorded for the message of a refused second run
        (e.g. ``"ferret process"``, ``"the Ferret app"``).
    wait : float or None
        Seconds to wait for another run to finish: 0 refuses at once, None
        waits for as long as it takes.
    on_wait : callable, optional
        ``on_wait(holder)`` once, when this run starts waiting.
    should_stop : callable, optional
        Polled while waiting; when it returns True the wait ends in
        :class:`~processing.errors.Cancelled` (e.g. the user cancelled).

    Raises
    ------
    FerretError
        When another run holds the lock after ``wait`` seconds, or the lock
        cannot be created (read-only derivatives, ...).
    """

    def __init__(
        self,
        study_root: str | Path,
        what: str = "a run",
        *,
        wait: float | None = 0.0,
        on_wait=None,
        should_stop=None,
    ):
        self.lock = LockFile(run_lock_path(study_root))
        self.what, self.wait, self.on_wait, self.should_stop = what, wait, on_wait, should_stop

    def __enter__(self) -> StudyRunLock:
        deadline = None if self.wait is None else time.monotonic() + self.wait
        told = False
        while not self._try():
            if deadline is not None and time.monotonic() >= deadline:
                raise FerretError(
                    f"another run is processing this study ({self.lock.holder()}).",
                    self.lock.path,
                    "wait for it to finish (or stop it), or rerun with --wait.",
                )
            if self.should_stop is not None and self.should_stop():
                raise Cancelled("cancelled while waiting for another run on this study")
            if not told and self.on_wait is not None:
                self.on_wait(self.lock.holder())
                told = True
            time.sleep(
                POLL_SECONDS
                if deadline is None
                else max(0.0, min(POLL_SECONDS, deadline - time.monotonic()))
            )
        return self

    def _try(self) -> bool:
        try:
            return self.lock.acquire(self.what)
        except OSError as exc:
            raise output_error(exc, self.lock.path) from None

    def __exit__(self, *exc) -> None:
        self.lock.release()
