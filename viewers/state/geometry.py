"""How views look at the world: orientation, zoom and pan, shared by linked views.

A display :class:`Plane` is fixed in world space: two in-plane unit vectors
``u`` (screen right) and ``v`` (screen up) and the ``normal`` (towards the
viewer's next slice). Plane coordinates of a world point are its dot products
with ``u`` and ``v``; its depth is the dot product with ``normal``. Convention:
neurological (participant's right on screen right) in axial and coronal views,
anterior on the left in sagittal views (as in DICOM display).

:class:`ViewGeometry` holds the orientation, a zoom factor (1 = the whole field
of view fits) and a pan offset in plane millimetres. Linked views share one
instance, so they zoom and pan together without widget-to-widget links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from viewers.state.events import EventEmitter, EventGroup

ORIENTATIONS = ("axial", "coronal", "sagittal")
ZOOM_RANGE = (0.25, 64.0)


@dataclass(frozen=True)
class Plane:
    """A display plane: screen-right ``u``, screen-up ``v`` and ``normal``, unit RAS vectors."""

    name: str
    u: np.ndarray
    v: np.ndarray
    normal: np.ndarray

    def to_plane(self, world: ArrayLike) -> tuple[float, float]:
        """Plane coordinates (u, v) in mm of a world point."""
        point = np.asarray(world, dtype=float)
        return float(point @ self.u), float(point @ self.v)

    def depth(self, world: ArrayLike) -> float:
        """Position of a world point along the normal, in mm."""
        return float(np.asarray(world, dtype=float) @ self.normal)

    def to_world(self, u: float, v: float, depth: float) -> np.ndarray:
        """Return the world point at plane coordinates (u, v) and ``depth``."""
        return u * self.u + v * self.v + depth * self.normal


def _axis(x: float, y: float, z: float) -> np.ndarray:
    return np.array([x, y, z], dtype=float)


_PLANES = {
    "axial": Plane("axial", _axis(1, 0, 0), _axis(0, 1, 0), _axis(0, 0, 1)),
    "coronal": Plane("coronal", _axis(1, 0, 0), _axis(0, 0, 1), _axis(0, 1, 0)),
    "sagittal": Plane("sagittal", _axis(0, -1, 0), _axis(0, 0, 1), _axis(1, 0, 0)),
}


def plane_for(orientation: str) -> Plane:
    """Return the display plane of ``"axial"``, ``"coronal"`` or ``"sagittal"``."""
    try:
        return _PLANES[orientation]
    except KeyError:
        raise ValueError(
            f"unknown orientation {orientation!r}; use one of {ORIENTATIONS}"
        ) from None


class GeometryEvents(EventGroup):
    """What changed in a :class:`ViewGeometry` (each emitted without arguments)."""

    orientation: EventEmitter
    zoom: EventEmitter
    pan: EventEmitter


class ViewGeometry:
    """Orientation, zoom and pan of one or many linked views.

    Attributes
    ----------
    events : GeometryEvents
        ``orientation``, ``zoom`` (magnification, shared extent or a jump to a point)
        and ``pan``, each emitted after its change.
    """

    def __init__(
        self, orientation: str = "axial", zoom: float = 1.0, pan: Sequence[float] = (0.0, 0.0)
    ) -> None:
        plane_for(orientation)
        self._orientation = orientation
        self._zoom = _clip_zoom(zoom)
        self._pan = (float(pan[0]), float(pan[1]))
        self._extent: np.ndarray | None = None
        self.events = GeometryEvents()

    @property
    def extent(self) -> np.ndarray | None:
        """The shared world box, shape (2, 3) (min and max corners), or None."""
        return None if self._extent is None else self._extent.copy()

    def set_extent(
        self, lower: Sequence[float] | None, upper: Sequence[float] | None = None
    ) -> None:
        """Share one field of view: the world box ``lower``..``upper`` (None: each view its own)."""
        box = None if lower is None else np.array([lower, upper], dtype=float).reshape(2, 3)
        if box is not None and not np.all(box[1] > box[0]):
            raise ValueError(f"an extent needs upper > lower on every axis, got {box.tolist()}")
        self._extent = box
        self.events.zoom.emit()

    def shared_field_of_view(self) -> tuple[float, float, float, float] | None:
        """Return the shared box on the current plane ``(u0, v0, width, height)``, or None."""
        if self._extent is None:
            return None
        plane = self.plane
        corners = np.array(np.meshgrid(*self._extent.T, indexing="ij")).reshape(3, -1).T
        u, v = corners @ plane.u, corners @ plane.v
        return float(u.min()), float(v.min()), float(np.ptp(u)), float(np.ptp(v))

    def look_at(self, world: ArrayLike, zoom: float | None = None) -> None:
        """Centre the shared field of view on a world point (and set the zoom), one event."""
        fov = self.shared_field_of_view()
        if fov is None:
            raise ValueError("look_at needs a shared extent (set_extent)")
        u, v = self.plane.to_plane(world)
        self._pan = (u - (fov[0] + fov[2] / 2), v - (fov[1] + fov[3] / 2))
        if zoom is not None:
            self._zoom = _clip_zoom(zoom)
        self.events.zoom.emit()

    @property
    def orientation(self) -> str:
        """``"axial"``, ``"coronal"`` or ``"sagittal"``."""
        return self._orientation

    @property
    def plane(self) -> Plane:
        """The display plane of the current orientation."""
        return plane_for(self._orientation)

    @property
    def zoom(self) -> float:
        """Magnification; 1 shows the whole field of view."""
        return self._zoom

    @property
    def pan(self) -> tuple[float, float]:
        """Offset (mm along u, v) of the view centre from the field-of-view centre."""
        return self._pan

    def set_orientation(self, orientation: str) -> None:
        """Look along another axis; zoom and pan are reset (they belong to a plane)."""
        plane_for(orientation)
        if orientation == self._orientation:
            return
        self._orientation, self._zoom, self._pan = orientation, 1.0, (0.0, 0.0)
        self.events.orientation.emit()

    def set_zoom(self, zoom: float) -> None:
        """Set the magnification, clipped to ``ZOOM_RANGE``."""
        zoom = _clip_zoom(zoom)
        if zoom != self._zoom:
            self._zoom = zoom
            self.events.zoom.emit()

    def zoom_by(self, factor: float) -> None:
        """Multiply the magnification by ``factor`` (e.g. 1.25 per wheel step)."""
        self.set_zoom(self._zoom * factor)

    def pan_by(self, du: float, dv: float) -> None:
        """Move the view centre by (du, dv) mm in the plane."""
        if du or dv:
            self._pan = (self._pan[0] + float(du), self._pan[1] + float(dv))
            self.events.pan.emit()

    def reset(self) -> None:
        """Zoom 1, no pan."""
        changed = self._zoom != 1.0 or self._pan != (0.0, 0.0)
        self._zoom, self._pan = 1.0, (0.0, 0.0)
        if changed:
            self.events.zoom.emit()

    def visible_rect(self, fov: Sequence[float]) -> tuple[float, float, float, float]:
        """Return the plane rectangle ``(u0, v0, width, height)`` to show for a field of view.

        Parameters
        ----------
        fov : (u0, v0, width, height)
            The image's extent in plane millimetres.
        """
        u0, v0, width, height = (float(x) for x in fov)
        centre_u = u0 + width / 2 + self._pan[0]
        centre_v = v0 + height / 2 + self._pan[1]
        width, height = width / self._zoom, height / self._zoom
        return centre_u - width / 2, centre_v - height / 2, width, height


def _clip_zoom(zoom: float) -> float:
    zoom = float(zoom)
    if not np.isfinite(zoom) or zoom <= 0:
        raise ValueError(f"zoom must be a positive number, got {zoom!r}")
    return min(ZOOM_RANGE[1], max(ZOOM_RANGE[0], zoom))
