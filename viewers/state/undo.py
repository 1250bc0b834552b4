"""Undo as data: a capped history of items, one per stroke, holding only what they touched.

:class:`UndoHistory` is generic: an item has ``undo()``, ``redo()`` and
``nbytes``. :class:`LabelHistory` feeds it from a
:class:`~processing.annotations.labels.LabelVolume`: every committed edit (one
per stroke) becomes a :class:`RegionSwap` holding the touched box and its old
values, nothing else. Undoing writes the old values back and keeps the values it
replaced for redo, so an item always holds exactly one copy of its region.
The history keeps at least ``max_items`` steps (100 by default) unless their
memory exceeds ``max_bytes``; the oldest steps are dropped first.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

import numpy as np

from processing.annotations.labels import LabelEdit, LabelVolume
from viewers.state.events import EventEmitter

#: Edits that are not the rater's strokes: undo never takes them back.
NOT_RECORDED = ("undo", "redo", "replay", "relocate")
#: Edits after which earlier steps cannot be undone: a relocation moves lesions with their
#: registration, and swapping back a box painted before it would cut the moved lesion apart.
CLEARS_HISTORY = ("relocate",)


class UndoItem(Protocol):
    """What the history needs of an item."""

    @property
    def nbytes(self) -> int:
        """Return the memory the item takes, in bytes."""
        ...

    def undo(self) -> None:
        """Put back the state before the item."""
        ...

    def redo(self) -> None:
        """Do the item again."""
        ...


class UndoHistory:
    """Two stacks (done, undone) with a step and a memory cap.

    Parameters
    ----------
    max_items : int
        Steps kept (at least 100 is the rule in Ferret).
    max_bytes : int
        Memory above which the oldest steps are dropped (the newest is always kept).
    """

    def __init__(self, max_items: int = 100, max_bytes: int = 512 * 2**20):
        self.max_items, self.max_bytes = max_items, max_bytes
        self._done: deque = deque()
        self._undone: list = []
        self.changed = EventEmitter()

    @property
    def can_undo(self) -> bool:
        """Return True when there is a step to undo."""
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        """Return True when there is an undone step to redo."""
        return bool(self._undone)

    @property
    def nbytes(self) -> int:
        """Memory held by every item."""
        return sum(item.nbytes for item in self._done) + sum(item.nbytes for item in self._undone)

    def __len__(self) -> int:
        return len(self._done)

    def push(self, item: UndoItem) -> None:
        """Record a new step; clears what was undone."""
        self._done.append(item)
        self._undone.clear()
        while len(self._done) > self.max_items or (
            len(self._done) > 1 and self.nbytes > self.max_bytes
        ):
            self._done.popleft()
        self.changed.emit(can_undo=self.can_undo, can_redo=self.can_redo)

    def clear(self) -> None:
        """Forget every step (nothing to undo or redo)."""
        self._done.clear()
        self._undone.clear()
        self.changed.emit(can_undo=False, can_redo=False)

    def undo(self) -> bool:
        """Undo the last step; False when there is none."""
        return self._move(self._done, self._undone, "undo")

    def redo(self) -> bool:
        """Redo the last undone step; False when there is none."""
        return self._move(self._undone, self._done, "redo")

    def _move(self, source, target, action: str) -> bool:
        """Pop the newest item of ``source``, run its ``action``, push it onto ``target``."""
        if not source:
            return False
        item = source.pop()
        getattr(item, action)()
        target.append(item)
        self.changed.emit(can_undo=self.can_undo, can_redo=self.can_redo)
        return True


class RegionSwap:
    """One label step: a box and the values to put back there."""

    def __init__(self, volume: LabelVolume, box, values: np.ndarray):
        self.volume, self.box, self.values = volume, box, values

    @property
    def nbytes(self) -> int:
        """Return the memory the saved values take, in bytes."""
        return int(self.values.nbytes)

    def _swap(self, source: str) -> None:
        current = self.volume.data[self.box].copy()
        self.volume.write(self.box, self.values, source)
        self.values = current

    def undo(self) -> None:
        """Put the saved voxel values back (the current ones are saved for redo)."""
        self._swap("undo")

    def redo(self) -> None:
        """Put the undone voxel values back (the current ones are saved for undo)."""
        self._swap("redo")


class LabelHistory(UndoHistory):
    """An :class:`UndoHistory` recording every committed edit of a label volume."""

    def __init__(self, volume: LabelVolume, max_items: int = 100, max_bytes: int = 512 * 2**20):
        super().__init__(max_items, max_bytes)
        self.volume = volume
        volume.subscribe(self._record)

    def _record(self, edit: LabelEdit) -> None:
        if edit.source in CLEARS_HISTORY:
            self.clear()
        elif edit.source not in NOT_RECORDED:
            self.push(RegionSwap(self.volume, edit.box, edit.old))

    def detach(self) -> None:
        """Stop recording."""
        self.volume.unsubscribe(self._record)
