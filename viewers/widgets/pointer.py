"""What lies under the mouse: one protocol for every widget that shows images.

A :class:`~viewers.widgets.slice_view.SliceView` (one image) and a
:class:`~viewers.widgets.grid_canvas.GridCanvas` (many cells in one widget)
both answer :meth:`PointerTarget.hit`: the world point under a widget position
on the cursor's slice, the plane, the view model whose volume is there, the
visit and whether that image is shown unregistered, and the region (a grid
tile) a stroke that begins there stays in. The annotation tools
(:class:`~viewers.widgets.annotation.ToolController`) need nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from PySide6 import QtCore, QtWidgets

from viewers.state.geometry import Plane
from viewers.state.slice_view_model import SliceViewModel


@dataclass(frozen=True)
class PointerHit:
    """The image point under the mouse.

    Attributes
    ----------
    world : ndarray (3,)
        RAS mm of the reference space, on the cursor's slice.
    plane : Plane
        The display plane of the view.
    model : SliceViewModel
        The view model of the image there (its volume is what a flood fill fills on).
    visit : str or None
        The visit of that image (None: a view of no particular visit).
    unregistered : str or None
        The acquisition key when that image is shown by header alignment only.
    region : object
        What a stroke that begins here stays in (a grid tile; None for a single view).
    """

    world: np.ndarray
    plane: Plane
    model: SliceViewModel
    visit: str | None = None
    unregistered: str | None = None
    region: Any = None


class PointerTarget(Protocol):
    """A widget whose mouse positions map to images (see the module docstring)."""

    def pointer_surface(self) -> QtWidgets.QWidget:
        """Return the widget that receives this view's mouse events."""
        ...

    def hit(self, position: QtCore.QPointF, region: Any = None) -> PointerHit | None:
        """Return the image point under ``position`` (within ``region`` if given), or None."""
        ...


def on_cursor_slice(model: SliceViewModel, u: float, v: float) -> np.ndarray:
    """Return the world point of plane point (u, v) at the depth of the model's cursor."""
    plane = model.plane
    return plane.to_world(u, v, plane.depth(model.cursor.position))
