"""Everything one image view shows and every intent it sends, without Qt.

A :class:`SliceViewModel` observes the shared cursor, the shared view geometry
and the window of its modality, and holds one :class:`~viewers.state.volume.Volume`.
The widget asks it for the pre-windowed uint8 pixels, where they lie, where the
crosshair is and which rectangle to show, and forwards clicks and wheel steps to
it. A grid of modalities x visits is many of these over the same models: they
share the cursor and geometry, and every view of one modality shares a window.

Pixels are cached: moving the cursor within the shown slice redraws only the
crosshair; the slice is extracted again only when its depth, the orientation or
the volume changes, and windowed again only when the window changes. A
quantised volume (uint16 codes, :mod:`viewers.state.display_grid`) is sliced as
codes and windowed through a 65,536-entry lookup table made once per window.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from viewers.state.cursor import WorldCursor
from viewers.state.events import EventEmitter, EventGroup
from viewers.state.geometry import Plane, ViewGeometry
from viewers.state.slicing import PlaneSlice, aligned_axes, extract_plane, normal_step, plane_extent
from viewers.state.volume import Volume
from viewers.state.windowing import WindowLevel


class SliceViewEvents(EventGroup):
    """What changed in a :class:`SliceViewModel` (each emitted without arguments)."""

    image: EventEmitter
    cursor: EventEmitter
    range: EventEmitter


class SliceViewModel:
    """The display state of one image view.

    Parameters
    ----------
    cursor : WorldCursor
        Shared by every linked view.
    geometry : ViewGeometry
        Shared by every linked view.
    window : WindowLevel, optional
        Shared by the views of one modality; a new one is made otherwise.

    Attributes
    ----------
    events : SliceViewEvents
        ``image`` (pixels changed), ``cursor`` (the crosshair only) and
        ``range`` (the visible rectangle changed).
    """

    def __init__(
        self, cursor: WorldCursor, geometry: ViewGeometry, window: WindowLevel | None = None
    ) -> None:
        self.cursor, self.geometry = cursor, geometry
        self.window = window or WindowLevel()
        self.volume: Volume | None = None
        self.events = SliceViewEvents()
        self._slice_key: Any = None
        self._slice: PlaneSlice | None = None
        self._pixels: np.ndarray | None = None
        self._axes: list[int] | None = None
        self._to_voxel: np.ndarray | None = None
        self._table: tuple[Any, np.ndarray] | None = None
        #: Resampled (oblique) slices get at most this many pixels per side (None: voxel size).
        self.max_side: int | None = None
        cursor.changed.connect(self._on_cursor)
        geometry.events.orientation.connect(self._on_orientation)
        geometry.events.zoom.connect(self.events.range.emit)
        geometry.events.pan.connect(self.events.range.emit)
        self.window.changed.connect(self._on_window)

    # -- inputs --------------------------------------------------------------
    def set_volume(self, volume: Volume | None, *, reset_window: bool = True) -> None:
        """Show ``volume`` (None shows nothing); optionally apply its initial window."""
        self.volume = volume
        self._slice_key, self._slice, self._pixels, self._table = None, None, None, None
        self._axes = aligned_axes(volume.affine) if volume is not None else None
        self._to_voxel = np.linalg.inv(volume.affine) if volume is not None else None
        if (
            volume is not None
            and reset_window
            and tuple(volume.window) != (self.window.low, self.window.high)
        ):
            self.window.set_range(*volume.window)  # every view of this window redraws, this one too
        else:
            self.events.image.emit()
        self.events.range.emit()

    def close(self) -> None:
        """Stop observing the shared models (before the view is deleted)."""
        self.cursor.changed.disconnect(self._on_cursor)
        self.geometry.events.orientation.disconnect(self._on_orientation)
        self.geometry.events.zoom.disconnect(self.events.range.emit)
        self.geometry.events.pan.disconnect(self.events.range.emit)
        self.window.changed.disconnect(self._on_window)

    # -- what the widget draws -------------------------------------------------
    @property
    def plane(self) -> Plane:
        """The display plane of the shared orientation."""
        return self.geometry.plane

    def current_slice(self) -> PlaneSlice | None:
        """Return the slice through the cursor (cached), or None without a volume.

        Its data are the volume's own: uint16 codes for a quantised volume
        (``volume.decoded`` gives values).
        """
        if self.volume is None:
            return None
        key = self._key(self.cursor.position)
        if key != self._slice_key:
            self._slice = extract_plane(
                self.volume.data,
                self.volume.affine,
                self.plane,
                self.cursor.position,
                max_side=self.max_side,
                order=0 if self.volume.quantised else 1,  # codes are indices, never blended
            )
            self._slice_key, self._pixels = key, None
        return self._slice

    def pixels(self) -> np.ndarray | None:
        """Return the current slice windowed into contiguous uint8 (rows along v)."""
        plane_slice = self.current_slice()
        if plane_slice is None:
            return None
        if self._pixels is None:
            if self.volume is not None and self.volume.quantised:
                self._pixels = np.ascontiguousarray(self._window_table()[plane_slice.data])
            else:
                self._pixels = self.window.apply(plane_slice.data)
        return self._pixels

    def _window_table(self) -> np.ndarray:
        """uint8 grey of every uint16 code of the quantised volume, for the current window."""
        assert self.volume is not None and self.volume.quantised
        key = (self.window.low, self.window.high)
        if self._table is None or self._table[0] != key:
            codes = np.arange(65536, dtype=np.uint16)
            self._table = key, self.window.apply(self.volume.decoded(codes))
        return self._table[1]

    def crosshair(self) -> tuple[float, float]:
        """Plane coordinates (u, v) of the cursor."""
        return self.plane.to_plane(self.cursor.position)

    def field_of_view(self) -> tuple[float, float, float, float] | None:
        """Return the volume's extent on the plane ``(u0, v0, width, height)``, or None."""
        if self.volume is None:
            return None
        return plane_extent(self.volume.data.shape, self.volume.affine, self.plane)

    def visible_rect(self) -> tuple[float, float, float, float] | None:
        """Return the rectangle to show after the shared zoom and pan.

        The shared field of view's, if one is set.
        """
        fov = self.geometry.shared_field_of_view() or self.field_of_view()
        return None if fov is None else self.geometry.visible_rect(fov)

    # -- intents from the widget -------------------------------------------------
    def click(self, u: float, v: float) -> None:
        """Put the cursor at plane point (u, v), keeping its depth (click or drag)."""
        depth = self.plane.depth(self.cursor.position)
        self.cursor.set_position(self.plane.to_world(u, v, depth), source=self)

    def scroll(self, steps: int) -> None:
        """Move the cursor ``steps`` slices along the normal (wheel)."""
        if self.volume is None or not steps:
            return
        step = normal_step(self.volume.affine, self.plane)
        self.cursor.move_by(steps * step * self.plane.normal, source=self)

    # -- observers --------------------------------------------------------------
    def _key(self, position) -> Any:
        """Return what identifies the slice through ``position``.

        Its voxel index, or its depth if oblique.
        """
        if self._axes is None or self._to_voxel is None:  # both set with a volume
            return self.geometry.orientation, round(self.plane.depth(position), 6)
        axis_n = self._axes[int(np.argmax(np.abs(self.plane.normal)))]
        voxel = (
            self._to_voxel[axis_n, :3] @ np.asarray(position, dtype=float)
            + self._to_voxel[axis_n, 3]
        )
        return self.geometry.orientation, int(np.floor(voxel + 0.5))

    def _on_cursor(self, position, source=None) -> None:
        if self.volume is not None and self._key(position) != self._slice_key:
            self.events.image.emit()
        self.events.cursor.emit()

    def _on_orientation(self) -> None:
        self._slice_key = None
        self.events.image.emit()
        self.events.cursor.emit()
        self.events.range.emit()

    def _on_window(self, low: float, high: float) -> None:
        self._pixels = None
        self.events.image.emit()
