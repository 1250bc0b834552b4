"""Dock the analysis panel in a main window and keep it in step with the rater's masks.

``attach_analysis(main_window, study, rater)``: ``study`` is a
:class:`~processing.study.model.Study` or its root folder; ``rater`` is a live
:class:`~app.annotation.rater_session.RaterSession` (its label volume's change
events trigger a recomputation with a snapshot of the labels, debounced by
``DEBOUNCE_MS``) or a rater ID (then the label file's modification stamp is
polled every ``POLL_MS``, a cheap ``stat``). Each recomputation supersedes the
one in flight (:class:`~app.analysis.worker.AnalysisRunner`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from app.analysis.compute import AnalysisRequest
from app.analysis.panel import AnalysisPanel
from app.analysis.worker import AnalysisRunner

DEBOUNCE_MS = 300
POLL_MS = 2000


class AnalysisAttachment(QtCore.QObject):
    """The panel, its runner, and what triggers recomputations."""

    edited = QtCore.Signal()  # emitted from the editing thread; queued into ours when it differs

    def __init__(
        self, study_root: Path, rater, participant: str, parent: QtCore.QObject | None = None
    ):
        super().__init__(parent)
        self.study_root, self.participant = Path(study_root), participant
        self.session = rater if hasattr(rater, "labels") else None
        self.rater = rater.rater if self.session is not None else str(rater)
        self.panel = AnalysisPanel()
        self.runner = AnalysisRunner(self)
        self.runner.finished.connect(self.panel.show_result)
        self.runner.failed.connect(self.panel.show_error)
        self.runner.started.connect(self.panel.show_busy)
        self.panel.refresh_requested.connect(self.recompute)
        self.debounce = QtCore.QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self.debounce.timeout.connect(self.recompute)
        self.edited.connect(self.debounce.start)
        self.dock: QtWidgets.QDockWidget | None = None
        self._stamp = None
        if self.session is not None:
            self.session.labels.subscribe(self._on_edit)
        else:
            self.poll = QtCore.QTimer(self, interval=POLL_MS)
            self.poll.timeout.connect(self._poll)
            self._stamp = self._label_stamp()
            self.poll.start()

    def recompute(self) -> int:
        """Start a recomputation now (superseding any in flight); returns its generation."""
        labels = None
        if self.session is not None:
            with self.session.labels.lock:
                labels = self.session.labels.data.copy()
        return self.runner.request(
            AnalysisRequest(self.study_root, self.rater, self.participant, labels)
        )

    def detach(self) -> None:
        """Stop listening, cancel the run in flight and remove the dock."""
        if self.session is not None:
            self.session.labels.unsubscribe(self._on_edit)
        self.runner.cancel()
        self.debounce.stop()
        if self.dock is not None:
            self.dock.parent().removeDockWidget(self.dock)
            self.dock.deleteLater()

    def _on_edit(self, _edit) -> None:
        # label listeners run in the editing thread; the signal reaches the timer in ours
        self.edited.emit()

    def _label_stamp(self):
        from processing.annotations.workspace import rater_folder

        folder = rater_folder(self.study_root, self.rater) / self.participant
        try:
            return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*_dseg.nii*")))
        except OSError:
            return None

    def _poll(self) -> None:
        stamp = self._label_stamp()
        if stamp != self._stamp:
            self._stamp = stamp
            self.recompute()


def attach_analysis(
    main_window: QtWidgets.QMainWindow | None,
    study,
    rater,
    participant: str | None = None,
    *,
    start: bool = True,
) -> AnalysisAttachment:
    """Dock an analysis panel for ``rater`` (a RaterSession or a rater ID) in ``main_window``.

    ``participant`` defaults to the session's participant (required with a rater ID).
    With ``main_window=None`` no dock is made (use ``.panel``). ``start`` runs
    the first computation at once.
    """
    root = Path(study) if isinstance(study, (str, Path)) else study.root
    participant = participant or getattr(rater, "participant", None)
    if participant is None:
        raise ValueError("attach_analysis needs a participant when the rater is given by ID")
    attachment = AnalysisAttachment(root, rater, participant, main_window)
    if main_window is not None:
        dock = QtWidgets.QDockWidget("Analysis", main_window)
        dock.setObjectName("analysis-dock")
        dock.setWidget(attachment.panel)
        main_window.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        attachment.dock = dock
    if start:
        attachment.recompute()
    return attachment
