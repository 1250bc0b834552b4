"""One view of the grid: a :class:`SliceView` with overlays, point markers, marks and lazy redraw.

A view scrolled out of sight does not redraw its pixels when the slice or the
window changes; it remembers that it is stale and redraws when it is exposed
again (only visible views cost time). Overlays: each label layer of the cell
is one RGBA ImageItem (outline or fill, with an opacity); point markers
(microbleeds) are a scatter item of the lesions near the shown slice.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from viewers.state.grid_cell import GridCell
from viewers.state.overlays import markers_near, outline
from viewers.widgets.slice_view import SliceView

MARKER_SLAB_MM = 4.0
MARKER_BRUSH = pg.mkBrush(255, 60, 200, 220)


class OverlayStyle:
    """How overlays are drawn: ``mode`` ``"outline"`` or ``"fill"``, ``opacity`` 0..1, truth shown or not."""

    def __init__(self, mode: str = "outline", opacity: float = 0.6, show_truth: bool = True,
                 show_raters: bool = True, show_points: bool = True) -> None:
        self.mode, self.opacity = mode, float(opacity)
        self.show_truth, self.show_raters, self.show_points = show_truth, show_raters, show_points

    def shows(self, layer_name: str) -> bool:
        return self.show_truth if layer_name == "truth" else self.show_raters


class GridCellView(SliceView):
    """Draws one :class:`GridCell`.

    Parameters
    ----------
    cell : GridCell
    style : OverlayStyle
        Shared by every view of the grid.
    points : callable
        Returns the point markers (lesions) of the participant.
    on_focus : callable(session, column key), optional
        Called when the rater clicks in this view.
    """

    def __init__(self, cell: GridCell, style: OverlayStyle, points: Callable[[], list],
                 on_focus: Callable[[str, str], None] | None = None, parent=None) -> None:
        self.cell, self.style, self._points, self._on_focus = cell, style, points, on_focus
        self._stale = False
        self._overlay_items: list[pg.ImageItem] = []
        self._markers_shown: tuple[list, list] = ([], [])
        super().__init__(cell.view, cell.title(), parent)
        self.markers = pg.ScatterPlotItem(size=9, brush=MARKER_BRUSH, pen=pg.mkPen("w", width=1), symbol="o")
        self.view_box.addItem(self.markers, ignoreBounds=True)
        self.markers.setVisible(False)
        self.setMinimumSize(60, 100)

    # -- what the grid tells the view --------------------------------------------------------
    def cell_changed(self) -> None:
        """The cell's volume, state or overlays changed."""
        self.set_title(self.cell.title())
        self.title.setStyleSheet("color: %s; background: transparent; padding: 3px;"
                                 % ("#f0a040" if self.cell.badges() else "#ddd"))
        self.refresh()
        self._draw_overlays()

    def set_lookup_table(self, lut: np.ndarray | None) -> None:
        """Colour map of the image (None: grey)."""
        self.image_item.setLookupTable(lut)

    def refresh_overlays(self) -> None:
        """Redraw overlays (style changed)."""
        self._draw_overlays()

    # -- drawing ----------------------------------------------------------------------------------
    def exposed(self) -> bool:
        """True when some of the view is inside its scroll area's viewport (not scrolled away, not hidden)."""
        if not self.isVisible():
            return False
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QtWidgets.QAbstractScrollArea):
            parent = parent.parentWidget()
        if parent is None:
            return True
        viewport = parent.viewport()
        corner = self.mapTo(viewport, QtCore.QPoint(0, 0))
        return QtCore.QRect(corner, self.size()).intersects(viewport.rect())

    def _on_model(self, what: str) -> None:
        if what in ("image", "cursor") and not self.exposed():
            self._stale = True
            return
        super()._on_model(what)
        if what == "image":  # a cursor move within the slice only moves the crosshair
            self._draw_overlays()

    def catch_up(self) -> None:
        """Redraw what changed while the view was out of sight."""
        if self._stale:
            self._stale = False
            self.refresh()
            self._draw_overlays()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.catch_up()
        super().paintEvent(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if self._on_focus is not None:
            self._on_focus(*self.cell.key)
        super().mousePressEvent(event)

    def _draw_overlays(self) -> None:
        layers = [(slicer, layer) for slicer, layer in zip(self.cell.slicers, self.cell.layers)
                  if self.style.shows(layer.name)]
        while len(self._overlay_items) < len(layers):
            item = pg.ImageItem(axisOrder="row-major")
            item.setZValue(10)
            self.view_box.addItem(item)
            self._overlay_items.append(item)
        position, plane = self.model.cursor.position, self.model.plane
        for number, item in enumerate(self._overlay_items):
            if number >= len(layers):
                item.clear()
                continue
            slicer, layer = layers[number]
            cut = slicer.mask(plane, position)
            item.setImage(self._rgba(cut.data if cut.inside else np.zeros_like(cut.data), layer.colour),
                          autoLevels=False)
            item.setRect(QtCore.QRectF(*cut.rect))
        self._draw_markers(position, plane)

    def _draw_markers(self, position, plane) -> None:
        if not self.style.show_points or self.model.volume is None:
            if self._markers_shown != ([], []):
                self._markers_shown = ([], [])
                self.markers.setData([], [])
            return
        near = markers_near(self._points(), plane, position, MARKER_SLAB_MM)
        shown = ([u for u, _, _ in near], [v for _, v, _ in near])
        if shown != self._markers_shown:
            self._markers_shown = shown
            self.markers.setData(*shown)
            self.markers.setVisible(bool(shown[0]))  # an empty scatter item still costs a paint

    def _rgba(self, mask: np.ndarray, colour) -> np.ndarray:
        shown = outline(mask) if self.style.mode == "outline" else mask
        rgba = np.zeros(mask.shape + (4,), dtype=np.uint8)
        rgba[shown] = (*colour, int(round(255 * self.style.opacity)))
        return rgba
