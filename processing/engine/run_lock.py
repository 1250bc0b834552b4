"""One processing run per study at a time.

Two runs of the engine on one study (two ``ferret process`` commands, or the
command line beside the app's background engine) would write the same
outputs and delete each other's temporary files. Every run therefore holds
``derivatives/ferret/.ferret-run.lock`` (:class:`processing.fileio.lock.LockFile`:
released by the operating system when its holder exits or is killed, so a
crashed run never blocks the next; the record a dead holder left behind is
reported as a stale lock taken over). A second run either shares the study
(``share=True``: it runs beside the holder, the per-job claims of
:mod:`processing.engine.claims` keep the two from computing the same job),
waits for the first (``wait`` seconds, or for ever with ``None``) or is
refused with a message naming the holder (PID, host, start time) and, when
it is known, the holder's progress (:mod:`processing.engine.run_record`).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from processing.engine.cache import Cache
from processing.engine.run_record import describe, live_runs
from processing.errors import Cancelled, FerretError
from processing.fileio.atomic import output_error
from processing.fileio.lock import LockFile
from processing.study.model import DERIVATIVES_DIRNAME

RUN_LOCK_NAME = ".ferret-run.lock"
POLL_SECONDS = 1.0


def stale_line(previous: str) -> str:
    """Return the line saying that a stale run lock was taken over."""
    return (
        f"took over a stale run lock: {previous}, which is no longer running "
        "(it ended without releasing it)"
    )


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
    share : bool
        When another run holds the lock (after ``wait``), go on without it
        (:attr:`shared` is then True) instead of raising.
    on_poll : callable, optional
        ``on_poll(holder)`` every poll while waiting (the holder's progress changes).
    on_stale : callable, optional
        ``on_stale(previous)`` when the lock was left by a holder that died holding it.

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
        share: bool = False,
        on_poll=None,
        on_stale=None,
    ):
        self.study_root = Path(study_root)
        self.lock = LockFile(run_lock_path(study_root))
        self.what, self.wait, self.on_wait, self.should_stop = what, wait, on_wait, should_stop
        self.share, self.on_poll, self.on_stale = share, on_poll, on_stale
        self.shared = False

    def holder(self) -> str:
        """Return the holder as it recorded itself, with its progress when its run record is found."""
        text = self.lock.holder()
        pid = re.search(r"\bpid (\d+)", text)
        for record in live_runs(Cache.for_study(self.study_root).folder):
            if pid and str(record.get("pid")) == pid.group(1):
                return describe(record)
        return text

    def __enter__(self) -> StudyRunLock:
        deadline = None if self.wait is None else time.monotonic() + self.wait
        told = False
        while not self._try():
            if deadline is not None and time.monotonic() >= deadline:
                if self.share:
                    self.shared = True
                    return self
                raise FerretError(
                    f"another run is processing this study ({self.holder()}).",
                    self.lock.path,
                    "wait for it to finish (or stop it), or rerun with --wait.",
                )
            if self.should_stop is not None and self.should_stop():
                raise Cancelled("cancelled while waiting for another run on this study")
            if not told and self.on_wait is not None:
                self.on_wait(self.holder())
                told = True
            if self.on_poll is not None:
                self.on_poll(self.holder())
            time.sleep(
                POLL_SECONDS
                if deadline is None
                else max(0.0, min(POLL_SECONDS, deadline - time.monotonic()))
            )
        if self.lock.previous and self.on_stale is not None:
            self.on_stale(self.lock.previous)
        return self

    def _try(self) -> bool:
        try:
            return self.lock.acquire(self.what)
        except OSError as exc:
            raise output_error(exc, self.lock.path) from None

    def __exit__(self, *exc) -> None:
        self.lock.release()
