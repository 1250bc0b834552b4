"""The participant grid widget: column headers, visit row headers and a GridCellView per cell.

Rows scroll (a 10-visit participant does not fit a screen at a useful size);
views scrolled out of sight skip their redraws until exposed. Volumes arrive
from the loader's threads: :class:`LoaderBridge` turns the loader's
``notify()`` into a queued Qt signal, so the callbacks run on the GUI thread.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from viewers.state.grid import GridModel
from viewers.widgets.grid_cell_view import GridCellView, OverlayStyle

MIN_CELL_HEIGHT = 190
HEADER_STYLE = "color: #eee; background: #333; padding: 2px; font-weight: bold;"


class LoaderBridge(QtCore.QObject):
    """Runs :meth:`VolumeLoader.drain` on the GUI thread whenever a worker finishes a load."""

    finished = QtCore.Signal()

    def __init__(self, loader, parent=None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.finished.connect(self.loader.drain, QtCore.Qt.ConnectionType.QueuedConnection)
        loader.notify = self.finished.emit


class GridView(QtWidgets.QScrollArea):
    """Draws a :class:`GridModel`: one view per visible visit x column.

    Attributes
    ----------
    views : dict
        ``(session, column key) -> GridCellView``.
    style : OverlayStyle
        Shared overlay style; call :meth:`refresh_overlays` after changing it.
    """

    HEADER_HEIGHT = 20

    def __init__(self, model: GridModel, style: OverlayStyle | None = None, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.style = style or OverlayStyle()
        self.views: dict[tuple[str, str], GridCellView] = {}
        self.lookup_tables: dict[str, object] = {}
        self.bridge = LoaderBridge(model.loader, self)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.model.changed.connect(self._on_model)
        self.verticalScrollBar().valueChanged.connect(self._catch_up_exposed)
        self._build()

    # -- public -------------------------------------------------------------------------------
    def view(self, session: str, column_key: str) -> GridCellView:
        """The view of a cell."""
        return self.views[(session, column_key)]

    def refresh_overlays(self) -> None:
        """Redraw every view's overlays (after a style change)."""
        for view in self.views.values():
            view.refresh_overlays()

    def set_colormap(self, column_key: str, name: str | None) -> None:
        """Colour map of a column (``None`` or ``"grey"``: grey scale)."""
        lut = None if name in (None, "grey") else pg.colormap.get(name).getLookupTable(nPts=256)
        self.lookup_tables[column_key] = lut
        for (session, key), view in self.views.items():
            if key == column_key:
                view.set_lookup_table(lut)

    def scroll_to_visit(self, session: str) -> None:
        """Scroll so that a visit's row is at the top (or as near as the scroll range allows)."""
        row = next((view for (s, _), view in self.views.items() if s == session), None)
        if row is not None:
            self.verticalScrollBar().setValue(row.y() - self.HEADER_HEIGHT)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._catch_up_exposed()

    def _catch_up_exposed(self, *_ignored) -> None:
        for view in self.views.values():
            if view.exposed():
                view.catch_up()

    # -- building ----------------------------------------------------------------------------------
    def _on_model(self, what: str, key=None) -> None:
        if what == "structure":
            self._build()
        elif what == "cell" and key in self.views:
            self.views[key].cell_changed()

    def _build(self) -> None:
        for view in self.views.values():
            view.close()
        self.views.clear()
        content = QtWidgets.QWidget()
        grid = QtWidgets.QGridLayout(content)
        grid.setSpacing(2)
        grid.setContentsMargins(0, 0, 0, 0)
        columns, visits = self.model.visible_columns(), self.model.visible_visits()
        for number, column in enumerate(columns):
            grid.addWidget(self._header(column.title, QtCore.Qt.AlignmentFlag.AlignCenter), 0, number + 1)
            grid.setColumnStretch(number + 1, 1)
        for row, visit in enumerate(visits, start=1):
            label = self._header(self.model.row_title(visit).replace("  ", "\n"), QtCore.Qt.AlignmentFlag.AlignCenter)
            label.setFixedWidth(92)
            grid.addWidget(label, row, 0)
            grid.setRowMinimumHeight(row, MIN_CELL_HEIGHT)
            for number, column in enumerate(columns):
                view = GridCellView(self.model.cell(visit.session, column.key), self.style,
                                    self.model.point_markers, self.model.set_focus)
                view.set_lookup_table(self.lookup_tables.get(column.key))
                self.views[(visit.session, column.key)] = view
                grid.addWidget(view, row, number + 1)
        self.setWidget(content)

    @staticmethod
    def _header(text: str, alignment) -> QtWidgets.QLabel:
        label = QtWidgets.QLabel(text)
        label.setAlignment(alignment)
        label.setStyleSheet(HEADER_STYLE)
        return label
