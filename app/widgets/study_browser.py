"""The study browser panel: a participant chooser and the visits x modalities table."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from app.browser_model import VisitRow

FIXED_COLUMNS = ("Visit", "Date", "Weeks")
MAX_WIDTH = 360
PRESENT, MISSING = "\u25cf", "\u2013"
PRESENT_COLOUR, MISSING_COLOUR = QtGui.QColor(90, 200, 120), QtGui.QColor(200, 90, 90)


class StudyBrowser(QtWidgets.QWidget):
    """Lists participants and, for the chosen one, visits with the modalities they have.

    Parameters
    ----------
    on_participant : callable(str)
        Called with the label the user picks.
    on_cell : callable(str, str or None)
        Called with (session, kind) when a modality cell is clicked, (session, None)
        for the visit, date or weeks cells.
    """

    def __init__(
        self,
        on_participant: Callable[[str], None],
        on_cell: Callable[[str, str | None], None],
        parent=None,
    ) -> None:
        super().__init__(parent)
        self._on_participant, self._on_cell = on_participant, on_cell
        self.kinds: list[str] = []
        self.sessions: list[str] = []
        self.participants = QtWidgets.QComboBox()
        self.table = QtWidgets.QTableWidget()
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(QtWidgets.QLabel("Participant"))
        layout.addWidget(self.participants)
        layout.addWidget(QtWidgets.QLabel("Visits and modalities (\u25cf present, \u2013 missing)"))
        layout.addWidget(self.table, 1)
        self.participants.currentTextChanged.connect(self._participant_chosen)
        self.table.cellClicked.connect(self._cell_clicked)

    def show_participants(self, labels: list[str], current: str) -> None:
        """Fill the chooser without triggering a selection."""
        with QtCore.QSignalBlocker(self.participants):
            self.participants.clear()
            self.participants.addItems(labels)
            self.participants.setCurrentText(current)

    def show_visits(self, rows: list[VisitRow], kinds: list[str]) -> None:
        """Fill the table: one row per visit, one column per modality."""
        self.kinds, self.sessions = list(kinds), [r.session for r in rows]
        self.table.clear()
        self.table.setColumnCount(len(FIXED_COLUMNS) + len(kinds))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(list(FIXED_COLUMNS) + list(kinds))
        for r, row in enumerate(rows):
            for c, text in enumerate((row.session, row.date, row.weeks)):
                self.table.setItem(r, c, QtWidgets.QTableWidgetItem(text))
            for c, present in enumerate(row.present, start=len(FIXED_COLUMNS)):
                self.table.setItem(r, c, _presence_item(present))
        self.table.resizeColumnsToContents()
        self._fit_width()

    def _fit_width(self) -> None:
        """Ask for the width of every column (up to MAX_WIDTH): the visit column stays visible."""
        columns = sum(self.table.columnWidth(c) for c in range(self.table.columnCount()))
        needed = (
            columns
            + self.table.verticalScrollBar().sizeHint().width()
            + 4 * self.table.frameWidth()
            + 12
        )
        self.setMinimumWidth(min(MAX_WIDTH, needed))

    def mark_selection(self, session: str, kind: str) -> None:
        """Highlight the cell of the acquisition on display."""
        if session in self.sessions and kind in self.kinds:
            self.table.setCurrentCell(
                self.sessions.index(session), len(FIXED_COLUMNS) + self.kinds.index(kind)
            )

    def _participant_chosen(self, label: str) -> None:
        if label:
            self._on_participant(label)

    def _cell_clicked(self, row: int, column: int) -> None:
        kind_index = column - len(FIXED_COLUMNS)
        self._on_cell(self.sessions[row], self.kinds[kind_index] if kind_index >= 0 else None)


def _presence_item(present: bool) -> QtWidgets.QTableWidgetItem:
    item = QtWidgets.QTableWidgetItem(PRESENT if present else MISSING)
    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
    item.setForeground(PRESENT_COLOUR if present else MISSING_COLOUR)
    item.setToolTip("present" if present else "missing at this visit")
    return item
