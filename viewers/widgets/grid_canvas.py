"""The participant grid drawn as ONE picture: every visible cell is a tile of one widget.

Thirty separate pyqtgraph views cost thirty scene repaints per slice step;
here one :class:`GridCanvas` keeps a backing picture of the whole grid
(headers and tiles). A slice change re-renders only the tiles whose slice
changed (an indexed-8 QImage scaled into the tile, label overlays on top); a
cursor move within the slice re-renders nothing: the paint copies the backing
picture and draws the crosshairs on it. Tiles out of sight stay stale until
scrolled into view. The crosshair's lines stop short of the cursor by the
model's ``cursor_gap_mm`` (at least :data:`MIN_GAP_PX`), so a candidate of a
voxel or two under the cursor is not hidden by them. Each tile's corner title
sits on a dark band and fits the tile: without the visit (its row or column
header names it) when the whole title does not fit, cut with an ellipsis
when even that does not (:func:`fitted_title`).

The mouse acts on the Qt-free models exactly as the single view does: left
click or drag sets the shared cursor (drags coalesced), wheel moves a slice,
Ctrl+wheel zooms and middle drag pans the shared geometry, right drag changes
the column's window. :meth:`GridCanvas.hit` maps a canvas point to a cell's
world point, for the annotation tools (:mod:`viewers.widgets.pointer`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from viewers.state.grid import GridModel
from viewers.state.mosaic import tile_grid
from viewers.widgets.coalesce import Coalescer
from viewers.widgets.grid_tile import CellTile, OverlayStyle, colour_table, rgba_image
from viewers.widgets.pointer import PointerHit, on_cursor_slice
from viewers.widgets.slice_view import ZOOM_PER_WHEEL_STEP, drag_to

MIN_CELL_HEIGHT = 190
#: Visits across: a few modality rows share the height with the docks under the grid.
MIN_ACROSS_CELL_HEIGHT = 140
ROW_HEADER_WIDTH = 92
HEADER_HEIGHT = 20
SPACING = 2
CROSSHAIR = QtGui.QColor(255, 200, 0, 170)
FOCUS = QtGui.QColor(90, 160, 255)
HEADER_BACKGROUND = QtGui.QColor(51, 51, 51)
MARKER = QtGui.QColor(255, 60, 200, 220)
TITLE_BAND = QtGui.QColor(0, 0, 0, 150)
#: The smallest gap (pixels) left around the cursor when a gap is asked for.
MIN_GAP_PX = 4.0
_BUTTON = QtCore.Qt.MouseButton


def fitted_title(metrics: QtGui.QFontMetrics, variants: list[str], room: int) -> str:
    """Return the first of ``variants`` (longest first) ``room`` pixels hold, else the last elided."""
    for text in variants:
        if metrics.horizontalAdvance(text) <= room:
            return text
    return metrics.elidedText(variants[-1], QtCore.Qt.TextElideMode.ElideRight, max(room, 0))


class GridCanvas(QtWidgets.QWidget):
    """Draws every visible cell of a :class:`GridModel` (see the module docstring).

    Attributes
    ----------
    tiles : dict
        ``(session, column key) -> CellTile``.
    top_overlay : tuple or None
        ``(QImage, plane rect)`` drawn over every tile (the rater's mask), see
        :meth:`set_top_overlay`.
    """

    def __init__(
        self,
        model: GridModel,
        style: OverlayStyle,
        on_focus: Callable[[str, str], None] | None = None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.model, self.style, self.on_focus = model, style, on_focus
        self.tiles: dict[tuple[str, str], CellTile] = {}
        self.tables: dict[str, list[int]] = {}
        self.top_overlay: tuple | None = None
        self._backing = QtGui.QImage()
        self._headers_stale = True
        self._press: tuple | None = None
        self._drags = Coalescer(drag_to, parent=self)  # the latest drag point, once per pass
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMouseTracking(False)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.ClickFocus)

    # -- building and state ------------------------------------------------------------------------
    def rebuild(self) -> None:
        """Make one tile per visible cell (after a structure change)."""
        for tile in self.tiles.values():
            tile.close()
        self.tiles = {
            (v.session, c.key): CellTile(self, self.model.cell(v.session, c.key))
            for v in self.model.visible_visits()
            for c in self.model.visible_columns()
        }
        across = self.model.layout.visits_across
        rows = len(self.model.visible_columns() if across else self.model.visible_visits())
        lowest = MIN_ACROSS_CELL_HEIGHT if across else MIN_CELL_HEIGHT
        self.setMinimumHeight(HEADER_HEIGHT + rows * (lowest + SPACING) + SPACING)
        self._place_tiles()

    def invalidate_all(self, pictures: bool = True) -> None:
        """Render every tile again (style, colour map or overlay changed)."""
        for tile in self.tiles.values():
            tile.invalidate(pictures)

    def set_colour_table(self, column_key: str, lut: np.ndarray | None) -> None:
        """Colour map of a column (None: grey)."""
        self.tables[column_key] = colour_table(lut)
        for (_, key), tile in self.tiles.items():
            if key == column_key:
                tile.invalidate()

    def set_top_overlay(self, rgba: np.ndarray | None, rect=None) -> None:
        """Draw an RGBA plane image (rows along v) over every tile, at plane rectangle ``rect``."""
        self.top_overlay = None if rgba is None else rgba_image(rgba) + (rect,)
        self.invalidate_all(pictures=False)

    def cursor_moved(self, tile: CellTile) -> None:
        """Repaint the tile whose crosshair moved (its pixels stay)."""
        self.update(QtCore.QRect(*tile.rect))

    def tile_at(self, x: float, y: float) -> CellTile | None:
        """Return the tile under a canvas point."""
        return next((t for t in self.tiles.values() if QtCore.QRectF(*t.rect).contains(x, y)), None)

    # -- the pointer protocol (viewers.widgets.pointer) --------------------------------------------
    def pointer_surface(self) -> QtWidgets.QWidget:
        """Return the widget that receives the mouse: the canvas itself."""
        return self

    def hit(self, position: QtCore.QPointF, region: CellTile | None = None) -> PointerHit | None:
        """Return the cell point under a canvas point, on the cursor's slice (None outside tiles).

        ``region`` maps through a given tile's frame (a stroke continues in the tile it began in).
        """
        tile = region or self.tile_at(position.x(), position.y())
        if tile is None:
            return None
        u, v = tile.current_frame().to_plane(position.x(), position.y())
        cell = tile.cell
        unregistered = (
            cell.source.acquisition
            if cell.source.loadable and not cell.placement.registered
            else None
        )
        world = on_cursor_slice(tile.model, u, v)
        return PointerHit(world, tile.model.plane, tile.model, cell.key[0], unregistered, tile)

    # -- painting ----------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        """Place the tiles again for the new size."""
        super().resizeEvent(event)
        self._place_tiles()

    def paintEvent(self, event) -> None:
        """Paint the exposed part: the tiles that are stale, then the crosshairs."""
        exposed = event.rect()
        if self._backing.size() != self.size():
            self._backing = QtGui.QImage(self.size(), QtGui.QImage.Format.Format_RGB32)
            self._backing.fill(QtGui.QColor("black"))
            self._headers_stale = True
            for tile in self.tiles.values():
                tile.mark_stale()
        stale = [
            t for t in self.tiles.values() if t.stale and QtCore.QRect(*t.rect).intersects(exposed)
        ]
        if stale or self._headers_stale:
            painter = QtGui.QPainter(self._backing)
            if self._headers_stale:
                self._draw_headers(painter)
            for tile in stale:
                self._render(painter, tile)
            painter.end()
        painter = QtGui.QPainter(self)
        painter.drawImage(exposed, self._backing, exposed)
        self._draw_crosshairs(painter, exposed)
        painter.end()

    def _place_tiles(self) -> None:
        columns, visits = self.model.visible_columns(), self.model.visible_visits()
        across = self.model.layout.visits_across
        across_count, down_count = (
            (len(visits), len(columns)) if across else (len(columns), len(visits))
        )
        rects = tile_grid(
            self.width(),
            self.height(),
            across_count,
            down_count,
            left=ROW_HEADER_WIDTH,
            top=HEADER_HEIGHT,
            spacing=SPACING,
        )
        for row, visit in enumerate(visits):
            for number, column in enumerate(columns):
                tile = self.tiles.get((visit.session, column.key))
                if tile is not None:
                    tile.rect = rects[number][row] if across else rects[row][number]
                    tile.mark_stale()
        self._headers_stale = True
        self.update()

    def _draw_headers(self, painter: QtGui.QPainter) -> None:
        painter.fillRect(self._backing.rect(), QtGui.QColor("black"))
        painter.setPen(QtGui.QColor(238, 238, 238))
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        centre = QtCore.Qt.AlignmentFlag.AlignCenter
        across = self.model.layout.visits_across
        for tile in self.tiles.values():
            x, y, width, height = tile.rect
            visit = tile.cell.visit
            top_text, side_text = (
                (self.model.row_title(visit, with_date=False), tile.cell.column.title)
                if across
                else (tile.cell.column.title, self.model.row_title(visit).replace("  ", "\n"))
            )
            first_visit = tile.cell.visit is self.model.visible_visits()[0]
            first_column = tile.cell.column.key == self.model.layout.visible_columns()[0]
            if first_column if across else first_visit:
                header = QtCore.QRect(x, 0, width, HEADER_HEIGHT)
                painter.fillRect(header, HEADER_BACKGROUND)
                painter.drawText(header, centre, top_text)
            if first_visit if across else first_column:
                header = QtCore.QRect(0, y, ROW_HEADER_WIDTH, height)
                painter.fillRect(header, HEADER_BACKGROUND)
                painter.drawText(header, centre, side_text)
            tile.mark_stale()
        self._headers_stale = False

    def _render(self, painter: QtGui.QPainter, tile: CellTile) -> None:
        rect = QtCore.QRect(*tile.rect)
        painter.setClipRect(rect)
        painter.fillRect(rect, QtGui.QColor("black"))
        frame = tile.current_frame()
        picture = tile.image(self.tables.get(tile.cell.column.key, colour_table(None)))
        if picture is not None:
            painter.drawImage(QtCore.QRectF(*frame.target(picture[1])), picture[0])
            for image, plane_rect in tile.overlays(self.style):
                painter.drawImage(QtCore.QRectF(*frame.target(plane_rect)), image)
            if self.top_overlay is not None:
                painter.drawImage(
                    QtCore.QRectF(*frame.target(self.top_overlay[2])), self.top_overlay[1]
                )
            self._draw_markers(painter, tile, frame)
        self._draw_title(painter, tile, rect)
        painter.setClipping(False)
        tile.mark_rendered(frame)

    def _draw_title(self, painter: QtGui.QPainter, tile: CellTile, rect: QtCore.QRect) -> None:
        font = QtGui.QFont(self.font())
        font.setBold(True)  # always: the header painter's font no longer leaks in
        painter.setFont(font)
        metrics = painter.fontMetrics()
        text = fitted_title(metrics, tile.cell.titles(), rect.width() - 8)
        if not text:
            return
        band = QtCore.QRect(
            rect.left() + 1,
            rect.top() + 1,
            metrics.horizontalAdvance(text) + 6,
            metrics.height() + 2,
        )
        painter.fillRect(band, TITLE_BAND)
        painter.setPen(QtGui.QColor("#f0a040") if tile.cell.badges() else QtGui.QColor("#dddddd"))
        painter.drawText(
            band.adjusted(3, 1, -3, -1),
            QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop,
            text,
        )

    def _draw_markers(self, painter: QtGui.QPainter, tile: CellTile, frame) -> None:
        points = tile.markers(self.model.overlays.point_markers(), self.style)
        if points:
            painter.setPen(QtGui.QColor("white"))
            painter.setBrush(MARKER)
            for u, v in points:
                x, y = frame.to_pixel(u, v)
                painter.drawEllipse(QtCore.QPointF(x, y), 4.5, 4.5)
            painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)

    def _draw_crosshairs(self, painter: QtGui.QPainter, exposed: QtCore.QRect) -> None:
        pen = QtGui.QPen(CROSSHAIR)
        pen.setWidth(1)
        for key, tile in self.tiles.items():
            rect = QtCore.QRect(*tile.rect)
            if not rect.intersects(exposed) or tile.model.volume is None:
                continue
            painter.setClipRect(rect)
            painter.setPen(pen)
            x, y = tile.crosshair_pixel()
            gap = self._gap_px(tile)
            for start, end in (
                ((x, rect.top()), (x, y - gap)),
                ((x, y + gap), (x, rect.bottom())),
                ((rect.left(), y), (x - gap, y)),
                ((x + gap, y), (rect.right(), y)),
            ):
                painter.drawLine(QtCore.QPointF(*start), QtCore.QPointF(*end))
            if key == self.model.focus:
                painter.setPen(FOCUS)
                painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.setClipping(False)

    def _gap_px(self, tile: CellTile) -> float:
        """Pixels kept free on each side of the cursor (0 without a gap)."""
        gap_mm = self.model.cursor_gap_mm
        return max(MIN_GAP_PX, gap_mm * tile.crosshair_frame().scale) if gap_mm > 0 else 0.0

    # -- mouse -------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        """Focus the tile under the mouse; a left click moves the cursor there."""
        position = event.position()
        tile = self.tile_at(position.x(), position.y())
        if tile is None:
            return
        self._press = (tile, position)
        if self.on_focus is not None:
            self.on_focus(*tile.cell.key)
        if event.button() == _BUTTON.LeftButton:
            tile.model.click(*tile.current_frame().to_plane(position.x(), position.y()))

    def mouseMoveEvent(self, event) -> None:
        """Drag: left moves the cursor, middle pans, right changes the contrast."""
        if self._press is None:
            return
        tile, last = self._press
        position = event.position()
        buttons = event.buttons()
        frame = tile.current_frame()
        if buttons & _BUTTON.LeftButton:
            self._drags.submit(tile.model, *frame.to_plane(position.x(), position.y()))
        elif buttons & _BUTTON.MiddleButton:
            moved = position - last
            tile.model.geometry.pan_by(-moved.x() / frame.scale, moved.y() / frame.scale)
        elif buttons & _BUTTON.RightButton:
            moved = position - last
            tile.model.window.drag(
                moved.x() / max(frame.width, 1), -moved.y() / max(frame.height, 1)
            )
        self._press = (tile, position)

    def mouseReleaseEvent(self, event) -> None:
        """End a drag (the last cursor move is delivered now)."""
        if event.button() == _BUTTON.LeftButton:
            self._drags.flush()
        self._press = None

    def wheelEvent(self, event) -> None:
        """Scroll through the slices of the tile under the mouse."""
        position = event.position()
        tile = self.tile_at(position.x(), position.y())
        if tile is None:
            return
        event.accept()
        steps = 1 if event.angleDelta().y() > 0 else -1
        if event.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier:
            tile.model.geometry.zoom_by(ZOOM_PER_WHEEL_STEP**steps)
        else:
            tile.model.scroll(steps)
