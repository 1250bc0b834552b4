"""One cell of the grid canvas: its model, where it is drawn, and its pictures cached as QImages.

A :class:`CellTile` is not a widget: the :class:`~viewers.widgets.grid_canvas.GridCanvas`
draws every tile into one picture. The tile turns its model's pre-windowed
uint8 slice into an 8-bit indexed QImage (the column's colour map is its colour
table: no per-pixel colour work in Python) and each label layer's mask into an
RGBA QImage, re-made only when the slice, window or style changes; the canvas
scales them into the tile's frame. Views scrolled out of sight stay stale
(nothing is re-rendered) until they are exposed.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from viewers.state.compared import layer_pictures
from viewers.state.grid_cell import GridCell
from viewers.state.mosaic import TileFrame
from viewers.state.overlays import markers_near

GREY_TABLE = [QtGui.qRgb(i, i, i) for i in range(256)]
MARKER_SLAB_MM = 4.0


class OverlayStyle:
    """How overlays are drawn.

    ``mode`` is ``"outline"`` or ``"fill"``, ``opacity`` 0..1; truth and raters shown or not.
    """

    def __init__(
        self,
        mode: str = "outline",
        opacity: float = 0.6,
        show_truth: bool = True,
        show_raters: bool = True,
        show_points: bool = True,
    ) -> None:
        self.mode, self.opacity = mode, float(opacity)
        self.show_truth, self.show_raters, self.show_points = show_truth, show_raters, show_points

    def shows(self, layer_name: str) -> bool:
        """Return True when the overlay layer ``layer_name`` is shown."""
        return self.show_truth if layer_name == "truth" else self.show_raters


def indexed_image(pixels: np.ndarray, table: list[int]) -> tuple[np.ndarray, QtGui.QImage]:
    """Return a 32-bit QImage of a uint8 slice (row 0 at the bottom) through a colour table.

    Made as 8-bit indexed (Qt applies the table) and converted once to RGB32,
    which Qt scales several times faster than an indexed image at every paint.
    """
    flipped = np.ascontiguousarray(pixels[::-1])
    image = QtGui.QImage(
        flipped.data,
        flipped.shape[1],
        flipped.shape[0],
        flipped.strides[0],
        QtGui.QImage.Format.Format_Indexed8,
    )
    image.setColorTable(table)
    return flipped, image.convertToFormat(QtGui.QImage.Format.Format_RGB32)


def rgba_image(rgba: np.ndarray) -> tuple[np.ndarray, QtGui.QImage]:
    """Return an RGBA QImage of an (rows, cols, 4) uint8 array, and the array it borrows.

    Row 0 is at the bottom.
    """
    flipped = np.ascontiguousarray(rgba[::-1])
    image = QtGui.QImage(
        flipped.data,
        flipped.shape[1],
        flipped.shape[0],
        flipped.strides[0],
        QtGui.QImage.Format.Format_RGBA8888,
    )
    return flipped, image


def colour_table(lut: np.ndarray | None) -> list[int]:
    """Return a QImage colour table from a (256, 3 or 4) lookup table (None: grey)."""
    if lut is None:
        return GREY_TABLE
    lut = np.asarray(lut)
    return [QtGui.qRgb(int(r), int(g), int(b)) for r, g, b in lut[:, :3]]


class CellTile:
    """The drawing state of one :class:`GridCell` on the canvas.

    Attributes
    ----------
    cell : GridCell
    model : SliceViewModel
        ``cell.view``.
    rect : tuple
        ``(x, y, width, height)`` on the canvas.
    frame : TileFrame or None
        Pixel <-> plane mapping, updated at each render.
    """

    def __init__(self, canvas, cell: GridCell) -> None:
        self.canvas, self.cell, self.model = canvas, cell, cell.view
        self.rect = (0, 0, 1, 1)
        self.frame: TileFrame | None = None
        self._stale = True
        self._image: tuple | None = None
        self._overlays: tuple | None = None
        events = self.model.events
        events.cursor.connect(self._cursor_moved)
        events.image.connect(self.invalidate)
        events.range.connect(self._range_changed)

    # -- state ---------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop listening to the model's events."""
        events = self.model.events
        events.cursor.disconnect(self._cursor_moved)
        events.image.disconnect(self.invalidate)
        events.range.disconnect(self._range_changed)

    def exposed(self) -> bool:
        """Return True when some of the tile is on screen (not scrolled away)."""
        return self.canvas.isVisible() and self.canvas.visibleRegion().intersects(
            QtCore.QRect(*self.rect)
        )

    @property
    def stale(self) -> bool:
        """Whether the tile is rendered again at the next paint that exposes it."""
        return self._stale

    def mark_stale(self) -> None:
        """Render again at the next paint (the canvas moved or repainted its background)."""
        self._stale = True

    def mark_rendered(self, frame: TileFrame) -> None:
        """Record that the canvas drew the tile through ``frame``.

        Crosshairs are placed through that frame until the tile is stale.
        """
        self.frame, self._stale = frame, False

    def invalidate(self, pictures: bool = True) -> None:
        """Render again at the next paint (``pictures``: re-make the cached QImages too)."""
        if pictures:
            self._image = self._overlays = None
        self._stale, self.frame = True, None
        self.canvas.update(QtCore.QRect(*self.rect))

    def current_frame(self) -> TileFrame:
        """Return the frame of the tile now (the shared zoom and pan applied)."""
        return TileFrame(*self.rect, self.model.visible_rect() or (0.0, 0.0, 1.0, 1.0))

    def crosshair_frame(self) -> TileFrame:
        """Return the frame crosshairs are placed through: the last render's, or the current one."""
        return self.frame if self.frame is not None and not self._stale else self.current_frame()

    def crosshair_pixel(self) -> tuple[float, float]:
        """Canvas pixel of the cursor in this tile (through the frame of the last render)."""
        return self.crosshair_frame().to_pixel(*self.model.crosshair())

    def grab(self) -> QtGui.QPixmap:
        """Return this tile as a picture (screenshots of one view)."""
        return self.canvas.grab(QtCore.QRect(*self.rect))

    # -- pictures ----------------------------------------------------------------------------------
    def image(self, table: list[int]):
        """``(QImage, plane rect)`` of the windowed slice, or None."""
        if self._image is None:
            pixels = self.model.pixels()
            if pixels is None:
                return None
            self._image = indexed_image(pixels, table) + (self.model.current_slice().rect,)
        return self._image[1], self._image[2]

    def overlays(self, style: OverlayStyle) -> list:
        """``[(QImage, plane rect)]`` of the cell's label layers shown by ``style``.

        Coloured by :func:`~viewers.state.compared.layer_pictures` (a consensus
        session's two raters together).
        """
        if self._overlays is None:
            cuts = []
            position, plane = self.model.cursor.position, self.model.plane
            for slicer, layer in zip(self.cell.slicers, self.cell.layers, strict=True):
                if not style.shows(layer.name):
                    continue
                cut = slicer.mask(plane, position)
                if cut.inside and cut.data.any():
                    cuts.append((layer, cut))
            self._overlays = [
                rgba_image(rgba) + (rect,)
                for rgba, rect in layer_pictures(cuts, style.mode, style.opacity)
            ]
        return [(image, rect) for _, image, rect in self._overlays]

    def markers(self, points, style: OverlayStyle) -> list[tuple[float, float]]:
        """Plane points of the point markers near the shown slice."""
        if not style.show_points or self.model.volume is None:
            return []
        return [
            (u, v)
            for u, v, _ in markers_near(
                points, self.model.plane, self.model.cursor.position, MARKER_SLAB_MM
            )
        ]

    def _cursor_moved(self) -> None:
        self.canvas.cursor_moved(self)

    def _range_changed(self) -> None:  # zoom or pan: the same pictures, placed elsewhere
        self.invalidate(pictures=False)
