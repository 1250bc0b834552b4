"""The window/level histogram of the focused column: value histogram with a draggable window.

Dragging the region's edges sets the column's shared window; a window change
from elsewhere (mouse W/L, presets) moves the region.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from viewers.state.grid import GridModel
from viewers.state.windowing import WindowLevel

BINS = 128
MAX_SAMPLES = 400_000


def histogram(data: np.ndarray, bins: int = BINS) -> tuple[np.ndarray, np.ndarray]:
    """Return the counts and edges of the finite, non-zero values (subsampled for large volumes)."""
    flat = np.asarray(data).reshape(-1)
    flat = flat[:: max(1, flat.size // MAX_SAMPLES)]
    flat = flat[np.isfinite(flat) & (flat != 0)]
    if flat.size == 0:
        return np.zeros(bins), np.linspace(0.0, 1.0, bins + 1)
    high = np.percentile(flat, 99.9)
    low = min(float(flat.min()), 0.0)
    return np.histogram(flat, bins=bins, range=(low, high if high > low else low + 1.0))


class WindowHistogram(pg.PlotWidget):
    """Histogram of the focused cell's volume with its column's window as a region."""

    def __init__(self, model: GridModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.window: WindowLevel | None = None
        self.bars = self.plot([], [], stepMode="center", fillLevel=0, brush=(120, 120, 200, 150))
        self.region = pg.LinearRegionItem()
        self.addItem(self.region)
        self.region.sigRegionChangeFinished.connect(self._region_moved)
        self.setLabel("left", "voxels")

    def show_cell(self, session: str, column_key: str) -> None:
        """Show the histogram of one cell and follow its column's window."""
        cell = self.model.cells.get((session, column_key))
        if cell is None or cell.view.volume is None:
            return
        counts, edges = histogram(cell.view.volume.value_sample(MAX_SAMPLES))
        self.bars.setData(edges, counts)
        self.setTitle(f"{cell.column.title} {session}")
        if self.window is not None:
            self.window.changed.disconnect(self._window_changed)
        self.window = cell.view.window
        self.window.changed.connect(self._window_changed)
        self._window_changed(self.window.low, self.window.high)

    def _window_changed(self, low: float, high: float) -> None:
        self.region.blockSignals(True)
        self.region.setRegion((low, high))
        self.region.blockSignals(False)

    def _region_moved(self) -> None:
        low, high = self.region.getRegion()
        if self.window is not None and high > low:
            self.window.set_range(low, high)
