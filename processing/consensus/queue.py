"""The disagreement queue of two raters on one participant: what a consensus session decides.

Built from the overlap matching of raters A and B on the reference grid
(:func:`processing.matching.match_by_overlap`). Kinds, one item each:

``only-a`` / ``only-b``
    a lesion of one rater that nothing of the other overlaps;
``split`` / ``merged``
    a group of mutually overlapping lesions in which one lesion of A overlaps
    two or more of B (split), or one of B two or more of A (merged); a group
    that is both is a split, as in :mod:`processing.matching.result`;
``low-dice``
    a one-to-one pair whose Dice is below the threshold (default
    :data:`DICE_THRESHOLD`; its differing ratings are listed too);
``ratings-differ``
    a one-to-one pair of sufficient Dice whose type, onset visit or rating
    fields differ.

Agreeing pairs (kind :data:`AGREED`) are not queued; :func:`all_items` lists
them too, for the session to settle them without asking. Items are ordered by participant, onset visit
(else the visit drawn on; none last), then position (the centre, inferior to
superior, posterior to anterior, left to right). An item's ID names its
participant and source lesions (``sub-01:A=6:B=6,21``), so it is the same
every time the queue is rebuilt from the same annotations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from processing.annotations.labels import Box, as_box
from processing.consensus.carry import carry_sources
from processing.consensus.prefill import Prefill, prefill_of
from processing.consensus.sources import RaterLesions
from processing.matching import Matching, match_by_overlap

KINDS = ("only-a", "only-b", "split", "merged", "low-dice", "ratings-differ")
AGREED = "agreed"
DICE_THRESHOLD = 0.5


@dataclass(frozen=True)
class QueueItem:
    """One disagreement to decide.

    Attributes
    ----------
    item_id : str
        Stable ID (participant and source lesions).
    participant : str
        ``sub-XX``.
    kind : str
        One of :data:`KINDS`.
    sources : dict of str to tuple of int
        Lesion IDs of each rater (``{A: (...), B: (...)}``, A first; empty where none).
    visit : str or None
        Onset visit (else the visit drawn on) of the first source lesion that has one.
    centre : tuple of float
        Centre of the sources' voxels together (RAS mm): where the grid jumps.
    radius_mm : float
        Largest distance of a source voxel from the centre plus half a voxel (zoom).
    dice : float or None
        Dice of A's against B's source voxels (None for ``only-*``).
    prefill : Prefill
        What the rating form shows: agreed values and both answers of conflicts.
    box : tuple of slice
        Bounding box of the sources' voxels on the reference grid.
    """

    item_id: str
    participant: str
    kind: str
    sources: dict[str, tuple[int, ...]]
    visit: str | None
    centre: tuple[float, float, float]
    radius_mm: float
    dice: float | None
    prefill: Prefill
    box: Box

    @property
    def raters(self) -> tuple[str, ...]:
        """The two raters, A first."""
        return tuple(self.sources)

    def describe(self) -> str:
        """Return a one-line description (``split: A 6 / B 6, 21, Dice 0.71``)."""
        lesions = " / ".join(
            f"{r} {', '.join(map(str, ids)) or '-'}" for r, ids in self.sources.items()
        )
        dice = "" if self.dice is None else f", Dice {self.dice:.2f}"
        conflicts = (
            f", differ: {', '.join(self.prefill.conflicts)}" if self.prefill.conflicts else ""
        )
        return f"{self.kind}: {lesions}{dice}{conflicts}"


def build_queue(
    a: RaterLesions, b: RaterLesions, dice_threshold: float = DICE_THRESHOLD
) -> list[QueueItem]:
    """Return the disagreement items of raters ``a`` and ``b`` (one participant, one grid), ordered."""
    return [item for item in all_items(a, b, dice_threshold) if item.kind != AGREED]


def all_items(
    a: RaterLesions, b: RaterLesions, dice_threshold: float = DICE_THRESHOLD
) -> list[QueueItem]:
    """Return the disagreement items and the agreeing pairs (kind :data:`AGREED`), ordered."""
    matching = match_by_overlap(a.labels, b.labels, a.affine)
    boxes = {a.rater: ndimage.find_objects(a.labels), b.rater: ndimage.find_objects(b.labels)}
    items = [
        _item(a, b, kind, {a.rater: ids_a, b.rater: ids_b}, boxes, dice_threshold)
        for kind, ids_a, ids_b in _groups(matching)
    ]
    return sorted(items, key=_order)


def footprints(item: QueueItem, sources: dict[str, RaterLesions]) -> dict[str, np.ndarray]:
    """``{rater: boolean mask of its source lesions inside item.box}``."""
    return {
        r: np.isin(sources[r].labels[item.box], np.asarray(ids, dtype=np.int64))
        for r, ids in item.sources.items()
    }


def _groups(matching: Matching) -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    """``(kind, A's IDs, B's IDs)`` per group of overlapping lesions and per unpaired lesion."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def root(node):
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    statuses: dict = {}
    for row in matching.rows:
        if row.a is None or row.b is None:
            continue
        joined = root(("a", row.a))
        parent[root(("b", row.b))] = joined
    for row in matching.rows:
        if row.a is not None and row.b is not None:
            statuses.setdefault(root(("a", row.a)), set()).add(row.status)
    members: dict = {}
    for node in list(parent):
        members.setdefault(root(node), []).append(node)
    groups: list[tuple[str, tuple[int, ...], tuple[int, ...]]]
    groups = [("only-a", (i,), ()) for i in matching.only_a]
    groups += [("only-b", (), (i,)) for i in matching.only_b]
    for key, nodes in members.items():
        found = statuses[key]
        kind = "split" if "split" in found else "merged" if "merged" in found else "matched"
        ids_a = tuple(sorted(i for side, i in nodes if side == "a"))
        groups.append((kind, ids_a, tuple(sorted(i for side, i in nodes if side == "b"))))
    return groups


def _item(
    a: RaterLesions,
    b: RaterLesions,
    kind: str,
    sources: dict[str, tuple[int, ...]],
    boxes: dict[str, list],
    threshold: float,
) -> QueueItem:
    raters = {a.rater: a, b.rater: b}
    prefill = prefill_of(carry_sources(0, {r: list(ids) for r, ids in sources.items()}, raters))
    box = _union_box([boxes[r][i - 1] for r, ids in sources.items() for i in ids])
    masks = {
        r: np.isin(raters[r].labels[box], np.asarray(ids, dtype=np.int64))
        for r, ids in sources.items()
    }
    in_a, in_b = masks[a.rater], masks[b.rater]
    total = int(in_a.sum()) + int(in_b.sum())
    dice = 2.0 * int(np.count_nonzero(in_a & in_b)) / total if kind not in KINDS[:2] else None
    if kind == "matched":
        if dice is not None and dice < threshold:
            kind = "low-dice"
        elif prefill.conflicts:
            kind = "ratings-differ"
        else:
            kind = AGREED
    centre, radius = _centre_radius(in_a | in_b, box, a.affine)
    return QueueItem(
        _item_id(a.participant, sources),
        a.participant,
        kind,
        sources,
        _visit(sources, raters),
        centre,
        radius,
        dice,
        prefill,
        box,
    )


def _union_box(boxes: list) -> Box:
    return as_box(
        slice(min(b[axis].start for b in boxes), max(b[axis].stop for b in boxes))
        for axis in range(3)
    )


def _centre_radius(mask: np.ndarray, box: Box, affine: np.ndarray) -> tuple[tuple, float]:
    """Centre (RAS mm) of the mask's voxels and the radius that holds them all."""
    ijk = np.argwhere(mask) + [s.start for s in box]
    ras = ijk @ affine[:3, :3].T + affine[:3, 3]
    centre = ras.mean(axis=0)
    half_voxel = 0.5 * float(np.linalg.norm(affine[:3, :3], axis=0).max())
    radius = float(np.linalg.norm(ras - centre, axis=1).max()) + half_voxel
    return (float(centre[0]), float(centre[1]), float(centre[2])), radius


def _visit(sources: dict, raters: dict[str, RaterLesions]) -> str | None:
    for rater, ids in sources.items():
        for lesion in ids:
            row = raters[rater].rows.get(lesion)
            if row is not None and (row.get("onset_visit") or row.get("visit")):
                return row.get("onset_visit") or row.get("visit")
    return None


def _item_id(participant: str, sources: dict) -> str:
    return ":".join(
        [participant] + [f"{r}={','.join(map(str, ids))}" for r, ids in sources.items()]
    )


def _order(item: QueueItem) -> tuple:
    x, y, z = (round(c, 3) for c in item.centre)
    return (item.participant, item.visit is None, item.visit or "", z, y, x, item.item_id)
