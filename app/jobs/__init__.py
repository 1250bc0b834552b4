"""The app's side of the processing engine: a background worker, the processing panel, wiring.

* :mod:`.presenter` - :class:`ProcessingPresenter`, Qt-free rows and summary over a
  :class:`~processing.engine.RunStatus` (thread-safe hand-over from the engine thread).
* :mod:`.worker` - :class:`EngineWorker`: runs a job graph in a background thread
  (jobs in worker processes at niceness +10), cancel, stop now (kill the workers), retry
  failed; waits while another run holds the study, showing its progress; Qt signals per
  finished job and run.
* :mod:`.panel` - :class:`ProcessingPanel`: jobs with state, progress, duration, errors.
* :mod:`.attach` - :func:`attach_processing` (window, study): dock the panel, start the
  opened participant's missing jobs, emit ``outputs_ready`` as results arrive; on close,
  stop the run at once.
"""

from app.jobs.attach import ProcessingAttachment, attach_processing, refresh_participant
from app.jobs.panel import ProcessingPanel
from app.jobs.presenter import JobRow, ProcessingPresenter, Snapshot
from app.jobs.worker import EngineWorker

__all__ = [
    "EngineWorker",
    "JobRow",
    "ProcessingAttachment",
    "ProcessingPanel",
    "ProcessingPresenter",
    "Snapshot",
    "attach_processing",
    "refresh_participant",
]
