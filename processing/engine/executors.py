"""Executors: where jobs run. Serial (in this process) and a local process pool.

Every executor has the same small interface used by the runner:
``start(on_event, progress)``, ``submit(call) -> future``, ``wait(futures,
timeout) -> done``, ``poll()`` (deliver pending progress events),
``cancel()`` (ask running jobs to stop) and ``close()``. ``capacity`` is how
many jobs may run at once. Dask lives in :mod:`processing.engine.dask_executor`
(which loads ``distributed`` only when one is made), the channels carrying
progress events in :mod:`processing.engine.channels`.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os

from processing.engine.channels import EventSink, LocalChannel, drain
from processing.engine.dask_executor import DaskExecutor
from processing.engine.worker import JobCall, execute, install_channel
from processing.progress import Progress


class ProgressFlag:
    """Event-like view of a :class:`Progress`'s cancel flag (``is_set`` / ``set``)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress

    def is_set(self) -> bool:
        """Return True once the run was cancelled."""
        return self._progress.cancelled

    def set(self) -> None:
        """Cancel the run."""
        self._progress.cancel()


class SerialExecutor:
    """Run each job in this process when it is submitted (the reference behaviour)."""

    capacity = 1
    description = "serial"

    def start(self, on_event: EventSink, progress: Progress) -> None:
        """Route job events to ``on_event`` and the cancel flag to ``progress``."""
        self._channel = LocalChannel(on_event, ProgressFlag(progress))

    def submit(self, call: JobCall) -> cf.Future:
        """Run the job now and return a future that is already done."""
        future: cf.Future = cf.Future()
        future.set_result(execute(call, self._channel))
        return future

    def wait(self, futures, timeout: float) -> set:
        """Return the futures that are done (all of them: jobs ran on submit)."""
        return {f for f in futures if f.done()}

    def poll(self) -> None:
        """Nothing to do: events were delivered as they happened."""

    def cancel(self) -> None:
        """Ask the running job to stop."""
        self._channel.cancel_flag().set()

    def close(self) -> None:
        """Nothing to release."""


def default_start_method() -> str:
    """``spawn``: the same on every platform, and workers see the current environment.

    ``forkserver`` forks workers from a server started once per process, so
    they would miss environment changes made since (thread limits, test
    settings); ``fork`` is unsafe with threads and Qt.
    """
    return "spawn"


class ProcessExecutor:
    """A pool of ``jobs`` worker processes (``concurrent.futures.ProcessPoolExecutor``).

    Parameters
    ----------
    jobs : int
        Number of worker processes.
    start_method : str, optional
        ``"spawn"`` or ``"forkserver"``; never ``fork`` (unsafe with threads and Qt).
    nice : int, optional
        Added to the workers' niceness (``os.nice``): the app runs its
        workers at a lower priority than its window.
    """

    def __init__(self, jobs: int, start_method: str | None = None, *, nice: int = 0):
        if jobs < 1:
            raise ValueError(f"need at least one worker, not {jobs}")
        self.capacity, self.nice = jobs, nice
        self.description = f"{jobs} local processes"
        self._context = multiprocessing.get_context(start_method or default_start_method())
        self._pool: cf.ProcessPoolExecutor | None = None

    def start(self, on_event: EventSink, progress: Progress) -> None:
        """Start the worker pool with the event queue and the shared cancel flag."""
        self._on_event = on_event
        self._queue = self._context.Queue()
        self._cancel = self._context.Event()
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            self.capacity,
            mp_context=self._context,
            initializer=install_channel,
            initargs=(self._queue, self._cancel, os.getpid(), self.nice),
        )

    def submit(self, call: JobCall) -> cf.Future:
        """Submit one job to the pool and return its future."""
        if self._pool is None:
            raise RuntimeError("submit() before start(): the executor has no worker pool.")
        try:
            return self._pool.submit(execute, call)
        except cf.process.BrokenProcessPool:
            # a worker died (killed, out of memory): its jobs failed; start a fresh pool
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            return self._pool.submit(execute, call)

    def wait(self, futures, timeout: float) -> set:
        """Return the futures done within ``timeout`` seconds (at least one if any finish)."""
        done, _ = cf.wait(futures, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return done

    def poll(self) -> None:
        """Deliver the progress events the workers have queued."""
        drain(self._queue, self._on_event)

    def cancel(self) -> None:
        """Ask the running jobs to stop (set the shared cancel flag)."""
        self._cancel.set()

    def terminate(self) -> None:
        """Kill the worker processes now (callable from any thread; the app closing).

        Their jobs end as if the workers had crashed: the run, cancelled
        first, records them as not run. Outputs are written atomically, so
        nothing half-written is left; the next run computes those jobs.
        """
        # ProcessPoolExecutor has no public way to stop busy workers before Python 3.14
        processes = getattr(self._pool, "_processes", None) or {}
        for _ in range(3):  # the run's thread may be starting a worker right now
            try:
                workers = list(processes.values())
                break
            except RuntimeError:  # the dict changed size while it was copied
                workers = []
        for process in workers:
            if process.is_alive():
                process.kill()

    def close(self) -> None:
        """Shut the pool down and deliver the last events."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self.poll()
        self._queue.close()


def make_executor(jobs: int = 1, scheduler: str | None = None, dask_local: int | None = None):
    """Return the executor for the command-line options ``--jobs``, ``--scheduler``, ``--dask-local``.

    Raises
    ------
    FerretError
        If Dask is requested but not installed.
    """
    if scheduler or dask_local:
        return DaskExecutor(scheduler=scheduler, n_workers=dask_local)
    return SerialExecutor() if jobs <= 1 else ProcessExecutor(jobs)
