"""``attach_processing(main_window, study)``: derivatives of the opened participant made in the background.

Builds the participant's job graph (:func:`processing.engine.pipeline.study_graph`),
starts it on an :class:`EngineWorker` (jobs that are up to date cost only a
checksum look-up), docks a :class:`ProcessingPanel` on the window, and when
outputs appear re-discovers the participant in the window's study and emits
:attr:`ProcessingAttachment.outputs_ready` so that views can fill in. Ready
outputs are batched for ``BATCH_MS`` so that views refresh a few times per
run, not once per file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from app.jobs.panel import ProcessingPanel
from app.jobs.worker import EngineWorker
from processing.engine import Cache
from processing.engine.pipeline import PipelineOptions, study_graph
from processing.study.model import Study

BATCH_MS = 1500
#: Seconds the closing window gives running jobs to stop on their own before killing their workers.
CANCEL_GRACE_S = 0.2
#: Seconds the closing window then waits for the run's thread to wind down.
CLOSE_WAIT_S = 0.5


class ProcessingAttachment(QtCore.QObject):
    """The worker, panel and dock made by :func:`attach_processing`.

    Signals
    -------
    outputs_ready(str, list)
        Participant label and the new output paths; the study's participant
        was re-discovered just before, so ``study.participant(label)`` lists them.
    """

    outputs_ready = QtCore.Signal(str, list)

    def __init__(self, study: Study, worker: EngineWorker, parent=None) -> None:
        super().__init__(parent)
        self.study, self.worker = study, worker
        self.panel = ProcessingPanel(worker)
        self.dock: QtWidgets.QDockWidget | None = None
        self.participant: str | None = None
        self._pending: list[Path] = []
        self._had_work = False
        self._closed = False
        self._flush_timer = QtCore.QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush)
        worker.job_finished.connect(self._job_finished)
        worker.run_finished.connect(lambda summary: self.flush())

    def process(self, participant: str, options: PipelineOptions | None = None) -> bool:
        """Bring ``participant``'s derivatives up to date in the background."""
        self.participant = participant
        graph = study_graph(self.study, options, participant=participant)
        return self.worker.start(graph)

    def _job_finished(self, name: str, outputs: list) -> None:
        if self._closed:
            return
        if any(not Path(p).name.endswith(".json") for p in outputs):
            self._pending.extend(Path(p) for p in outputs)
            if not self._flush_timer.isActive():
                self._flush_timer.start(BATCH_MS)

    def flush(self) -> None:
        """Re-discover the participant and announce the outputs gathered since the last flush."""
        self._flush_timer.stop()
        if self._closed or not self._pending or self.participant is None:
            return
        paths, self._pending = self._pending, []
        refresh_participant(self.study, self.participant)
        self.outputs_ready.emit(self.participant, paths)

    @property
    def running(self) -> bool:
        """Whether the background run is going on (or waiting for another run)."""
        return self.worker.running

    def close(self) -> None:
        """Stop the run at once (window closing); nothing is announced afterwards.

        Running jobs get :data:`CANCEL_GRACE_S` to see the cancel flag; then
        their worker processes are killed (a registration does not look at
        the flag for many seconds). Outputs are atomic, so nothing is
        half-written; the jobs not finished run next time. The run lock and
        the job claims are released when the engine thread ends, at the
        latest when the process exits.
        """
        self._closed = True
        self._flush_timer.stop()
        self._pending = []
        self.worker.cancel()
        if not self.worker.wait(CANCEL_GRACE_S):
            self.worker.stop_now()
            self.worker.wait(CLOSE_WAIT_S)


def refresh_participant(study: Study, label: str) -> None:
    """Replace ``study``'s participant by a fresh discovery (its ``derived`` files included)."""
    from processing.study import discover

    study.participants[label] = discover(study.root).participants[label]


def attach_processing(
    main_window,
    study: Study,
    *,
    participant: str | None = None,
    jobs: int = 1,
    options: PipelineOptions | None = None,
    start: bool = True,
) -> ProcessingAttachment:
    """Dock a processing panel on ``main_window`` and start the opened participant's missing jobs.

    Parameters
    ----------
    main_window : QMainWindow or QWidget
        A QMainWindow gets a bottom dock; any other widget is only the parent.
    study : Study
    participant : str, optional
        Default: ``main_window.presenter.participant`` (the opened one), else the first.
    jobs : int
        Worker processes.
    """
    worker = EngineWorker(Cache.for_study(study.root), jobs=jobs)
    attachment = ProcessingAttachment(study, worker, main_window)
    worker.setParent(attachment)
    if isinstance(main_window, QtWidgets.QMainWindow):
        attachment.dock = QtWidgets.QDockWidget("Processing", main_window)
        attachment.dock.setObjectName("processing-dock")
        attachment.dock.setWidget(attachment.panel)
        main_window.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, attachment.dock)
    opened = getattr(getattr(main_window, "presenter", None), "participant", None)
    label = participant or (
        opened.label if opened is not None else next(iter(study.participants), None)
    )
    if start and label is not None:
        attachment.process(label, options)
    return attachment
