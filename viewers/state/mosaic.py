"""Where each cell of the grid mosaic lies on screen, how its pixels map to plane mm (no Qt).

The grid is drawn as ONE picture (:class:`viewers.widgets.grid_canvas.GridCanvas`):
every visible cell is a tile of it. A :class:`TileFrame` is one tile: its
pixel rectangle on the canvas and the plane rectangle it shows (the shared
zoom and pan applied), fitted with a locked aspect ratio and centred, v up.
It converts both ways, so clicks, painting and crosshairs agree to the pixel.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TileFrame:
    """One tile: canvas pixels ``(x, y, width, height)`` showing plane rectangle ``view``.

    Attributes
    ----------
    x, y, width, height : int
        The tile on the canvas (y down).
    view : (u0, v0, width, height)
        The plane rectangle (mm) fitted into the tile, centred, aspect kept.
    """

    x: int
    y: int
    width: int
    height: int
    view: tuple[float, float, float, float]

    @property
    def scale(self) -> float:
        """Pixels per millimetre."""
        _, _, width, height = self.view
        return min(self.width / width, self.height / height) if width > 0 and height > 0 else 1.0

    @property
    def _centre(self) -> tuple[float, float]:
        u0, v0, width, height = self.view
        return u0 + width / 2, v0 + height / 2

    def to_pixel(self, u: float, v: float) -> tuple[float, float]:
        """Canvas pixel (x right, y down) of plane point (u, v)."""
        cu, cv = self._centre
        return (
            self.x + self.width / 2 + (u - cu) * self.scale,
            self.y + self.height / 2 - (v - cv) * self.scale,
        )

    def to_plane(self, x: float, y: float) -> tuple[float, float]:
        """Plane point (u, v) under canvas pixel (x, y)."""
        cu, cv = self._centre
        return (
            cu + (x - self.x - self.width / 2) / self.scale,
            cv - (y - self.y - self.height / 2) / self.scale,
        )

    def target(self, rect: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """Return the canvas rectangle ``(left, top, width, height)`` of a plane rectangle.

        The plane rectangle is ``(u0, v0, w, h)``.
        """
        u0, v0, width, height = rect
        left, top = self.to_pixel(u0, v0 + height)
        return left, top, width * self.scale, height * self.scale

    def contains(self, x: float, y: float) -> bool:
        """Return True when canvas pixel (x, y) lies in the tile."""
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height


def tile_grid(
    width: int, height: int, columns: int, rows: int, *, left: int, top: int, spacing: int
) -> list[list[tuple[int, int, int, int]]]:
    """Return the pixel rectangles ``[row][column]`` of equal tiles.

    They fill ``width`` x ``height`` after the headers.
    """
    cell_w = max(1, (width - left - spacing * columns) // max(columns, 1))
    cell_h = max(1, (height - top - spacing * rows) // max(rows, 1))
    return [
        [
            (
                left + spacing + c * (cell_w + spacing),
                top + spacing + r * (cell_h + spacing),
                cell_w,
                cell_h,
            )
            for c in range(columns)
        ]
        for r in range(rows)
    ]
