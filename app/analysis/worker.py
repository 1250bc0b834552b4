"""Background runs of :func:`compute_analysis`: newest request wins.

Each :meth:`AnalysisRunner.request` cancels the run in flight (through its
:class:`~processing.progress.Progress`) and starts a new one in the global
``QThreadPool``. Results and errors arrive as Qt signals in the GUI thread,
and only the latest request's are emitted: a superseded run is dropped even
if it finished before noticing its cancellation.
"""

from __future__ import annotations

from PySide6 import QtCore

from app.analysis.compute import AnalysisRequest, compute_analysis
from processing.errors import Cancelled
from processing.progress import Progress


class _Relay(QtCore.QObject):
    """Carries a finished run back into the GUI thread (queued signal)."""

    done = QtCore.Signal(int, object, object)  # generation, result, error


class _Run(QtCore.QRunnable):
    def __init__(
        self, generation: int, request: AnalysisRequest, progress: Progress, relay: _Relay
    ):
        super().__init__()
        self.generation, self.request, self.progress, self.relay = (
            generation,
            request,
            progress,
            relay,
        )

    def run(self) -> None:  # worker thread
        try:
            result, error = compute_analysis(self.request, self.progress), None
        except Cancelled:
            return
        except Exception as exc:  # shown in the panel, never lost in a thread
            result, error = None, exc
        if self.progress.cancelled:
            return  # superseded or cancelled while finishing: nobody waits for this result
        try:
            self.relay.done.emit(self.generation, result, error)
        except (
            RuntimeError
        ):  # the window (and the relay) closed while this ran: nobody is left to tell
            pass


class AnalysisRunner(QtCore.QObject):
    """Runs analyses off the GUI thread; emits ``finished(result)`` or ``failed(text)``."""

    finished = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    started = QtCore.Signal()

    def __init__(
        self, parent: QtCore.QObject | None = None, pool: QtCore.QThreadPool | None = None
    ):
        super().__init__(parent)
        self.pool = pool or QtCore.QThreadPool.globalInstance()
        self.generation = 0
        self.current: Progress | None = None
        self.relay = _Relay(self)
        self.relay.done.connect(self._on_done, QtCore.Qt.ConnectionType.QueuedConnection)
        self.superseded = 0

    @property
    def busy(self) -> bool:
        """True while the latest request has not reported back."""
        return self.current is not None

    def request(self, request: AnalysisRequest) -> int:
        """Start a run, cancelling the one in flight; returns its generation number."""
        if self.current is not None:
            self.current.cancel()
            self.superseded += 1
        self.generation += 1
        self.current = Progress()
        self.pool.start(_Run(self.generation, request, self.current, self.relay))
        self.started.emit()
        return self.generation

    def cancel(self) -> None:
        """Cancel the run in flight (nothing will be emitted for it)."""
        if self.current is not None:
            self.current.cancel()
            self.current = None
        self.generation += 1

    def _on_done(self, generation: int, result, error) -> None:
        if generation != self.generation:
            return  # superseded
        self.current = None
        if error is not None:
            self.failed.emit(str(error))
        else:
            self.finished.emit(result)
