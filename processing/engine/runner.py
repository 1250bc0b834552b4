"""Run a job graph: check the cache, schedule ready jobs, record results, isolate failures.

A job is checked against the cache when all its dependencies have finished,
so a dependency that reran but wrote identical bytes does not force its
dependants to rerun. A failed job's dependants are skipped with the reason;
independent jobs go on. Cancelling stops scheduling and asks running jobs to
stop; whatever finished is kept and recorded.

Runs on one study cooperate through per-job claims
(:mod:`processing.engine.claims`): a job another run is computing is put
aside and, once that run lets go of it, checked against the cache again and
reused. Each run starts its ETA from the per-kind durations of earlier runs
and adds its own (:mod:`processing.engine.durations`).
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from processing.engine.cache import Cache, CacheCheck
from processing.engine.claims import ClaimBook, JobClaim
from processing.engine.durations import Durations
from processing.engine.executors import SerialExecutor
from processing.engine.graph import Graph
from processing.engine.status import (
    CACHED,
    CANCELLED,
    DONE,
    FAILED,
    PENDING,
    RUNNING,
    SKIPPED,
    JobState,
    RunStatus,
    RunSummary,
)
from processing.engine.worker import JobCall, JobResult
from processing.errors import FerretError
from processing.fileio.atomic import output_error
from processing.progress import Progress

Listener = Callable[[RunStatus, JobState | None], None]
WAIT_SECONDS = 0.05
CLAIM_POLL_SECONDS = 0.5  # how often a job claimed by another run is tried again


def run(
    graph: Graph,
    cache: Cache,
    executor=None,
    *,
    targets: Iterable[str | Path] | None = None,
    progress: Progress | None = None,
    listeners: Iterable[Listener] = (),
) -> RunSummary:
    """Bring every job of ``graph`` (or only what ``targets`` need) up to date.

    Parameters
    ----------
    graph : Graph
    cache : Cache
    executor : optional
        :class:`~processing.engine.executors.SerialExecutor` (default),
        :class:`~processing.engine.executors.ProcessExecutor` or
        :class:`~processing.engine.dask_executor.DaskExecutor`.
    targets : iterable of job names or output paths, optional
    progress : Progress, optional
        Receives the overall fraction; cancelling it cancels the run.
    listeners : iterable of callables
        Called as ``listener(status, changed_job_or_None)`` on every change.

    Returns
    -------
    RunSummary
        Done, cached, failed, skipped and cancelled jobs with reasons.
    """
    if targets is not None:
        graph = graph.subgraph(targets)
    scheduler = _Scheduler(graph, cache, executor or SerialExecutor(), progress or Progress())
    scheduler.status.listeners.extend(listeners)
    durations = Durations(cache.folder)
    scheduler.status.expected = durations.expected_for(graph.order)
    try:
        return scheduler.run()
    finally:
        durations.add(scheduler.measured)


class _Scheduler:
    def __init__(self, graph: Graph, cache: Cache, executor, progress: Progress):
        self.graph, self.cache, self.executor, self.progress = graph, cache, executor, progress
        self.status = RunStatus.for_names(graph.order)
        self.status.listeners.append(self._forward_fraction)
        self.waiting = {name: len(deps) for name, deps in graph.dependencies.items()}
        self.ready = collections.deque(name for name in graph.order if not self.waiting[name])
        self.running: dict[object, tuple[str, CacheCheck, JobClaim]] = {}
        self.claims = ClaimBook(cache)
        self.deferred: dict[str, None] = {}  # jobs another run is computing, in order
        self.last_retry = 0.0
        self.measured: dict[str, float] = {}  # seconds of the jobs this run computed
        self.status.workers = executor.capacity
        self.cancel_sent = False
        self.suspects: set[str] = set()  # jobs whose worker died once; they are retried alone
        self.rank = {name: index for index, name in enumerate(graph.order)}

    def run(self) -> RunSummary:
        self.executor.start(self._on_event, self.progress)
        try:
            self._loop()
        finally:
            self.executor.close()
            for _, _, claim in self.running.values():  # left by an error: never block other runs
                claim.release()
        for name, job in self.status.jobs.items():
            if job.state in (PENDING, RUNNING):
                self.status.set(name, CANCELLED, reason="not run: the run was cancelled")
        return self.status.summary()

    def _loop(self) -> None:
        while self.running or ((self.ready or self.deferred) and not self.progress.cancelled):
            try:
                self._retry_deferred()
                self._submit_ready()
                if self.running:
                    done = self.executor.wait(list(self.running), WAIT_SECONDS)
                    self.executor.poll()
                    for future in done:
                        self._finish(future)
                elif self.deferred and not self.ready:
                    time.sleep(CLAIM_POLL_SECONDS)
            except KeyboardInterrupt:
                self.progress.cancel()
            if self.progress.cancelled and not self.cancel_sent:
                self.cancel_sent = True
                self.executor.cancel()

    def _submit_ready(self) -> None:
        while self._may_submit():
            name = self.ready.popleft()
            claim = self._claim(name)
            if claim is None:
                continue
            job = self.graph[name]
            try:
                check = self.cache.check(job)
            except FerretError as exc:
                claim.release()
                self._fail(name, exc.message(), refused=True)
                continue
            if check.current:
                self.cache.refresh(job, check)
                claim.release()
                reused = self.status.jobs[name].reason.startswith("another run")
                reason = "reused: computed by another run on this study" if reused else check.reason
                self.status.set(name, CACHED, reason=reason, fraction=1.0, message="")
                self._release(name)
                continue
            self.status.set(name, RUNNING, reason=check.reason, started=time.time())
            call = JobCall(name, job.func, job.args, job.params, job.outputs)
            self.running[self.executor.submit(call)] = (name, check, claim)

    def _claim(self, name: str) -> JobClaim | None:
        """Claim a job; when another run computes it, put it aside (None)."""
        job = self.graph[name]
        try:
            claim = self.claims.try_claim(job)
        except OSError as exc:
            self._fail(name, output_error(exc, self.claims.path(job)).message(), refused=True)
            return None
        if claim is None:
            holder = self.claims.holder(job)
            reason = f"another run ({holder}) is computing it: waiting to reuse its output"
            if self.status.jobs[name].reason != reason:
                self.status.set(name, PENDING, reason=reason, message=reason)
            self.deferred[name] = None
        return claim

    def _retry_deferred(self) -> None:
        """Every CLAIM_POLL_SECONDS, put the jobs claimed by other runs back in line."""
        if not self.deferred or time.monotonic() - self.last_retry < CLAIM_POLL_SECONDS:
            return
        self.last_retry = time.monotonic()
        names = sorted(self.deferred, key=self.rank.__getitem__)
        self.deferred.clear()
        self.ready.extendleft(reversed(names))

    def _may_submit(self) -> bool:
        if not self.ready or len(self.running) >= self.executor.capacity or self.progress.cancelled:
            return False
        if any(name in self.suspects for name, *_ in self.running.values()):
            return (
                False  # a suspect runs alone, so that if it kills its worker again, it fails alone
            )
        return not (self.ready[0] in self.suspects and self.running)

    def _finish(self, future) -> None:
        name, check, claim = self.running.pop(future)
        try:
            self._take_result(name, check, future)
        finally:
            claim.release()  # after the manifest: a waiting run finds the job up to date

    def _take_result(self, name: str, check: CacheCheck, future) -> None:
        try:
            result: JobResult = future.result()
        except Exception as exc:  # the worker process died (killed, out of memory, crashed)
            if name not in self.suspects:
                self.suspects.add(name)
                self.status.set(
                    name, PENDING, reason="its worker died; retrying it alone", fraction=0.0
                )
                self.ready.appendleft(name)
                return
            result = JobResult(
                name,
                FAILED,
                error=(
                    "the worker process died while running this job "
                    f"(killed, crashed or out of memory): {type(exc).__name__}: {exc}"
                ),
            )
        if result.status == DONE:
            self.cache.record(self.graph[name], check.inputs, result.outputs)
            self.measured[name] = result.seconds
            self.status.set(name, DONE, fraction=1.0, seconds=result.seconds)
            self._release(name)
        elif result.status == CANCELLED:
            self.status.set(name, CANCELLED, reason=result.error, seconds=result.seconds)
            self.progress.cancel()
        else:
            self._fail(name, result.error, result.details, result.seconds, result.refused)

    def _fail(
        self,
        name: str,
        reason: str,
        details: str = "",
        seconds: float | None = None,
        refused: bool = False,
    ) -> None:
        self.status.set(
            name, FAILED, reason=reason, details=details, seconds=seconds, refused=refused
        )
        for dependant in sorted(self.graph.downstream([name]) - {name}):
            if self.status.jobs[dependant].state == PENDING:
                self.status.set(dependant, SKIPPED, reason=f"needs {name!r}, which failed")

    def _release(self, name: str) -> None:
        for dependant in sorted(self.graph.dependants[name], key=self.rank.__getitem__):
            self.waiting[dependant] -= 1
            if not self.waiting[dependant] and self.status.jobs[dependant].state == PENDING:
                self.ready.append(dependant)

    def _on_event(self, event: tuple) -> None:
        kind, name = event[0], event[1]
        job = self.status.jobs.get(name)
        if job is None or job.state != RUNNING:
            return
        if kind == "start":
            job.started = time.time()
            self.status.notify(job)
        elif kind == "progress":
            job.fraction, job.message = float(event[2]), str(event[3])
            self.status.notify(job)

    def _forward_fraction(self, status: RunStatus, job: JobState | None) -> None:
        self.progress.update(status.fraction)
