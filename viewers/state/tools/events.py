"""The pointer event every tool receives, and the lesion selection tools share.

A :class:`ToolEvent` is what a view sends on press, move and release: the world
position in RAS millimetres (of the reference space: the one cursor), the
button, the modifier keys, the view's display plane (orientation) and the
view's image; the view's slice is the plane through the event's position.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from viewers.state.events import EventEmitter
from viewers.state.geometry import Plane, plane_for


@dataclass(frozen=True)
class ToolEvent:
    """A pointer event in world coordinates."""

    world: tuple[float, float, float]
    plane: Plane = field(default_factory=lambda: plane_for("axial"))
    button: str = "left"
    modifiers: frozenset = frozenset()
    volume: object = field(default=None, compare=False, repr=False)
    """The clicked view's image (a :class:`~viewers.state.volume.Volume` placed in the
    reference space), when the view has one: what the flood fill fills on."""
    visit: str | None = None
    """The visit (``ses-YY``) of the clicked view, when it shows one visit (a grid row)."""
    unregistered: str | None = None
    """The acquisition key of the clicked view when it is shown by header alignment (no
    registration yet): a lesion it creates moves when the registration arrives."""

    @property
    def point(self) -> np.ndarray:
        """The position as a float array."""
        return np.asarray(self.world, dtype=float)

    @property
    def slice_mm(self) -> float:
        """The view's slice: depth of the position along the plane's normal."""
        return self.plane.depth(self.world)

    def has(self, modifier: str) -> bool:
        """Return True when ``modifier`` (``"ctrl"``, ``"shift"``, ``"alt"``) is held."""
        return modifier in self.modifiers


def event(world, orientation: str = "axial", button: str = "left", *modifiers: str) -> ToolEvent:
    """Shorthand: ``event((x, y, z), "coronal", "right", "ctrl")``."""
    x, y, z = (float(c) for c in world)
    return ToolEvent((x, y, z), plane_for(orientation), button, frozenset(modifiers))


class LesionSelection:
    """Which lesion the tools act on, and whether the next stroke starts a new lesion.

    Emits ``changed(lesion_id=...)`` when the selection changes.
    """

    def __init__(self) -> None:
        self.lesion_id: int | None = None
        self.new_lesion = False
        self.changed = EventEmitter()

    def select(self, lesion_id: int | None) -> None:
        """Select a lesion (None clears the selection)."""
        self.lesion_id = None if not lesion_id else int(lesion_id)
        self.new_lesion = False
        self.changed.emit(lesion_id=self.lesion_id)

    def start_new_lesion(self) -> None:
        """Make the next stroke create a lesion with a fresh ID."""
        self.new_lesion = True
