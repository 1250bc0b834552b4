"""The analysis panel: Figure-2 panels as an image above the statistics table.

The panel only displays: the figure arrives as RGBA pixels drawn by a worker
(:mod:`app.analysis.worker`), the table as the rows of
:func:`processing.stats.timecourse_statistics`. Converting the pixels to a
pixmap is the only GUI-thread work.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from processing.stats import STATS_COLUMNS
from processing.stats.tables import format_value

#: Statistics columns shown (the full table is in ``ferret stats timecourses``).
SHOWN = (
    "parameter",
    "test",
    "comparison",
    "n",
    "statistic",
    "df_num",
    "df_den",
    "p",
    "mean_difference",
    "ci_low",
    "ci_high",
)


def pixmap_from_rgba(image: np.ndarray) -> QtGui.QPixmap:
    """Return a pixmap of an (H, W, 4) uint8 RGBA array (copied)."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = image.shape[:2]
    qimage = QtGui.QImage(image.data, width, height, 4 * width, QtGui.QImage.Format.Format_RGBA8888)
    return QtGui.QPixmap.fromImage(qimage.copy())


class AnalysisPanel(QtWidgets.QWidget):
    """Status line, the time-course figure and the statistics table."""

    refresh_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.status = QtWidgets.QLabel("no analysis yet")
        self.status.setWordWrap(True)
        self.refresh_button = QtWidgets.QPushButton("Recompute")
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.figure = QtWidgets.QLabel()
        self.figure.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(self.figure)
        scroll.setWidgetResizable(True)
        self.table = QtWidgets.QTableWidget(0, len(SHOWN))
        self.table.setHorizontalHeaderLabels(list(SHOWN))
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        splitter.addWidget(scroll)
        splitter.addWidget(self.table)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.result = None

    def show_busy(self) -> None:
        """Say that a recomputation runs (the previous result stays visible)."""
        self.status.setText("computing…" if self.result is None else "updating…")

    def show_error(self, text: str) -> None:
        """Show that the analysis failed, with its error ``text``."""
        self.status.setText(f"analysis failed: {text}")

    def show_result(self, result) -> None:
        """Display a finished :class:`~app.analysis.compute.AnalysisResult`."""
        self.result = result
        self.figure.setPixmap(pixmap_from_rgba(result.image))
        self.table.setRowCount(len(result.statistics))
        for row_index, row in enumerate(result.statistics):
            for column, name in enumerate(SHOWN):
                self.table.setItem(
                    row_index, column, QtWidgets.QTableWidgetItem(format_value(row.get(name)))
                )
        self.table.resizeColumnsToContents()
        excluded = len({(r.participant, r.lesion_id) for r in result.rows if r.excluded})
        self.status.setText(
            f"{result.request.participant}, rater {result.request.rater}: {result.lesions} "
            f"lesion(s), {excluded} excluded from the statistics"
        )

    def statistics_cell(self, parameter: str, comparison: str, column: str) -> str:
        """Text of one table cell (for tests and accessibility)."""
        index = SHOWN.index(column)
        for row in range(self.table.rowCount()):
            if (self.table.item(row, 0).text(), self.table.item(row, 2).text()) == (
                parameter,
                comparison,
            ):
                return self.table.item(row, index).text()
        raise KeyError((parameter, comparison))


assert set(SHOWN) <= set(STATS_COLUMNS)
