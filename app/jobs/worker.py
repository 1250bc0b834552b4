"""Run the engine off the GUI thread: one Python thread drives the run, jobs run in worker processes.

The driving thread mostly waits on futures, so the GUI thread keeps the GIL;
the computation itself happens in :class:`~processing.engine.ProcessExecutor`
processes (``jobs`` of them, at niceness +:data:`WORKER_NICE`, below the
window). Signals cross back to the GUI thread queued. While another run (a
``ferret process``) holds the study, the worker waits and the presenter shows
that run's progress; :meth:`EngineWorker.stop_now` kills the workers at once
(the window closing).
"""

from __future__ import annotations

import threading

from PySide6 import QtCore

from app.jobs.presenter import ProcessingPresenter
from processing.engine import Cache, ProcessExecutor, run
from processing.engine.graph import Graph
from processing.engine.run_lock import StudyRunLock
from processing.engine.run_record import RunRecord
from processing.engine.status import CACHED, DONE, JobState, RunStatus
from processing.errors import Cancelled
from processing.progress import Progress

#: Added to the niceness of the app's worker processes (lower priority than the window).
WORKER_NICE = 10


class EngineWorker(QtCore.QObject):
    """Runs job graphs one at a time in a background thread.

    Signals
    -------
    job_finished(str, list)
        A job's name and its output paths, when it is done or found up to date.
    run_finished(object)
        The :class:`~processing.engine.RunSummary` of a run.
    """

    job_finished = QtCore.Signal(str, list)
    run_finished = QtCore.Signal(object)

    def __init__(
        self,
        cache: Cache,
        presenter: ProcessingPresenter | None = None,
        *,
        jobs: int = 1,
        executor_factory=None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.cache = cache
        self.presenter = presenter or ProcessingPresenter()
        self.executor_factory = executor_factory or (
            lambda: ProcessExecutor(jobs, nice=WORKER_NICE)
        )
        self.executor = None  # the executor of the current run, once it started
        self.graph: Graph | None = None
        self._thread: threading.Thread | None = None
        self._progress: Progress | None = None

    @property
    def running(self) -> bool:
        """Whether the background run's thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, graph: Graph, targets=None) -> bool:
        """Start bringing ``graph`` (or ``targets``) up to date; False if a run is going on."""
        if self.running:
            return False
        self.graph, self._progress = graph, Progress()
        self.presenter.started()
        self._thread = threading.Thread(
            target=self._run,
            args=(graph, targets, self._progress),
            name="ferret-engine",
            daemon=True,
        )
        self._thread.start()
        return True

    def _run(self, graph: Graph, targets, progress: Progress) -> None:
        lock = StudyRunLock(
            self.cache.root,
            "the Ferret app",
            wait=None,
            on_wait=self.presenter.waiting,
            on_poll=self.presenter.waiting,  # the other run's progress, refreshed
            should_stop=lambda: progress.cancelled,
        )
        record = RunRecord(self.cache.folder, "the Ferret app")
        try:
            with lock:
                self.executor = self.executor_factory()
                summary = run(
                    graph,
                    self.cache,
                    self.executor,
                    targets=targets,
                    progress=progress,
                    listeners=[self.presenter.on_status, self._on_status, record],
                )
        except Cancelled:  # cancelled while waiting for another run: nothing ran
            summary = RunStatus.for_names([job.name for job in graph]).summary()
        finally:
            record.close()
        self.presenter.finished(summary)
        self._emit(self.run_finished, summary)

    def _on_status(self, status: RunStatus, job: JobState | None) -> None:
        if job is not None and job.state in (DONE, CACHED) and self.graph is not None:
            self._emit(self.job_finished, job.name, list(self.graph[job.name].outputs))

    @staticmethod
    def _emit(signal, *args) -> None:
        """Emit from the engine thread; silent when the window closed meanwhile (the object is gone)."""
        try:
            signal.emit(*args)
        except RuntimeError:
            pass

    def cancel(self) -> None:
        """Cancel the whole run: nothing new starts, running jobs are asked to stop."""
        if self._progress is not None:
            self._progress.cancel()

    def stop_now(self) -> None:
        """Cancel the run and kill its worker processes at once (the window is closing).

        Jobs that were running are not recorded (their outputs are atomic):
        the next run computes them again.
        """
        self.cancel()
        terminate = getattr(self.executor, "terminate", None)
        if self.running and terminate is not None:
            terminate()

    def retry_failed(self) -> bool:
        """Run the failed, skipped and cancelled jobs of the last run again (with what they need)."""
        targets = self.presenter.retry_targets()
        if not targets or self.graph is None:
            return False
        return self.start(self.graph, targets)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run ends (tests, closing); True when it ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running
