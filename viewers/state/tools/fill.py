"""Flood fill within an intensity range, in the view's plane (2D) or in 3D.

The intensity image must lie on the reference grid (the displayed modality
resampled there). From the voxel under the cursor, the fill spreads through
face-, edge- or corner-neighbours whose intensity is within ``[low, high]`` and
that belong to no other lesion, up to ``max_radius_mm`` from the seed (lesions
are small; the cap keeps one click from flooding a whole tissue class).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from processing.annotations.labels import LabelVolume
from viewers.state.tools import footprint
from viewers.state.tools.events import LesionSelection, ToolEvent
from viewers.state.tools.labelling import choose_label, paint


class FloodFillTool:
    """Fill the connected in-range region under the cursor with one lesion ID."""

    def __init__(self, labels: LabelVolume, selection: LesionSelection, image: np.ndarray,
                 low: float, high: float, mode: str = "2d", max_radius_mm: float = 15.0):
        if np.shape(image) != labels.grid.shape:
            raise ValueError(f"image of shape {np.shape(image)} is not on the label grid {labels.grid.shape}")
        self.labels, self.selection, self.image = labels, selection, image
        self.low, self.high, self.mode, self.max_radius_mm = low, high, mode, max_radius_mm

    def region(self, event: ToolEvent):
        """``(box, mask)`` the fill would paint from this event, or None."""
        grid = self.labels.grid
        box = footprint.box_around(grid, event.point, self.max_radius_mm)
        if box is None:
            return None
        seed = footprint.nearest_voxel(grid, event.point) - [s.start for s in box]
        if np.any(seed < 0) or np.any(seed >= [s.stop - s.start for s in box]):
            return None
        centres = grid.box_centres(box)
        values, current = self.image[box], self.labels.data[box]
        allowed = (values >= self.low) & (values <= self.high)
        allowed &= np.linalg.norm(centres - event.point, axis=-1) <= self.max_radius_mm
        allowed &= (current == 0) | (current == current[tuple(seed)])
        if self.mode == "2d":
            allowed &= footprint.in_slab(centres, grid, event.plane.normal, event.slice_mm)
        if not allowed[tuple(seed)]:
            return None
        parts, _ = ndimage.label(allowed, structure=np.ones((3, 3, 3), bool))
        return box, parts == parts[tuple(seed)]

    def press(self, event: ToolEvent) -> None:
        """Fill from the voxel under the cursor (one undo step)."""
        found = self.region(event)
        if found is None:
            return
        with self.labels.stroke("paint"):
            paint(self.labels, *found, choose_label(self.labels, self.selection, *found))

    def move(self, event: ToolEvent) -> None:
        """Nothing: a fill happens on press."""

    def release(self, event: ToolEvent | None = None) -> None:
        """Nothing: a fill happens on press."""
