"""The label volume cut on a view's plane, and coloured for the mask overlay (no Qt).

:func:`label_plane` gives the lesion IDs of the slice through a world point:
:func:`viewers.state.slicing.extract_plane` with ``order=0``: straight from the
array (the voxel ``floor(x + 0.5)``, as the tools paint) when the label grid is
aligned with the world axes, else resampled on the plane by nearest neighbour,
so IDs are never blended. :func:`overlay_rgba` turns those IDs into an RGBA image, as
outlines or filled, with an opacity; the selected lesion is drawn brighter.
"""

from __future__ import annotations

import numpy as np

from processing.annotations.labels import LabelVolume
from viewers.state.events import EventEmitter
from viewers.state.geometry import Plane
from viewers.state.slicing import PlaneSlice, aligned_axes, extract_plane

#: Lesion colours, cycled by label value.
PALETTE = np.array(
    [
        (255, 70, 70),
        (70, 200, 255),
        (255, 190, 0),
        (120, 255, 120),
        (220, 100, 255),
        (255, 130, 200),
        (0, 230, 200),
        (255, 255, 110),
    ],
    dtype=np.uint8,
)
SELECTED_COLOUR = (255, 255, 255)
OVERLAY_MODES = ("outline", "fill")


def label_plane(labels: LabelVolume, plane: Plane, position) -> PlaneSlice:
    """Return the lesion IDs (int32) of the label slice on ``plane`` through world ``position``."""
    cut = extract_plane(labels.data, labels.grid.affine, plane, position, order=0)
    ids = np.ascontiguousarray(cut.data, dtype=np.int32)
    return PlaneSlice(ids, cut.u0, cut.v0, cut.du, cut.dv, cut.depth, cut.inside)


def slice_key(labels: LabelVolume, plane: Plane, position) -> tuple:
    """Return what identifies the label slice through ``position``: voxel index or depth.

    The voxel index when the plane is aligned with the label grid, else the depth.
    """
    axes = aligned_axes(labels.grid.affine)
    if axes is None:
        return plane.name, round(plane.depth(position), 6)
    axis = axes[int(np.argmax(np.abs(plane.normal)))]
    voxel = labels.grid.world_to_voxel(np.asarray(position, dtype=float))[axis]
    return plane.name, int(np.floor(voxel + 0.5))


def boundary(ids: np.ndarray) -> np.ndarray:
    """Pixels of a lesion with a 4-neighbour of another value (or at the image edge)."""
    padded = np.pad(ids, 1, mode="constant", constant_values=0)
    centre = padded[1:-1, 1:-1]
    edge = (
        (padded[:-2, 1:-1] != centre)
        | (padded[2:, 1:-1] != centre)
        | (padded[1:-1, :-2] != centre)
        | (padded[1:-1, 2:] != centre)
    )
    return edge & (centre != 0)


def overlay_rgba(
    ids: np.ndarray,
    mode: str = "outline",
    opacity: float = 0.6,
    selected: int | None = None,
    colour: tuple[int, int, int] | None = None,
) -> np.ndarray:
    """RGBA uint8 pixels of a label slice: each lesion in its colour, outlined or filled.

    Each lesion's colour is :data:`PALETTE`'s by label value, or ``colour`` for
    every lesion (a consensus rater's, told apart from the compared raters).
    The selected lesion is white and drawn at full opacity in outline mode (its
    fill keeps ``opacity``), so the rater sees which lesion the tools act on.
    """
    if mode not in OVERLAY_MODES:
        raise ValueError(f"overlay mode must be one of {OVERLAY_MODES}, not {mode!r}")
    shown = boundary(ids) if mode == "outline" else ids != 0
    rgba = np.zeros(ids.shape + (4,), dtype=np.uint8)
    values = ids[shown]
    rgba[shown, :3] = PALETTE[(values - 1) % len(PALETTE)] if colour is None else colour
    rgba[shown, 3] = int(round(255 * float(np.clip(opacity, 0.0, 1.0))))
    if selected:
        chosen = shown & (ids == selected)
        rgba[chosen, :3] = SELECTED_COLOUR
        if mode == "outline":
            rgba[chosen, 3] = 255
    return np.ascontiguousarray(rgba)


class MaskStyle:
    """How every view draws the rater's mask: ``mode`` (outline/fill), ``opacity``, ``visible``.

    ``colour``: one colour for every lesion (None: :data:`PALETTE`, one per
    lesion). Emits ``changed()`` after :meth:`set`.
    """

    def __init__(
        self,
        mode: str = "outline",
        opacity: float = 0.7,
        visible: bool = True,
        colour: tuple[int, int, int] | None = None,
    ):
        self.mode, self.opacity, self.visible = mode, float(opacity), bool(visible)
        self.colour = colour
        self.changed = EventEmitter()

    def set(
        self, *, mode: str | None = None, opacity: float | None = None, visible: bool | None = None
    ) -> None:
        """Change any of the settings and tell the views."""
        if mode is not None and mode not in OVERLAY_MODES:
            raise ValueError(f"overlay mode must be one of {OVERLAY_MODES}, not {mode!r}")
        self.mode = mode or self.mode
        self.opacity = self.opacity if opacity is None else float(np.clip(opacity, 0.0, 1.0))
        self.visible = self.visible if visible is None else bool(visible)
        self.changed.emit()
