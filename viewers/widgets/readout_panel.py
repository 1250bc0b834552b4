"""The read-out panel: cursor coordinates, every modality's value at every visit, lesions there.

Refreshed at most every ``REFRESH_MS`` (cursor drags would otherwise rebuild
the table for every mouse move): the first change starts a short timer, later
changes within it are folded into the same refresh.
"""

from __future__ import annotations

from PySide6 import QtWidgets

from viewers.state.grid import GridModel
from viewers.state.readout import format_value
from viewers.widgets.coalesce import Coalescer

REFRESH_MS = 40


class ReadoutPanel(QtWidgets.QWidget):
    """World and voxel coordinates, values (modalities x visits) and lesion under the cursor."""

    def __init__(self, model: GridModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.coordinates = QtWidgets.QLabel()
        self.coordinates.setWordWrap(True)
        self.lesion = QtWidgets.QLabel()
        self.lesion.setWordWrap(True)
        self.table = QtWidgets.QTableWidget()
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.setTabKeyNavigation(False)  # Tab walks on to the next panel, not cell to cell
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        for widget in (self.coordinates, self.lesion, self.table):
            layout.addWidget(widget)
        self.throttle = Coalescer(self.refresh, REFRESH_MS, parent=self)
        model.cursor.changed.connect(self.throttle.poke)
        events = model.events
        for event in (
            events.structure,
            events.cell,
            events.focus,
            events.lesions,
            events.own_labels,
        ):
            event.connect(self.throttle.poke)

    def refresh(self) -> None:
        """Rebuild the texts and the table from the model."""
        x, y, z = self.model.cursor.position
        text = f"RAS ({x:.1f}, {y:.1f}, {z:.1f}) mm"
        if self.model.focus is not None:
            voxel = self.model.voxel_at_cursor(*self.model.focus)
            text += f"\n{self.model.focus[1]} {self.model.focus[0]}: voxel " + (
                "outside" if voxel is None else "({}, {}, {})".format(*voxel)
            )
        self.coordinates.setText(text)
        lesions = self.model.lesions_at_cursor()
        self.lesion.setText("Lesion here: " + (", ".join(lesions) if lesions else "none"))
        self._fill_table()

    def _fill_table(self) -> None:
        values = self.model.values_at_cursor()
        visits = self.model.visible_visits()
        self.table.setRowCount(len(values))
        self.table.setColumnCount(len(visits))
        self.table.setHorizontalHeaderLabels([v.session for v in visits])
        self.table.setVerticalHeaderLabels([self._title(key) for key in values])
        for row, column_values in enumerate(values.values()):
            for col, value in enumerate(column_values):
                self.table.setItem(row, col, QtWidgets.QTableWidgetItem(format_value(value)))

    def _title(self, key: str) -> str:
        return next((c.title for c in self.model.visible_columns() if c.key == key), key)
