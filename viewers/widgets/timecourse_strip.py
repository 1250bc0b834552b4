"""The time-course strip: each parameter at the cursor across visits (weeks since baseline).

One small pyqtgraph plot per visible column (their units differ), refreshed
through the same throttle as the read-out panel.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from viewers.state.grid import GridModel
from viewers.widgets.coalesce import Coalescer
from viewers.widgets.readout_panel import REFRESH_MS

CURVE_PEN = pg.mkPen((90, 200, 255), width=2)


class TimeCourseStrip(pg.GraphicsLayoutWidget):
    """Plots, per column, the value at the cursor at every visible visit."""

    def __init__(self, model: GridModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.throttle = Coalescer(self.refresh, REFRESH_MS, parent=self)
        model.cursor.changed.connect(self.throttle.poke)
        model.events.structure.connect(self.throttle.poke)  # visits or columns shown
        model.events.cell.connect(self.throttle.poke)  # a volume arrived

    def refresh(self) -> None:
        """Re-plot every column (rebuilding the plots when the columns changed)."""
        columns = self.model.visible_columns()
        if [c.key for c in columns] != list(self.plots):
            self._build(columns)
        weeks = np.array(self.model.visit_weeks(), dtype=float)
        for key, values in self.model.values_at_cursor().items():
            y = np.array([np.nan if v is None else v for v in values], dtype=float)
            if np.isfinite(y).any():
                self.curves[key].setData(weeks, y, connect="finite")
            else:  # the cursor is outside every image: nothing to plot
                # (pyqtgraph cannot bound all-NaN)
                self.curves[key].setData([], [])

    def data(self, column_key: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the plotted (weeks, values) of a column."""
        return self.curves[column_key].getData()

    def _build(self, columns) -> None:
        self.clear()
        self.plots.clear()
        self.curves.clear()
        for column in columns:
            plot = self.addPlot(title=column.title)
            plot.setLabel("bottom", "week")
            plot.showGrid(x=True, y=True, alpha=0.3)
            self.plots[column.key] = plot
            self.curves[column.key] = plot.plot([], [], pen=CURVE_PEN, symbol="o", symbolSize=5)
