"""The import in a background thread; what it says comes back to the GUI thread as signals.

The thread holds plain Python objects only (the request and its
:class:`~processing.progress.Progress`) and the runner, which always has a
parent, so no Qt object is ever destroyed in it. Signals emitted there are
queued to the GUI thread, where the runner lives.
"""

from __future__ import annotations

import threading

from PySide6 import QtCore

from app.dicom_import.form import ImportRequest
from processing.errors import Cancelled, FerretError
from processing.progress import Progress


class ImportRunner(QtCore.QObject):
    """Runs one import at a time off the GUI thread.

    Signals
    -------
    progressed(float, str)
        Fraction done and what is being done.
    finished(object)
        The :class:`~processing.dicom.ImportResult`.
    failed(str)
        The one-line message of bad input (as the command line prints it).
    cancelled()
        The import stopped on request; the study is as it was.
    """

    progressed = QtCore.Signal(float, str)
    finished = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    cancelled = QtCore.Signal()

    def __init__(self, parent: QtCore.QObject) -> None:
        super().__init__(parent)  # a parent owns it: never destroyed from the worker thread
        self._thread: threading.Thread | None = None
        self._progress: Progress | None = None

    @property
    def running(self) -> bool:
        """Whether an import is going on."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, request: ImportRequest) -> bool:
        """Start ``request``; False (nothing started) while another import runs."""
        if self.running:
            return False
        self._progress = Progress(lambda f, m: self._emit(self.progressed, f, m))
        self._thread = threading.Thread(
            target=self._run, args=(request, self._progress), name="ferret-import", daemon=True
        )
        self._thread.start()
        return True

    def cancel(self) -> None:
        """Ask the import to stop (dcm2niix is killed; nothing is written)."""
        if self._progress is not None:
            self._progress.cancel()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the import ends (closing the window, tests); True when it ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _run(self, request: ImportRequest, progress: Progress) -> None:  # worker thread
        try:
            result = request.run(progress)
        except Cancelled:
            self._emit(self.cancelled)
        except FerretError as exc:
            self._emit(self.failed, exc.message())
        except Exception as exc:  # a bug: still one line in the dialog, never lost in a thread
            self._emit(
                self.failed, f"the import failed unexpectedly ({type(exc).__name__}: {exc})."
            )
        else:
            self._emit(self.finished, result)

    @staticmethod
    def _emit(signal, *args) -> None:
        """Emit from the worker thread; silent when the window closed meanwhile."""
        try:
            signal.emit(*args)
        except RuntimeError:
            pass
