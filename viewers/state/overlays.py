"""Overlays on the views: lesion label maps (per rater, or the phantom's truth) and point markers.

A :class:`LabelLayer` is a label volume placed in the reference space like any
image (its display affine is ``T @ A``) with a colour and a table from label
value to lesion description. :class:`MaskSlicer` cuts its mask on a view's
plane, cached per slice like the image. :func:`markers_near` picks the point
markers (e.g. microbleeds) lying within a slab around the shown slice.

Where layers come from: :func:`rater_layers` reads every rater's labels of a
participant (reference grid, :class:`processing.annotations.ReviewWorkspace`);
:mod:`viewers.state.truth_overlay` builds the demo's truth layers.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from viewers.state.geometry import Plane
from viewers.state.slicing import PlaneSlice, aligned_axes, extract_plane
from viewers.state.volume import Volume

RATER_COLOURS = ((255, 80, 80), (80, 160, 255), (255, 170, 0), (190, 90, 255))
TRUTH_COLOUR = (60, 255, 120)
#: A consensus grid's colours (Okabe-Ito hues, told apart with the common colour
#: blindnesses): rater A's and B's outlines, the voxels both marked, the consensus.
COMPARED_COLOURS = {
    "A": (255, 160, 0),
    "B": (86, 180, 233),
    "overlap": (240, 228, 66),
    "consensus": (0, 200, 140),
}


@dataclass(frozen=True)
class Lesion:
    """A lesion to list, read out and go to: its id, type and where it is (reference mm)."""

    id: str
    type: str
    centre: np.ndarray
    radius_mm: float
    onset_session: str | None = None
    source: str = ""


@dataclass(eq=False)
class LabelLayer:
    """A label map shown over views.

    Attributes
    ----------
    name : str
        ``"truth"`` or ``"rater <id>"``.
    volume : Volume
        Labels (integer ids, as float32 or uint16) with their display affine.
    colour : (r, g, b)
    names : dict
        Label value -> lesion description.
    sessions : set of str or None
        Visits this layer belongs to (None: every visit, e.g. a rater's reference-space labels).
    role : str
        ``"A"`` or ``"B"`` for the two raters a consensus session compares (drawn
        together, :mod:`viewers.state.compared`); empty for any other layer.
    """

    name: str
    volume: Volume
    colour: tuple[int, int, int]
    names: dict[int, str] = field(default_factory=dict)
    sessions: set[str] | None = None
    role: str = ""

    @functools.cached_property
    def mask(self) -> np.ndarray:
        """1 inside a lesion, 0 elsewhere (uint8): made once, shared by every view's slicer."""
        return (self.volume.data > 0).astype(np.uint8)

    def label_at(self, world) -> int:
        """Return the label of the voxel nearest to a world point (0 outside or background)."""
        value = self.volume.value_at(world)
        return 0 if value is None or not np.isfinite(value) else int(round(value))

    def describe_at(self, world) -> str | None:
        """``"acmi-01 (acmi)"``-like text of the lesion at a world point, or None."""
        label = self.label_at(world)
        return None if label == 0 else self.names.get(label, f"label {label}")


class MaskSlicer:
    """The binary mask of a layer on a plane, re-cut only when the slice changes."""

    def __init__(self, layer: LabelLayer, max_side: int | None = None) -> None:
        self.layer, self.max_side = layer, max_side
        self._axes = aligned_axes(layer.volume.affine)
        self._to_voxel = np.linalg.inv(layer.volume.affine)
        self._key: Any = None
        self._slice: PlaneSlice | None = None
        self._mask = layer.mask  # one per layer, not per view (a rater's layer is on every cell)

    def mask(self, plane: Plane, position) -> PlaneSlice:
        """Return the mask (1 inside a lesion, 0 outside) of the slice through ``position``."""
        key = self._slice_key(plane, position)
        if key != self._key:
            cut = extract_plane(
                self._mask, self.layer.volume.affine, plane, position, max_side=self.max_side
            )
            data = np.ascontiguousarray(cut.data >= 0.5)
            self._slice = PlaneSlice(data, cut.u0, cut.v0, cut.du, cut.dv, cut.depth, cut.inside)
            self._key = key
        assert self._slice is not None  # cut with the first key
        return self._slice

    def _slice_key(self, plane: Plane, position) -> Any:
        if self._axes is None:
            return plane.name, round(plane.depth(position), 6)
        axis = self._axes[int(np.argmax(np.abs(plane.normal)))]
        voxel = (
            self._to_voxel[axis, :3] @ np.asarray(position, dtype=float) + self._to_voxel[axis, 3]
        )
        return plane.name, int(np.floor(voxel + 0.5))


def outline(mask: np.ndarray) -> np.ndarray:
    """Return the boundary pixels of a boolean mask (inside pixels with an outside 4-neighbour)."""
    mask = np.asarray(mask, dtype=bool)
    inner = mask.copy()
    inner[1:, :] &= mask[:-1, :]
    inner[:-1, :] &= mask[1:, :]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    return mask & ~inner


def markers_near(
    points: Sequence[Lesion], plane: Plane, position, slab_mm: float
) -> list[tuple[float, float, Lesion]]:
    """Plane coordinates of the point markers within ``slab_mm`` / 2 of the shown slice."""
    depth = plane.depth(position)
    near = []
    for point in points:
        if abs(plane.depth(point.centre) - depth) <= max(slab_mm / 2, point.radius_mm):
            u, v = plane.to_plane(point.centre)
            near.append((u, v, point))
    return near


def rater_layers(
    study_root: str | Path,
    participant: str,
    raters: Sequence[str] | None = None,
    *,
    compared: bool = False,
) -> tuple[list[LabelLayer], list[Lesion]]:
    """Every rater's labels of ``participant`` (reference space) and their lesions.

    ``raters``: only these, in this order, coloured by their position
    (:data:`RATER_COLOURS`); default every rater of the study. ``compared``:
    ``raters`` are a consensus session's A and B, coloured and given the roles
    of :data:`COMPARED_COLOURS`. Raters without labels for this participant are
    skipped; an unreadable store is skipped too (the annotation code reports it
    where it is edited).
    """
    from processing.annotations import ReviewWorkspace

    review = ReviewWorkspace(study_root)
    layers, lesions = [], []
    for number, rater in enumerate(review.raters() if raters is None else raters):
        if participant not in review.participants_of(rater):
            continue
        try:
            labels, rows = review.read(rater, participant)
        except Exception:  # a broken store must not stop the viewer
            continue
        volume = Volume(
            labels.data.astype(np.float32), labels.grid.affine, "labels", f"rater {rater}"
        )
        names = {
            int(r["lesion_id"]): f"{r.get('type', 'lesion')} {r['lesion_id']} (rater {rater})"
            for r in rows
            if "lesion_id" in r
        }
        role = "AB"[number] if compared and number < 2 else ""
        colour = COMPARED_COLOURS[role] if role else RATER_COLOURS[number % len(RATER_COLOURS)]
        layers.append(LabelLayer(f"rater {rater}", volume, colour, names, role=role))
        lesions += _lesions_of(volume, names, f"rater {rater}")
    return layers, lesions


def _lesions_of(volume: Volume, names: dict[int, str], source: str) -> list[Lesion]:
    from scipy import ndimage

    labels = volume.data.astype(np.int32)
    ids = [i for i in np.unique(labels) if i > 0]
    if not ids:
        return []
    centres = ndimage.center_of_mass(np.ones_like(labels), labels, ids)
    counts = ndimage.sum_labels(np.ones_like(labels), labels, ids)
    voxel_mm3 = abs(np.linalg.det(volume.affine[:3, :3]))
    found = []
    for lesion_id, centre, count in zip(ids, centres, counts, strict=True):
        world = (volume.affine @ np.append(centre, 1.0))[:3]
        radius = float((3 * count * voxel_mm3 / (4 * np.pi)) ** (1 / 3))
        found.append(
            Lesion(
                names.get(int(lesion_id), f"label {lesion_id}"),
                "lesion",
                world,
                radius,
                None,
                source,
            )
        )
    return found
