"""State of a run: per-job states, the aggregate progress with ETA, the final summary.

These are plain Qt-free objects: the terminal reporter and the app's
processing panel both read a :class:`RunStatus` when it notifies them.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass, field

PENDING, RUNNING, DONE, CACHED, FAILED, SKIPPED, CANCELLED = (
    "pending",
    "running",
    "done",
    "cached",
    "failed",
    "skipped",
    "cancelled",
)
FINISHED = frozenset({DONE, CACHED, FAILED, SKIPPED, CANCELLED})


@dataclass
class JobState:
    """What is known of one job during a run."""

    name: str
    state: str = PENDING
    fraction: float = 0.0
    message: str = ""
    reason: str = ""
    started: float | None = None
    seconds: float | None = None
    details: str = ""
    refused: bool = False  # failed on bad input (a FerretError), not on a fault of Ferret's

    def eta(self, now: float) -> float | None:
        """Seconds left for a running job, extrapolated from its fraction."""
        if self.state != RUNNING or self.started is None or self.fraction <= 0:
            return None
        elapsed = now - self.started
        return elapsed * (1 - self.fraction) / self.fraction


@dataclass
class RunStatus:
    """All job states of a run and its aggregate progress; notifies listeners on change."""

    jobs: dict[str, JobState]
    started: float = field(default_factory=time.time)
    listeners: list[Callable[[RunStatus, JobState | None], None]] = field(default_factory=list)
    expected: dict[str, float] = field(default_factory=dict)  # seconds per job, earlier runs
    workers: int = 1

    def __post_init__(self) -> None:
        self._counts = collections.Counter(job.state for job in self.jobs.values())
        self._running = {name: None for name, job in self.jobs.items() if job.state == RUNNING}

    @classmethod
    def for_names(cls, names) -> RunStatus:
        """Return a run status with one waiting job per name."""
        return cls({name: JobState(name) for name in names})

    def set(self, name: str, state: str, **changes) -> JobState:
        """Change a job's state (and fields) and notify listeners."""
        job = self.jobs[name]
        self._counts[job.state] -= 1
        self._counts[state] += 1
        if state == RUNNING:
            self._running[name] = None  # a dict keeps the order in which jobs started
        else:
            self._running.pop(name, None)
        job.state = state
        for key, value in changes.items():
            setattr(job, key, value)
        self.notify(job)
        return job

    def notify(self, job: JobState | None = None) -> None:
        """Call every listener with this status and the job that changed."""
        for listener in list(self.listeners):
            listener(self, job)

    def count(self, *states: str) -> int:
        """Return the number of jobs in any of ``states``."""
        return sum(self._counts[state] for state in states)

    def running(self) -> list[JobState]:
        """Return the running jobs, in the order they started."""
        return [self.jobs[name] for name in self._running]

    @property
    def fraction(self) -> float:
        """Overall fraction: finished jobs plus the fractions of running ones."""
        if not self.jobs:
            return 1.0
        finished = self.count(*FINISHED)
        return (finished + sum(job.fraction for job in self.running())) / len(self.jobs)

    def eta(self, now: float | None = None) -> float | None:
        """Seconds left for the run.

        From the durations measured in earlier runs (:attr:`expected`, per job
        kind) when there are any: the expected seconds of the waiting jobs and
        the rest of the running ones, shared by :attr:`workers`. Otherwise from
        the rate of this run's real work (cached jobs excluded).
        """
        now = time.time() if now is None else now
        if self.expected:
            return self._eta_from_durations(now)
        work = len(self.jobs) - self.count(CACHED, SKIPPED, CANCELLED)
        done = self.count(DONE, FAILED) + sum(job.fraction for job in self.running())
        if work <= 0 or done <= 0:
            return None
        return (now - self.started) * (work - done) / done

    def _eta_from_durations(self, now: float) -> float:
        measured = [j.seconds for j in self.jobs.values() if j.state == DONE and j.seconds]
        pool = measured or list(self.expected.values())
        fallback = sum(pool) / len(pool)
        left = 0.0
        for job in self.jobs.values():
            expected = self.expected.get(job.name, fallback)
            if job.state == PENDING:
                left += expected
            elif job.state == RUNNING:
                started = now if job.started is None else job.started
                left += max(expected - (now - started), 0.0)
        return left / max(1, self.workers)

    def summary(self) -> RunSummary:
        """Return the run's summary: jobs counted by state, failures and time."""
        by_state = {
            s: [n for n, j in self.jobs.items() if j.state == s]
            for s in (DONE, CACHED, FAILED, SKIPPED, CANCELLED, PENDING)
        }
        reasons = {
            n: j.reason for n, j in self.jobs.items() if j.state in (FAILED, SKIPPED, CANCELLED)
        }
        refused = [n for n in by_state[FAILED] if self.jobs[n].refused]
        return RunSummary(
            by_state[DONE],
            by_state[CACHED],
            by_state[FAILED],
            by_state[SKIPPED],
            by_state[CANCELLED] + by_state[PENDING],
            reasons,
            time.time() - self.started,
            refused,
        )


@dataclass
class RunSummary:
    """What a run did: names per outcome, reasons of failures and skips, duration."""

    done: list[str]
    cached: list[str]
    failed: list[str]
    skipped: list[str]
    cancelled: list[str]
    reasons: dict[str, str]
    seconds: float
    refused: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every job is done or was already up to date."""
        return not (self.failed or self.skipped or self.cancelled)

    @property
    def exit_status(self) -> int:
        """0 on success, 2 when a job refused bad input, 1 when something else failed, 130 when cancelled.

        2 is the command line's status for bad input (as for argparse and
        every other refusal), so scripts can tell "fix your data" from "a
        job crashed".
        """
        if self.refused:
            return 2
        if self.failed or self.skipped:
            return 1
        return 130 if self.cancelled else 0

    def text(self) -> str:
        """Return a short human summary, one line per failed or skipped job."""
        lines = [
            f"{len(self.done)} done, {len(self.cached)} up to date, {len(self.failed)} failed, "
            f"{len(self.skipped)} skipped, {len(self.cancelled)} cancelled in {self.seconds:.1f} s"
        ]
        for name in self.failed:
            lines.append(f"FAILED  {name}: {self.reasons[name]}")
        for name in self.skipped:
            lines.append(f"SKIPPED {name}: {self.reasons[name]}")
        return "\n".join(lines)
