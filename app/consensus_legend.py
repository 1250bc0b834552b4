"""The consensus dock's legend: which colour is whose, drawn as the grid draws it.

One row per colour of a consensus grid (:mod:`viewers.state.compared`): the
outline where only rater A marked, where only rater B marked, the voxels both
marked (translucent fill) and the consensus rater's lesions (filled). Each swatch is painted over the dark
grey of an image, with the grid's own colours and opacities, so the legend
looks like what it explains.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from viewers.state.compared import CONSENSUS_OPACITY, OVERLAP_OPACITY
from viewers.state.overlays import COMPARED_COLOURS

SWATCH = (22, 14)
BACKGROUND = QtGui.QColor(60, 60, 60)


def legend_rows(raters, into: str) -> list[tuple[str, tuple[int, int, int], str]]:
    """Return ``(how drawn, colour, text)`` per row: A, B, their overlap, the consensus."""
    first, second = raters
    colours = COMPARED_COLOURS
    return [
        ("outline", colours["A"], f"rater {first} (A) only: outline"),
        ("outline", colours["B"], f"rater {second} (B) only: outline"),
        ("overlap", colours["overlap"], f"marked by both {first} and {second}: filled"),
        ("fill", colours["consensus"], f"consensus {into}: filled (selected lesion: white)"),
    ]


def swatch(how: str, colour: tuple[int, int, int]) -> QtGui.QPixmap:
    """Return a small picture of one layer as drawn over an image (outline or fill)."""
    pixmap = QtGui.QPixmap(*SWATCH)
    pixmap.fill(BACKGROUND)
    painter = QtGui.QPainter(pixmap)
    rect = QtCore.QRect(2, 2, SWATCH[0] - 4, SWATCH[1] - 4)
    if how == "outline":
        painter.setPen(QtGui.QPen(QtGui.QColor(*colour), 2))
        painter.drawRect(rect.adjusted(1, 1, -1, -1))
    else:
        opacity = OVERLAP_OPACITY if how == "overlap" else CONSENSUS_OPACITY
        painter.fillRect(rect, QtGui.QColor(*colour, round(255 * opacity)))
    painter.end()
    return pixmap


class Legend(QtWidgets.QWidget):
    """The legend's rows: a swatch and its text each."""

    def __init__(self, raters, into: str, parent=None) -> None:
        super().__init__(parent)
        self.rows = legend_rows(raters, into)
        self.setAccessibleName("legend: " + "; ".join(text for *_, text in self.rows))
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(1, 1)
        for number, (how, colour, text) in enumerate(self.rows):
            picture = QtWidgets.QLabel()
            picture.setPixmap(swatch(how, colour))
            grid.addWidget(picture, number, 0)
            grid.addWidget(QtWidgets.QLabel(text), number, 1)

    def text(self) -> str:
        """Return every row's text, one a line."""
        return "\n".join(text for *_, text in self.rows)
