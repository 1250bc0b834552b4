"""Flood fill within an intensity range, in the view's plane (2D) or in 3D.

The intensity image must lie on the reference grid (the displayed modality
resampled there). From the voxel under the cursor, the fill spreads through
face-, edge- or corner-neighbours whose intensity is within ``[low, high]`` and
that belong to no other lesion, up to ``max_radius_mm`` from the seed (lesions
are small; the cap keeps one click from flooding a whole tissue class).

:class:`ViewFillTool` is the fill the tool panel offers: it fills on the image
of the view that was clicked (``ToolEvent.volume``, already placed in the
reference space) resampled onto the label grid (linear, cached per image), with
a range either fixed (``low``, ``high``) or, with ``auto_range``, the value under
the click +- ``tolerance`` (default: 10 % of the image's 1-99 % percentile span).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from processing.annotations.grid import resample_image
from processing.annotations.labels import LabelVolume
from viewers.state.events import EventEmitter
from viewers.state.tools import footprint
from viewers.state.tools.events import LesionSelection, ToolEvent
from viewers.state.tools.labelling import choose_label, paint


class FloodFillTool:
    """Fill the connected in-range region under the cursor with one lesion ID."""

    def __init__(
        self,
        labels: LabelVolume,
        selection: LesionSelection,
        image: np.ndarray,
        low: float,
        high: float,
        mode: str = "2d",
        max_radius_mm: float = 15.0,
    ):
        if np.shape(image) != labels.grid.shape:
            raise ValueError(
                f"image of shape {np.shape(image)} is not on the label grid {labels.grid.shape}"
            )
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
            box, mask = found
            paint(self.labels, box, mask, choose_label(self.labels, self.selection, box, mask))

    def move(self, event: ToolEvent) -> None:
        """Nothing: a fill happens on press."""

    def release(self, event: ToolEvent | None = None) -> None:
        """Nothing: a fill happens on press."""


class ViewFillTool:
    """Flood fill on the clicked view's image, with a fixed or click-relative range.

    Attributes
    ----------
    low, high : float or None
        The intensity range (set by each click when ``auto_range``).
    auto_range : bool
        True: each click sets the range to the value under it +- the tolerance.
    tolerance : float or None
        Half-width of the automatic range (None: 10 % of the image's 1-99 % span).
    mode : str
        ``"2d"`` (the view's plane) or ``"3d"``.
    changed : EventEmitter
        Emits ``low`` and ``high`` when a click sets the range.
    """

    TOLERANCE_FRACTION = 0.1

    def __init__(
        self,
        labels: LabelVolume,
        selection: LesionSelection,
        mode: str = "2d",
        max_radius_mm: float = 15.0,
    ):
        self.labels, self.selection = labels, selection
        self.low: float | None = None
        self.high: float | None = None
        self.auto_range, self.tolerance = True, None
        self.mode, self.max_radius_mm = mode, max_radius_mm
        self.changed = EventEmitter()
        self._cache: tuple[object, np.ndarray] | None = None

    def image_on_grid(self, volume) -> np.ndarray:
        """``volume`` (data + reference-space affine) resampled onto the label grid, cached."""
        if self._cache is None or self._cache[0] is not volume:
            self._cache = (
                volume,
                resample_image(volume.decoded(), volume.affine, self.labels.grid, order=1),
            )
        return self._cache[1]

    def value_at(self, image: np.ndarray, point) -> float | None:
        """Return the resampled image's value at the label voxel under ``point`` (None outside)."""
        index = footprint.nearest_voxel(self.labels.grid, point)
        if np.any(index < 0) or np.any(index >= self.labels.grid.shape):
            return None
        value = float(image[tuple(index)])
        return value if np.isfinite(value) else None

    def press(self, event: ToolEvent) -> None:
        """Fill from the clicked voxel on the clicked view's image (one undo step)."""
        if event.volume is None:
            return
        image = self.image_on_grid(event.volume)
        if self.auto_range:
            value = self.value_at(image, event.point)
            if value is None:
                return
            half = self.tolerance if self.tolerance is not None else self._default_tolerance(image)
            self.low, self.high = value - half, value + half
            self.changed.emit(low=self.low, high=self.high)
        if self.low is None or self.high is None:
            return
        FloodFillTool(
            self.labels, self.selection, image, self.low, self.high, self.mode, self.max_radius_mm
        ).press(event)

    def move(self, event: ToolEvent) -> None:
        """Nothing: a fill happens on press."""

    def release(self, event: ToolEvent | None = None) -> None:
        """Nothing: a fill happens on press."""

    def _default_tolerance(self, image: np.ndarray) -> float:
        finite = image[np.isfinite(image)]
        if finite.size == 0:
            return 0.0
        low, high = np.percentile(finite, [1, 99])
        return float(high - low) * self.TOLERANCE_FRACTION
