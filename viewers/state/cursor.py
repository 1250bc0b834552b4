"""The one cursor: a point in world millimetres (RAS+) of the participant's reference space.

Every view converts this point to its own image (through the image's affine and,
later, the registration); no view keeps its own copy. Setting the cursor to the
position it already has emits nothing, and a change requested while listeners
are being told about the previous one is applied after them, in order. Together
these stop the echo loops of linked views (a view converts the new position to
voxels and back, and sets what it got: nothing happens).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from viewers.state.events import EventEmitter

#: Positions closer than this (mm) count as the same position.
TOLERANCE_MM = 1e-6


class WorldCursor:
    """The shared cursor position in RAS millimetres.

    Parameters
    ----------
    position : sequence of 3 floats, optional
        Initial position (default the origin).

    Attributes
    ----------
    changed : EventEmitter
        Emits ``position`` (a copy, shape (3,)) and ``source`` (whoever set it).
    """

    def __init__(self, position: ArrayLike = (0.0, 0.0, 0.0)) -> None:
        self._position = _as_point(position)
        self.changed = EventEmitter()
        self._pending: list[tuple[np.ndarray, Any]] = []
        self._delivering = False

    @property
    def position(self) -> np.ndarray:
        """The current position (a copy: mutate it freely)."""
        return self._position.copy()

    def set_position(self, position: ArrayLike, source: Any = None) -> bool:
        """Move the cursor; return True if the request was accepted as a change.

        Parameters
        ----------
        position : sequence of 3 floats
            New RAS position in mm.
        source : object, optional
            Who asked (a view); passed on with the event so that a view can
            recognise its own request.
        """
        point = _as_point(position)
        target = self._pending[-1][0] if self._pending else self._position
        if np.allclose(point, target, rtol=0.0, atol=TOLERANCE_MM):
            return False
        self._pending.append((point, source))
        if not self._delivering:
            self._deliver()
        return True

    def move_by(self, delta: ArrayLike, source: Any = None) -> bool:
        """Shift the cursor by ``delta`` mm (e.g. one slice along a view's normal)."""
        return self.set_position(self._position + _as_point(delta), source)

    def _deliver(self) -> None:
        self._delivering = True
        try:
            while self._pending:
                point, source = self._pending.pop(0)
                if np.allclose(point, self._position, rtol=0.0, atol=TOLERANCE_MM):
                    continue
                self._position = point
                self.changed.emit(position=point.copy(), source=source)
        finally:
            self._delivering = False
            self._pending.clear()


def _as_point(values: ArrayLike) -> np.ndarray:
    point = np.asarray(values, dtype=float).reshape(-1)
    if point.shape != (3,) or not np.all(np.isfinite(point)):
        raise ValueError(f"a cursor position needs 3 finite numbers, got {values!r}")
    return point
