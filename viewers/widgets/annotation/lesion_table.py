"""The lesion table: a QTableView over a Qt-free LesionTableModel.

Clicking a header sorts (through the model's ``sort_by``), the bar above
filters by type, by text and to unrated lesions, clicking a row goes to the
lesion (the model moves the shared WorldCursor, so every view follows).
Keys, in the whole window: PageDown / PageUp next and previous lesion,
Ctrl+PageDown the next unrated one.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from processing.annotations.schema import LESION_TYPES
from viewers.state.tools.lesion_table import COLUMNS, LesionTableModel

HEADERS = {
    "lesion_id": "ID",
    "type": "Type",
    "visit": "Visit",
    "onset_visit": "Onset",
    "volume_mm3": "mm³",
    "diameter_mm": "Ø mm",
    "in_cortex": "Cortex",
    "rated": "Rated",
}
ALL_TYPES = "all types"
#: The invalid index: the parent of a flat table's rows (Qt's default argument).
_ROOT = QtCore.QModelIndex()


def cell_text(value) -> str:
    """How a table value reads: 2 decimals, yes/no, empty for unknown."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


class LesionRowsModel(QtCore.QAbstractTableModel):
    """Qt's view of the rows of a :class:`LesionTableModel` (sorted and filtered there)."""

    def __init__(self, table: LesionTableModel, parent=None) -> None:
        super().__init__(parent)
        self.table = table
        self._rows = table.rows

    def reload(self) -> None:
        """Take the table's current rows."""
        self.beginResetModel()
        self._rows = self.table.rows
        self.endResetModel()

    def lesion_id(self, row: int) -> int:
        """Return the lesion ID of a table row."""
        return int(self._rows[row]["lesion_id"])

    def row_of(self, lesion_id) -> int | None:
        """Return the table row of a lesion, or None when it is not shown."""
        return next((n for n, r in enumerate(self._rows) if r["lesion_id"] == lesion_id), None)

    def rowCount(self, parent=_ROOT) -> int:
        """Return the number of shown lesions (none under a valid parent: a flat table)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=_ROOT) -> int:
        """Return the number of columns (none under a valid parent: a flat table)."""
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index, role=QtCore.Qt.ItemDataRole.DisplayRole):
        """Return a cell's text, or its warning as tooltip and colour."""
        row = self._rows[index.row()]
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            return cell_text(row.get(COLUMNS[index.column()]))
        if role == QtCore.Qt.ItemDataRole.ToolTipRole and row.get("warning"):
            return row["warning"]
        if role == QtCore.Qt.ItemDataRole.ForegroundRole and row.get("warning"):
            return QtGui.QBrush(QtGui.QColor(230, 120, 0))
        return None

    def headerData(self, section, orientation, role=QtCore.Qt.ItemDataRole.DisplayRole):
        """Return the title of a column."""
        if (
            orientation == QtCore.Qt.Orientation.Horizontal
            and role == QtCore.Qt.ItemDataRole.DisplayRole
        ):
            return HEADERS[COLUMNS[section]]
        return None

    def sort(self, column: int, order=QtCore.Qt.SortOrder.AscendingOrder) -> None:
        """Sort the table by a column."""
        self.table.sort_by(COLUMNS[column], descending=order == QtCore.Qt.SortOrder.DescendingOrder)


class LesionTableWidget(QtWidgets.QWidget):
    """Filter bar, lesion table and the navigation actions of one :class:`LesionTableModel`."""

    def __init__(self, table: LesionTableModel, parent=None) -> None:
        super().__init__(parent)
        self.setAccessibleName("lesion list")
        self.table = table
        self.rows_model = LesionRowsModel(table, self)
        self.view = QtWidgets.QTableView()
        self.view.setModel(self.rows_model)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, QtCore.Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setTabKeyNavigation(False)  # Tab goes on to the rating form (arrows walk rows)
        self.view.verticalHeader().hide()
        self.view.clicked.connect(
            lambda index: self.table.go_to(self.rows_model.lesion_id(index.row()))
        )
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._filter_bar())
        layout.addWidget(self.view, 1)
        self.actions_by_key = self._navigation_actions()
        table.changed.connect(self._on_table)

    def _filter_bar(self) -> QtWidgets.QHBoxLayout:
        self.type_box = QtWidgets.QComboBox()
        self.type_box.addItems([ALL_TYPES, *LESION_TYPES])
        self.text_box = QtWidgets.QLineEdit()
        self.text_box.setPlaceholderText("filter")
        self.unrated_box = QtWidgets.QCheckBox("unrated only")
        self.type_box.currentTextChanged.connect(self._apply_filter)
        self.text_box.textChanged.connect(self._apply_filter)
        self.unrated_box.toggled.connect(self._apply_filter)
        bar = QtWidgets.QHBoxLayout()
        for widget in (self.type_box, self.text_box, self.unrated_box):
            bar.addWidget(widget)
        return bar

    def _navigation_actions(self) -> dict[str, QtGui.QAction]:
        actions = {}
        for key, shortcut, text in (
            ("PageDown", "PgDown", "Next lesion"),
            ("PageUp", "PgUp", "Previous lesion"),
            ("Ctrl+PageDown", "Ctrl+PgDown", "Next unrated lesion"),
        ):
            action = QtGui.QAction(text, self)
            action.setShortcut(QtGui.QKeySequence(shortcut))
            # while the lesion list has the focus: PgUp/PgDown of the image views stay theirs
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _=False, k=key: self.table.press(k))
            self.addAction(action)
            actions[key] = action
        return actions

    def _apply_filter(self, *_) -> None:
        chosen = self.type_box.currentText()
        self.table.set_filter(
            lesion_type=None if chosen == ALL_TYPES else chosen,
            text=self.text_box.text(),
            unrated_only=self.unrated_box.isChecked(),
        )

    def _on_table(self, current=None) -> None:
        self.rows_model.reload()
        row = self.rows_model.row_of(current)
        if row is not None:
            self.view.selectRow(row)
            self.view.scrollTo(self.rows_model.index(row, 0))
