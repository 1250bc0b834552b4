"""The lesion label volume: an int32 array in the reference grid, one ID per lesion.

Every change goes through :meth:`LabelVolume.write` (or :meth:`LabelVolume.apply`),
which returns a :class:`LabelEdit` holding the touched box with its old and new
values and tells every listener. Undo (``viewers.state.undo``) and storage
(:mod:`processing.annotations.session`) both listen; neither edits the array
behind the volume's back.

A stroke (:meth:`LabelVolume.stroke`) groups many writes into one committed
edit: live listeners see every dab as it is painted (for redrawing), committed
listeners see one edit per stroke (for undo and the save journal).

IDs are stable: a lesion keeps its label value through any edit, and a value
once used is never handed out again (:meth:`LabelVolume.reserve_id`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from processing.spaces.grid import Grid

Box = tuple[slice, slice, slice]


def as_box(slices: Iterable[slice]) -> Box:
    """Return the three slices of ``slices`` as a :data:`Box` (ValueError unless exactly three)."""
    first, second, third = slices
    return first, second, third


@dataclass(eq=False)
class LabelEdit:
    """One change of the label volume: ``box`` went from ``old`` to ``new``."""

    box: Box
    old: np.ndarray
    new: np.ndarray
    source: str = "edit"

    @property
    def changed_ids(self) -> set[int]:
        """Label values that gained or lost voxels (0 excluded)."""
        differs = self.old != self.new
        ids = set(np.unique(self.old[differs]).tolist()) | set(
            np.unique(self.new[differs]).tolist()
        )
        ids.discard(0)
        return ids

    @property
    def nbytes(self) -> int:
        """Memory held by this edit."""
        return int(self.old.nbytes + self.new.nbytes)

    def changed_voxels(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices (into ``shape``) and new values of the voxels that changed."""
        local = np.nonzero(self.old != self.new)
        full = tuple(idx + s.start for idx, s in zip(local, self.box, strict=True))
        return np.ravel_multi_index(full, shape).astype(np.int64), self.new[local].astype(np.int32)


Listener = Callable[[LabelEdit], None]


class LabelVolume:
    """An int32 label array on a :class:`Grid`, with change notification.

    Parameters
    ----------
    grid : Grid
        The reference grid.
    data : ndarray, optional
        Initial labels (zeros by default); copied to int32.
    """

    def __init__(self, grid: Grid, data: np.ndarray | None = None):
        self.grid = grid
        self.data = np.zeros(grid.shape, np.int32) if data is None else np.array(data, np.int32)
        if self.data.shape != grid.shape:
            raise ValueError(f"labels of shape {self.data.shape} do not fit grid {grid.shape}")
        self._listeners: list[Listener] = []
        self._live_listeners: list[Listener] = []
        self._highest_used = int(self.data.max(initial=0))
        self._stroke: list[tuple[Box, np.ndarray]] | None = None
        self.lock = threading.RLock()

    @property
    def in_stroke(self) -> bool:
        """True between the start and the end of a :meth:`stroke`."""
        return self._stroke is not None

    @contextlib.contextmanager
    def stroke(self, source: str = "paint") -> Iterator[None]:
        """Group the writes made inside the block into one committed edit."""
        with self.lock:
            if self._stroke is not None:
                raise RuntimeError("a stroke is already in progress")
            self._stroke = []
        try:
            yield
        finally:
            with self.lock:
                pieces, self._stroke = self._stroke, None
                edit = _combine(self.data, pieces, source)
                if edit is not None:
                    self._notify(edit)

    def subscribe_live(self, listener: Listener) -> None:
        """Call ``listener(edit)`` after every single write, strokes included (for display)."""
        self._live_listeners.append(listener)

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(edit)`` after every change."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop notifying ``listener``."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def unsubscribe_live(self, listener: Listener) -> None:
        """Stop calling a :meth:`subscribe_live` listener."""
        if listener in self._live_listeners:
            self._live_listeners.remove(listener)

    def reserve_id(self) -> int:
        """Return a label value never used before in this volume (nor reserved)."""
        self._highest_used += 1
        return self._highest_used

    def note_used_ids(self, ids) -> None:
        """Remember IDs used elsewhere (e.g. deleted lesions) so they are not reused."""
        for value in ids:
            self._highest_used = max(self._highest_used, int(value))

    def ids(self) -> list[int]:
        """Label values present in the volume, ascending (0 excluded)."""
        values = np.unique(self.data)
        return [int(v) for v in values if v != 0]

    def write(self, box: Box, values: np.ndarray, source: str = "edit") -> LabelEdit | None:
        """Replace the labels of ``box`` by ``values``; notify; return the edit (None if no-op)."""
        with self.lock:
            old = self.data[box].copy()
            new = np.asarray(values, dtype=np.int32)
            if np.array_equal(old, new):
                return None
            self.data[box] = new
            self._highest_used = max(self._highest_used, int(new.max(initial=0)))
            edit = _cropped(box, old, new.copy(), source)
            for listener in list(self._live_listeners):
                listener(edit)
            if self._stroke is not None:
                self._stroke.append((box, old))
            else:
                self._notify(edit)
            return edit

    def apply(
        self, edit: LabelEdit, *, reverse: bool = False, source: str | None = None
    ) -> LabelEdit | None:
        """Write an edit's new values (or its old values with ``reverse``)."""
        values = edit.old if reverse else edit.new
        return self.write(edit.box, values, source or ("undo" if reverse else "redo"))

    def write_voxels(
        self, flat_indices: np.ndarray, values: np.ndarray, source: str = "replay"
    ) -> LabelEdit | None:
        """Set scattered voxels (flat indices) to ``values`` as one edit over their bounding box."""
        if len(flat_indices) == 0:
            return None
        ijk = np.unravel_index(flat_indices, self.grid.shape)
        box = as_box(slice(int(a.min()), int(a.max()) + 1) for a in ijk)
        block = self.data[box].copy()
        block[tuple(a - s.start for a, s in zip(ijk, box, strict=True))] = values
        return self.write(box, block, source)

    def _notify(self, edit: LabelEdit) -> None:
        for listener in list(self._listeners):
            listener(edit)


def _combine(
    data: np.ndarray, pieces: list[tuple[Box, np.ndarray]], source: str
) -> LabelEdit | None:
    """One edit over the union box of a stroke's writes (old values from before the first)."""
    if not pieces:
        return None
    starts = np.min([[s.start for s in box] for box, _ in pieces], axis=0)
    stops = np.max([[s.stop for s in box] for box, _ in pieces], axis=0)
    union = as_box(slice(int(a), int(b)) for a, b in zip(starts, stops, strict=True))
    new = data[union].copy()
    old = new.copy()
    for box, values in reversed(pieces):
        old[tuple(slice(s.start - a, s.stop - a) for s, a in zip(box, starts, strict=True))] = (
            values
        )
    if np.array_equal(old, new):
        return None
    return _cropped(union, old, new, source)


def _cropped(box: Box, old: np.ndarray, new: np.ndarray, source: str) -> LabelEdit:
    """Return the edit restricted to the bounding box of the voxels that changed."""
    changed = np.nonzero(old != new)
    local = tuple(slice(int(c.min()), int(c.max()) + 1) for c in changed)
    tight = as_box(
        slice(s.start + inner.start, s.start + inner.stop)
        for s, inner in zip(box, local, strict=True)
    )
    return LabelEdit(box=tight, old=old[local].copy(), new=new[local].copy(), source=source)
