"""Polygon tool: click vertices in a view, close to fill the outline in that plane.

Each press adds a vertex; a press within ``close_distance_mm`` of the first
vertex (or :meth:`PolygonTool.close`, e.g. on Enter or double-click) fills the
polygon in the plane of the first vertex as one undo step. A vertex in another
view's plane restarts the polygon there. :meth:`PolygonTool.cancel` (Escape)
drops the vertices.
"""

from __future__ import annotations

import numpy as np

from processing.annotations.labels import LabelVolume
from viewers.state.geometry import Plane
from viewers.state.tools import footprint
from viewers.state.tools.events import LesionSelection, ToolEvent
from viewers.state.tools.labelling import choose_label, paint


class PolygonTool:
    """Outline a lesion in one plane."""

    def __init__(
        self, labels: LabelVolume, selection: LesionSelection, close_distance_mm: float = 1.0
    ):
        self.labels, self.selection, self.close_distance_mm = labels, selection, close_distance_mm
        self.vertices: list[np.ndarray] = []
        self.plane: Plane | None = None

    def press(self, event: ToolEvent) -> None:
        """Add a vertex, or close the polygon when back at the first one."""
        if self.vertices and not self._same_plane(event):
            self.cancel()
        if (
            len(self.vertices) >= 3
            and np.linalg.norm(event.point - self.vertices[0]) <= self.close_distance_mm
        ):
            self.close()
            return
        if not self.vertices:
            self.plane = event.plane
        self.vertices.append(event.point)

    def move(self, event: ToolEvent) -> None:
        """Nothing (a view may draw the rubber band from :attr:`vertices`)."""

    def release(self, event: ToolEvent | None = None) -> None:
        """Nothing: vertices are added on press."""

    def close(self) -> bool:
        """Fill the polygon (needs 3 vertices); return True when something was painted."""
        vertices, plane = self.vertices, self.plane
        self.cancel()
        if len(vertices) < 3:
            return False
        found = footprint.polygon(self.labels.grid, np.array(vertices), plane)
        if found is None or not found[1].any():
            return False
        with self.labels.stroke("paint"):
            paint(self.labels, *found, choose_label(self.labels, self.selection, *found))
        return True

    def cancel(self) -> None:
        """Forget the vertices."""
        self.vertices, self.plane = [], None

    def _same_plane(self, event: ToolEvent) -> bool:
        assert self.plane is not None  # set with the first vertex
        first = self.vertices[0]
        same_normal = np.allclose(event.plane.normal, self.plane.normal)
        thickness = footprint.slab_thickness(self.labels.grid, self.plane.normal)
        return (
            same_normal
            and abs(self.plane.depth(event.point) - self.plane.depth(first)) < thickness / 2
        )
