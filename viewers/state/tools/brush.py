"""Brush and eraser: a disc in the view's plane (2D) or a ball (3D), size in millimetres.

Press starts a stroke (one undo step, one saved edit), each move paints dabs
along the segment from the last position (never more than a third of the
smallest voxel apart, so fast moves leave no gaps), release ends the stroke.
The right button erases while the brush is active; :class:`EraserTool` always
erases. A stroke may cross slices (scrolling while painting) and each event's
own plane is used, so painting in any view paints the one reference mask.
"""

from __future__ import annotations

import contextlib

import numpy as np

from processing.annotations.labels import LabelVolume
from viewers.state.tools import footprint
from viewers.state.tools.events import LesionSelection, ToolEvent
from viewers.state.tools.labelling import choose_label, paint


class BrushTool:
    """Paint lesion IDs with a disc or a ball.

    Parameters
    ----------
    labels : LabelVolume
        The reference-space labels.
    selection : LesionSelection
        Shared lesion selection (the ID painted is selected).
    size_mm : float
        Brush diameter in millimetres.
    mode : {"2d", "3d"}
        Disc in the view's plane, or ball.
    """

    erases = False

    def __init__(
        self,
        labels: LabelVolume,
        selection: LesionSelection,
        size_mm: float = 2.0,
        mode: str = "2d",
    ):
        if mode not in ("2d", "3d"):
            raise ValueError(f"brush mode must be '2d' or '3d', not {mode!r}")
        self.labels, self.selection, self.size_mm, self.mode = (
            labels,
            selection,
            float(size_mm),
            mode,
        )
        self._stroke: contextlib.ExitStack | None = None
        self._last: np.ndarray | None = None
        self._value = 0
        self._only: int | None = None

    @property
    def painting(self) -> bool:
        """True between press and release."""
        return self._stroke is not None

    def press(self, event: ToolEvent) -> None:
        """Start a stroke at the event's position."""
        if self.painting:
            self.release(event)
        erase = self.erases or event.button == "right"
        dab = self._footprint(event.point, event.plane)
        if dab is None:
            return
        if erase:
            self._value, self._only = 0, self.selection.lesion_id if event.has("shift") else None
        else:
            self._value, self._only = choose_label(self.labels, self.selection, *dab), None
        self._stroke = contextlib.ExitStack()
        self._stroke.enter_context(self.labels.stroke("erase" if erase else "paint"))
        self._dab(dab)
        self._last = event.point

    def move(self, event: ToolEvent) -> None:
        """Paint along the segment from the previous position."""
        if not self.painting:
            return
        step = float(self.labels.grid.spacing.min()) / 3
        assert self._last is not None  # set with the stroke
        for point in footprint.segment_points(self._last, event.point, step):
            self._dab(self._footprint(point, event.plane))
        self._last = event.point

    def release(self, event: ToolEvent | None = None) -> None:
        """Finish the stroke (it becomes one undo step and is saved)."""
        if not self.painting:
            return
        if event is not None:
            self.move(event)
        stroke, self._stroke, self._last = self._stroke, None, None
        assert stroke is not None  # painting
        stroke.close()

    def _footprint(self, point: np.ndarray, plane):
        return footprint.ball(
            self.labels.grid, point, self.size_mm / 2, plane if self.mode == "2d" else None
        )

    def _dab(self, dab: tuple[footprint.Box, np.ndarray] | None) -> None:
        if dab is not None:
            box, mask = dab
            paint(
                self.labels,
                box,
                mask,
                self._value,
                only=self._only,
                source="erase" if self._value == 0 else "paint",
            )


class EraserTool(BrushTool):
    """A brush that always erases (shift: erase only the selected lesion)."""

    erases = True
