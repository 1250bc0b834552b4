"""Lesion picker: a click (ctrl-click with any other tool) selects the lesion under the cursor."""

from __future__ import annotations

import numpy as np

from processing.annotations.labels import LabelVolume
from viewers.state.tools.events import LesionSelection, ToolEvent
from viewers.state.tools.footprint import nearest_voxel


def lesion_at(labels: LabelVolume, world) -> int:
    """Return the lesion ID of the voxel containing ``world``.

    0 outside lesions and outside the grid.
    """
    index = nearest_voxel(labels.grid, world)
    if np.any(index < 0) or np.any(index >= labels.grid.shape):
        return 0
    return int(labels.data[tuple(index)])


class LesionPicker:
    """Select the lesion under the cursor on press (background clears the selection)."""

    def __init__(self, labels: LabelVolume, selection: LesionSelection):
        self.labels, self.selection = labels, selection

    def press(self, event: ToolEvent) -> None:
        """Select the lesion under the event."""
        self.selection.select(lesion_at(self.labels, event.world) or None)

    def move(self, event: ToolEvent) -> None:
        """Nothing."""

    def release(self, event: ToolEvent | None = None) -> None:
        """Nothing."""
