"""Terminal reporting of a run: progress bars with ETA on a terminal, plain lines otherwise.

Use as a run listener: ``run(..., listeners=[reporter])`` then ``reporter.close()``.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from processing.engine.status import CACHED, DONE, FAILED, FINISHED, RUNNING, JobState, RunStatus

BAR_WIDTH = 24
REDRAW_SECONDS = 0.1


def format_seconds(seconds: float | None) -> str:
    """``h:mm:ss`` or ``m:ss``; ``--:--`` when unknown."""
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """Return a text bar such as ``[#########---------------]``."""
    filled = int(round(max(0.0, min(1.0, fraction)) * width))
    return "[" + "#" * filled + "-" * (width - filled) + "]"


class TerminalReporter:
    """Show a run's progress on ``stream``.

    Parameters
    ----------
    stream : text stream, optional
        Defaults to ``sys.stderr``.
    tty : bool, optional
        Force bars (True) or plain lines (False); defaults to ``stream.isatty()``.
    """

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._drawn_lines = 0
        self._last_draw = 0.0
        self._status: RunStatus | None = None
        self._reported: set[str] = set()

    def __call__(self, status: RunStatus, job: JobState | None) -> None:
        """Take a status change: report a newly finished job, redraw the bars now and then."""
        self._status = status
        if job is not None and job.state in FINISHED and job.name not in self._reported:
            self._reported.add(job.name)
            self._report_finished(status, job)
        if self.tty and time.monotonic() - self._last_draw >= REDRAW_SECONDS:
            self._redraw(status)

    def _report_finished(self, status: RunStatus, job: JobState) -> None:
        if job.state == CACHED:
            return  # up-to-date jobs are counted in the bar and the summary, not listed
        finished = status.count(*FINISHED)
        line = f"[{finished:>{len(str(len(status.jobs)))}}/{len(status.jobs)}] {job.state:<9} {job.name}"
        if job.state == DONE and job.seconds is not None:
            line += f" ({job.seconds:.1f} s)"
        elif job.reason and job.state != DONE:
            line += f": {job.reason}"
        self._print_above(line)

    def _print_above(self, line: str) -> None:
        self._erase()
        self.stream.write(line + "\n")
        self.stream.flush()

    def _redraw(self, status: RunStatus) -> None:
        self._last_draw = time.monotonic()
        self._erase()
        lines = [self.overall_line(status)] + [self.job_line(job) for job in status.running()]
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()
        self._drawn_lines = len(lines)

    def _erase(self) -> None:
        if self.tty and self._drawn_lines:
            self.stream.write("\x1b[F\x1b[2K" * self._drawn_lines)
            self._drawn_lines = 0

    @staticmethod
    def overall_line(status: RunStatus) -> str:
        """``[####----] 40% 200/500 jobs, 2 running, 1 failed, ETA 1:23``."""
        finished, total = status.count(*FINISHED), len(status.jobs)
        line = (
            f"{bar(status.fraction)} {status.fraction:4.0%} {finished}/{total} jobs, "
            f"{status.count(RUNNING)} running"
        )
        if status.count(FAILED):
            line += f", {status.count(FAILED)} failed"
        return line + f", ETA {format_seconds(status.eta())}"

    @staticmethod
    def job_line(job: JobState) -> str:
        """One running job: bar, percentage, message and ETA."""
        message = f" {job.message}" if job.message else ""
        eta = format_seconds(job.eta(time.time()))
        return f"  {bar(job.fraction, 12)} {job.fraction:4.0%} {job.name}{message} ETA {eta}"

    def close(self) -> None:
        """Draw the bars a last time so that the terminal shows the end state."""
        if self.tty and self._status is not None:
            self._erase()
            self.stream.write(self.overall_line(self._status) + "\n")
            self.stream.flush()
