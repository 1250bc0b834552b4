"""The participant grid widget: a scroll area around one :class:`GridCanvas` (every cell one tile).

Rows scroll (a 10-visit participant does not fit a screen at a useful size);
tiles scrolled out of sight skip their renders until exposed. Volumes arrive
from the loader's threads: :class:`LoaderBridge` turns the loader's
``notify()`` into a queued Qt signal, so the callbacks run on the GUI thread,
and a burst of arrivals is drained once per pass of the event loop.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from viewers.state.grid import GridModel
from viewers.widgets.grid_canvas import HEADER_HEIGHT, GridCanvas
from viewers.widgets.grid_tile import CellTile, OverlayStyle


class LoaderBridge(QtCore.QObject):
    """Runs :meth:`VolumeLoader.drain` on the GUI thread after workers finish loads (coalesced)."""

    finished = QtCore.Signal()

    def __init__(self, loader, parent=None) -> None:
        super().__init__(parent)
        self.loader = loader
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.loader.drain)
        self.finished.connect(self._schedule, QtCore.Qt.ConnectionType.QueuedConnection)
        loader.notify = self.finished.emit

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()


class GridView(QtWidgets.QScrollArea):
    """Draws a :class:`GridModel`: one tile per visible visit x column.

    Attributes
    ----------
    canvas : GridCanvas
    views : dict
        ``(session, column key) -> CellTile``.
    style : OverlayStyle
        Shared overlay style; call :meth:`refresh_overlays` after changing it.
    """

    HEADER_HEIGHT = HEADER_HEIGHT

    def __init__(self, model: GridModel, style: OverlayStyle | None = None, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.style = style or OverlayStyle()
        self.lookup_tables: dict[str, object] = {}
        self.bridge = LoaderBridge(model.loader, self)
        self.canvas = GridCanvas(model, self.style, model.set_focus)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(self.canvas)
        events = model.events
        events.structure.connect(self.canvas.rebuild)
        events.cell.connect(self._cell_changed)
        events.focus.connect(lambda key: self.canvas.update())
        events.cursor_gap.connect(self.canvas.update)
        self.canvas.rebuild()

    @property
    def views(self) -> dict[tuple[str, str], CellTile]:
        """Return the tile of every shown cell, by (session, column key)."""
        return self.canvas.tiles

    # -- public -------------------------------------------------------------------------------
    def view(self, session: str, column_key: str) -> CellTile:
        """Return the tile of a cell."""
        return self.views[(session, column_key)]

    def refresh_overlays(self) -> None:
        """Redraw every tile's overlays (after a style change)."""
        self.canvas.invalidate_all()

    def set_colormap(self, column_key: str, name: str | None) -> None:
        """Colour map of a column (``None`` or ``"grey"``: grey scale)."""
        lut = None if name in (None, "grey") else pg.colormap.get(name).getLookupTable(nPts=256)
        self.lookup_tables[column_key] = lut
        self.canvas.set_colour_table(column_key, lut)

    def scroll_to_visit(self, session: str) -> None:
        """Scroll so that a visit's row is at the top (or as near as the scroll range allows)."""
        row = next((tile for (s, _), tile in self.views.items() if s == session), None)
        if row is not None:
            self.verticalScrollBar().setValue(row.rect[1] - HEADER_HEIGHT)

    # -- model events ------------------------------------------------------------------------------
    def _cell_changed(self, key: tuple[str, str]) -> None:
        if key in self.views:
            self.views[key].invalidate()
