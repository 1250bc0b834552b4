"""The Import DICOM visit dialog: the form, the progress of the import, and its report.

Not modal and never blocking: the import runs in an :class:`ImportRunner`;
the dialog shows what is being converted, a cancel button, then the report
(every series with where it went or why it was skipped, and the validation
of the new visit) or the one-line message of bad input, as ``ferret
import-dicom`` prints them. :attr:`ImportDicomDialog.imported` tells the
window a visit was written.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from app.dicom_import.form import ImportRequest, suggested_session
from app.dicom_import.runner import ImportRunner
from processing.dicom.report import errors_of, result_lines, verdict
from processing.study.model import Study

ERROR_STYLE = "color: #c0392b; font-weight: bold"
CANCELLED = "Import cancelled: nothing was written, the study is as it was."


class ImportDicomDialog(QtWidgets.QDialog):
    """Ask for one visit's DICOM folder, participant and session; import it in the background.

    Parameters
    ----------
    study : Study
        The open study (the visit goes into its root).
    participant : str, optional
        Pre-selected participant; the session offered is its next free one.

    Signals
    -------
    imported(str, str)
        Participant and session of a visit written into the study.
    """

    imported = QtCore.Signal(str, str)

    def __init__(self, study: Study, participant: str | None = None, parent=None) -> None:
        super().__init__(parent)
        self.study = study
        self.setWindowTitle("Import DICOM visit")
        self.runner = ImportRunner(self)
        self._request: ImportRequest | None = None
        self._build_form()
        self._build_status()
        self._connect()
        self.prefill(participant)
        self.resize(760, 520)

    # -- form ----------------------------------------------------------------------------------
    def _build_form(self) -> None:
        self.folder = QtWidgets.QLineEdit()
        self.folder.setPlaceholderText("the folder holding one visit's DICOM files")
        self.browse = QtWidgets.QPushButton("Browse...")
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        self.participant = QtWidgets.QComboBox()
        self.participant.setEditable(True)
        self.session = QtWidgets.QLineEdit()
        self.dry_run = QtWidgets.QCheckBox("Dry run: list the series and where each would go")
        self.overwrite = QtWidgets.QCheckBox("Overwrite the visit if it is already in the study")
        self.earlier = QtWidgets.QCheckBox(
            "Allow a visit acquired before the first one (it becomes the reference space)"
        )
        form = QtWidgets.QFormLayout()
        form.addRow("DICOM folder", row)
        form.addRow("Participant", self.participant)
        form.addRow("Session", self.session)
        form.addRow("", self.dry_run)
        form.addRow("", self.overwrite)
        form.addRow("", self.earlier)
        self.layout_ = QtWidgets.QVBoxLayout(self)
        self.layout_.addLayout(form)

    def _build_status(self) -> None:
        self.bar = QtWidgets.QProgressBar()
        self.bar.setRange(0, 100)
        self.stage = QtWidgets.QLabel("")
        self.error = QtWidgets.QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report = QtWidgets.QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        self.verdict = QtWidgets.QLabel("")
        self.start_button = QtWidgets.QPushButton("Import")
        self.start_button.setDefault(True)
        self.cancel_button = QtWidgets.QPushButton("Cancel import")
        self.close_button = QtWidgets.QPushButton("Close")
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.start_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        for widget in (self.bar, self.stage, self.error, self.report, self.verdict):
            self.layout_.addWidget(widget, 1 if widget is self.report else 0)
        self.layout_.addLayout(buttons)
        self._show_running(False)

    def _connect(self) -> None:
        self.browse.clicked.connect(self._choose_folder)
        self.participant.currentTextChanged.connect(self._participant_changed)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.close_button.clicked.connect(self.reject)
        self.runner.progressed.connect(self._progressed)
        self.runner.finished.connect(self._finished)
        self.runner.failed.connect(self._failed)
        self.runner.cancelled.connect(self._cancelled)

    def prefill(self, participant: str | None) -> None:
        """List the study's participants, choose ``participant`` and offer its next session."""
        with QtCore.QSignalBlocker(self.participant):
            self.participant.clear()
            self.participant.addItems(list(self.study.participants))
            self.participant.setCurrentText(participant or "sub-01")
        self._participant_changed(self.participant.currentText())

    def _participant_changed(self, label: str) -> None:
        if label.startswith("sub-"):
            self.session.setText(suggested_session(self.study, label.strip()))

    def _choose_folder(self) -> None:
        chosen = QtWidgets.QFileDialog.getExistingDirectory(
            self, "Folder of one visit's DICOM", self.folder.text()
        )
        if chosen:
            self.folder.setText(chosen)

    # -- the run -------------------------------------------------------------------------------
    def request(self) -> ImportRequest:
        """Return the import the form describes."""
        return ImportRequest(
            self.folder.text(),
            self.study.root,
            self.participant.currentText(),
            self.session.text(),
            dry_run=self.dry_run.isChecked(),
            overwrite=self.overwrite.isChecked(),
            earlier=self.earlier.isChecked(),
        )

    def start(self) -> None:
        """Start the import of the form (nothing when one is running)."""
        request = self.request()
        if not self.runner.start(request):
            return
        self._request = request
        for widget in (self.error, self.verdict, self.stage):
            widget.setText("")
        self.report.clear()
        self.bar.setValue(0)
        self._show_running(True)

    def _show_running(self, running: bool) -> None:
        for widget in (self.folder, self.browse, self.participant, self.session):
            widget.setEnabled(not running)
        for widget in (self.dry_run, self.overwrite, self.earlier, self.start_button):
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.bar.setVisible(running)

    def _progressed(self, fraction: float, message: str) -> None:
        self.bar.setValue(round(100 * fraction))
        self.stage.setText(message)

    def _finished(self, result) -> None:
        self._show_running(False)
        self.stage.setText("")
        self.report.setPlainText("\n".join(result_lines(result)))
        self.verdict.setText(verdict(result))
        self.verdict.setStyleSheet(ERROR_STYLE if errors_of(result) else "font-weight: bold")
        if not result.dry_run and self._request is not None:
            participant = self._request.participant.strip()
            self.imported.emit(participant, self._request.session.strip())
            self.session.setText(suggested_session(self.study, participant))  # a next import

    def _failed(self, message: str) -> None:
        self._show_running(False)
        self.stage.setText("")
        self.error.setText(message)

    def _cancelled(self) -> None:
        self._show_running(False)
        self.stage.setText(CANCELLED)

    def reject(self) -> None:
        """Close; an import still running is cancelled (and leaves nothing behind)."""
        self.runner.cancel()
        super().reject()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel a running import and wait for it (the window is closing)."""
        self.runner.cancel()
        self.runner.wait(timeout)
