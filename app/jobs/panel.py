"""The processing panel: jobs with state, progress, duration and errors; cancel and retry.

It reads the presenter's snapshot on a timer (``REFRESH_MS``) in the GUI
thread and only redraws when the snapshot changed.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from app.jobs.presenter import COLUMNS, Snapshot
from app.jobs.worker import EngineWorker

REFRESH_MS = 200


class ProcessingPanel(QtWidgets.QWidget):
    """A table of the current run's jobs with Cancel and Retry buttons."""

    def __init__(self, worker: EngineWorker, parent=None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.summary = QtWidgets.QLabel("No processing run yet.")
        self.summary.setWordWrap(True)
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.cancel_button = QtWidgets.QPushButton("Cancel run")
        self.retry_button = QtWidgets.QPushButton("Retry failed")
        self.cancel_button.clicked.connect(worker.cancel)
        self.retry_button.clicked.connect(worker.retry_failed)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._shown_version = -1
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(REFRESH_MS)
        self.refresh()

    def refresh(self) -> None:
        """Redraw from the presenter's snapshot if it changed."""
        snapshot = self.worker.presenter.snapshot()
        if snapshot.version == self._shown_version and not snapshot.running:
            return
        self._shown_version = snapshot.version
        self.show_snapshot(snapshot)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Show the run's summary, and enable Cancel while it runs."""
        self.summary.setText(snapshot.summary)
        self.cancel_button.setEnabled(snapshot.running)
        self.retry_button.setEnabled(
            not snapshot.running
            and any(r.state in ("failed", "skipped", "cancelled") for r in snapshot.rows)
        )
        if self.table.rowCount() != len(snapshot.rows):
            self.table.setRowCount(len(snapshot.rows))
        for row, job in enumerate(snapshot.rows):
            for column, text in enumerate(job.cells()):
                item = self.table.item(row, column)
                if item is None:
                    self.table.setItem(row, column, QtWidgets.QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)
                if column == len(COLUMNS) - 1:
                    self.table.item(row, column).setToolTip(text)

    def cell_text(self, name: str, column: str) -> str | None:
        """Return the text shown for job ``name`` in ``column`` (tests, accessibility)."""
        index = COLUMNS.index(column)
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0) and self.table.item(row, 0).text() == name:
                return self.table.item(row, index).text()
        return None
