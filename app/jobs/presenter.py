"""Qt-free presenter of an engine run: rows for the processing panel, summary, retry targets.

The engine calls :meth:`ProcessingPresenter.on_status` from the thread that
runs it; the panel reads :meth:`ProcessingPresenter.snapshot` from the GUI
thread on a timer. A lock guards the hand-over, so no Qt object is touched
off the GUI thread and the GUI never waits on the engine.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from processing.engine.reporter import format_seconds
from processing.engine.status import CANCELLED, FAILED, RUNNING, SKIPPED, JobState, RunStatus

COLUMNS = ("Job", "State", "Progress", "Duration", "Message or error")


@dataclass(frozen=True)
class JobRow:
    """One line of the panel."""

    name: str
    state: str
    percent: int
    duration: str
    message: str

    def cells(self) -> tuple[str, str, str, str, str]:
        """Return the row's cells: name, state, percent, duration, message."""
        return self.name, self.state, f"{self.percent}%", self.duration, self.message


@dataclass(frozen=True)
class Snapshot:
    """What the panel shows at one moment."""

    rows: tuple[JobRow, ...]
    summary: str
    running: bool
    version: int


class ProcessingPresenter:
    """Keeps the latest :class:`RunStatus` of a run in a thread-safe, displayable form."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status: RunStatus | None = None
        self._running = False
        self._version = 0
        self._summary_text = "No processing run yet."

    # -- engine side (any thread) ---------------------------------------------------------------
    def on_status(self, status: RunStatus, job: JobState | None) -> None:
        """Run listener: remember the status (cheap; rows are built when the panel asks)."""
        with self._lock:
            self._status = status
            self._version += 1

    def started(self) -> None:
        """Note that a run started (the panel redraws)."""
        with self._lock:
            self._running, self._version = True, self._version + 1
            self._summary_text = "Processing..."

    def waiting(self, holder: str) -> None:
        """Another run holds the study: say which, until this run gets its turn."""
        with self._lock:
            self._version += 1
            self._summary_text = f"Waiting for another run on this study to finish ({holder})..."

    def finished(self, summary) -> None:
        """Keep the summary text of the run that ended."""
        with self._lock:
            self._running, self._version = False, self._version + 1
            self._summary_text = summary.text()

    # -- GUI side -------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """Rows in run order, the summary line and whether a run is going on."""
        with self._lock:
            status, running, version, text = (
                self._status,
                self._running,
                self._version,
                self._summary_text,
            )
            jobs = (
                []
                if status is None
                else [self._row(job, time.time()) for job in list(status.jobs.values())]
            )
        return Snapshot(tuple(jobs), overall_line(status, running, text), running, version)

    @staticmethod
    def _row(job: JobState, now: float) -> JobRow:
        if job.state == RUNNING and job.started is not None:
            duration = format_seconds(now - job.started)
        else:
            duration = "" if job.seconds is None else f"{job.seconds:.1f} s"
        message = job.reason if job.state in (FAILED, SKIPPED, CANCELLED) else job.message
        return JobRow(job.name, job.state, int(round(100 * job.fraction)), duration, message)

    def retry_targets(self) -> list[str]:
        """Names of the failed, skipped and cancelled jobs of the last run (to run again)."""
        with self._lock:
            if self._status is None:
                return []
            return [
                name
                for name, job in self._status.jobs.items()
                if job.state in (FAILED, SKIPPED, CANCELLED)
            ]


def overall_line(status: RunStatus | None, running: bool, text: str) -> str:
    """``12/30 jobs, 2 running, 1 failed, ETA 0:42`` while running, else the summary text."""
    if status is None or not running:
        return text
    from processing.engine.status import FINISHED

    line = f"{status.count(*FINISHED)}/{len(status.jobs)} jobs, {status.count(RUNNING)} running"
    if status.count(FAILED):
        line += f", {status.count(FAILED)} failed"
    return line + f", ETA {format_seconds(status.eta())}"
