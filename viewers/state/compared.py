"""How a grid cell's label layers are coloured, the two raters of a consensus session together (no Qt).

:func:`layer_pictures` turns the mask cuts of a cell's layers into RGBA
pictures. A layer without a role is drawn as always: its outline (or its
fill) in its colour. The two layers a consensus session compares (roles
``"A"`` and ``"B"``, :attr:`~viewers.state.overlays.LabelLayer.role`) make one
picture: the outline of their union, each outline pixel in the colour of who
marked it (A's colour where only A did, B's where only B did, the overlap
colour where both did), and the voxels both marked filled with the
translucent overlap colour. Microinfarcts are a voxel or three across, so
every voxel of a lesion is on its outline: a voxel is therefore never drawn
in two colours, and its colour says who marked it. The pair is always
outlined (a fill would hide the image); its outlines take the style's opacity.

The consensus rater's own lesions are drawn by the annotation overlay over
all of this, in :data:`~viewers.state.overlays.COMPARED_COLOURS` ``consensus``
(:class:`~viewers.state.tools.label_slice.MaskStyle` ``colour``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from viewers.state.overlays import COMPARED_COLOURS, LabelLayer, outline
from viewers.state.slicing import PlaneSlice

#: Opacity of the overlap fill (the image stays readable under it).
OVERLAP_OPACITY = 0.45
#: Opacity of the consensus rater's filled lesions.
CONSENSUS_OPACITY = 0.5

Picture = tuple[np.ndarray, tuple]


def compared_rgba(
    in_a: np.ndarray,
    in_b: np.ndarray,
    colours: dict[str, tuple[int, int, int]] = COMPARED_COLOURS,
    opacity: float = 1.0,
) -> np.ndarray:
    """RGBA uint8 pixels of raters A's and B's masks on one slice (see the module docstring).

    Parameters
    ----------
    in_a, in_b : ndarray of bool, shape (rows, cols)
        The two raters' masks on the same pixels.
    colours : dict
        ``"A"``, ``"B"`` and ``"overlap"`` colours.
    opacity : float
        Opacity of the outline (the overlap's inside has :data:`OVERLAP_OPACITY`).
    """
    in_a, in_b = np.asarray(in_a, dtype=bool), np.asarray(in_b, dtype=bool)
    rgba = np.zeros(in_a.shape + (4,), dtype=np.uint8)
    both = in_a & in_b
    rgba[both] = (*colours["overlap"], round(255 * OVERLAP_OPACITY))
    edge = outline(in_a | in_b)
    alpha = round(255 * float(np.clip(opacity, 0.0, 1.0)))
    rgba[edge & in_a & ~in_b] = (*colours["A"], alpha)
    rgba[edge & in_b & ~in_a] = (*colours["B"], alpha)
    rgba[edge & both] = (*colours["overlap"], max(alpha, round(255 * OVERLAP_OPACITY)))
    return rgba


def single_rgba(layer: LabelLayer, mask: np.ndarray, mode: str, opacity: float) -> np.ndarray:
    """RGBA uint8 pixels of one layer's mask: outlined (``mode="outline"``) or filled.

    One of a compared pair alone on its slice is outlined whatever ``mode``.
    """
    shown = outline(mask) if mode == "outline" or layer.role else mask
    rgba = np.zeros(mask.shape + (4,), dtype=np.uint8)
    rgba[shown] = (*layer.colour, round(255 * float(np.clip(opacity, 0.0, 1.0))))
    return rgba


def layer_pictures(
    cuts: Sequence[tuple[LabelLayer, PlaneSlice]], mode: str = "outline", opacity: float = 0.6
) -> list[Picture]:
    """``[(rgba, plane rect)]`` of the cut layers of one cell, in layer order.

    ``cuts`` holds the shown layers whose slice has any voxel; the compared
    pair (roles A and B, cut on the same pixels) becomes one picture, placed
    where A's layer is.
    """
    pair = {layer.role: cut for layer, cut in cuts if layer.role in ("A", "B")}
    together = len(pair) == 2 and _same_pixels(pair["A"], pair["B"])
    pictures: list[Picture] = []
    for layer, cut in cuts:
        if together and layer.role == "B":
            continue
        if together and layer.role == "A":
            colours = {"overlap": COMPARED_COLOURS["overlap"], "A": layer.colour}
            colours["B"] = next(other.colour for other, _ in cuts if other.role == "B")
            rgba = compared_rgba(cut.data, pair["B"].data, colours, opacity)
        else:
            rgba = single_rgba(layer, cut.data, mode, opacity)
        pictures.append((rgba, cut.rect))
    return pictures


def _same_pixels(first: PlaneSlice, second: PlaneSlice) -> bool:
    """Whether two cuts cover the same pixels (the raters share the reference grid)."""
    return first.data.shape == second.data.shape and np.allclose(first.rect, second.rect)
