"""The walk through a review queue: current item, next / previous over the undecided, go to.

:class:`QueueWalk` holds a fixed list of items (anything with an ``item_id``),
the set of decided IDs and the item shown. :meth:`~QueueWalk.next` and
:meth:`~QueueWalk.previous` move to the nearest undecided item after (before)
the current one in queue order, wrapping around; with nothing left the current
item becomes None. Every move notifies ``events.current``. The decided set
comes from the rater store's audit log (:func:`decided_ids`): a decision's audit
row is its commit mark, so a reopened session skips exactly what was stored.

>>> from types import SimpleNamespace as Item
>>> walk = QueueWalk([Item(item_id=i) for i in "abc"], {"b"})
>>> walk.next().item_id, walk.next().item_id, walk.next().item_id
('a', 'c', 'a')
>>> walk.previous().item_id, walk.counts()
('c', (1, 3))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from processing.review.events import QueueEvents


def decided_ids(store, action: str) -> set[str]:
    """IDs (the ``field``) of the audit rows of ``action`` in a rater store's audit log."""
    return {row["field"] for row in store.audit_log() if row["action"] == action}


class QueueWalk:
    """Walk ``items`` in order, skipping the decided ones.

    Parameters
    ----------
    items : sequence
        The queue, in order; each item has a unique ``item_id``.
    decided : iterable of str
        IDs already decided (kept as the live set :attr:`decided`).
    events : QueueEvents, optional
        Where moves are announced (``current``); a new group by default.
    """

    def __init__(
        self, items: Sequence[Any], decided: Iterable[str] = (), events: QueueEvents | None = None
    ):
        self.items = list(items)
        self.decided = set(decided)
        self.events = events or QueueEvents()
        self.current: Any | None = None
        self._order = {item.item_id: k for k, item in enumerate(self.items)}

    @property
    def remaining(self) -> list[Any]:
        """The items not decided yet, in queue order."""
        return [item for item in self.items if item.item_id not in self.decided]

    def counts(self) -> tuple[int, int]:
        """``(decided, total)`` over this queue's items (other decided IDs do not count)."""
        return len(set(self._order) & self.decided), len(self._order)

    def item(self, item_id: str) -> Any:
        """Return the item of ``item_id`` (KeyError when absent)."""
        return self.items[self._order[item_id]]

    def index(self, item: Any) -> int:
        """Position of ``item`` in the queue."""
        return self._order[item.item_id]

    def next(self) -> Any | None:
        """Show the next undecided item after the current one (wrapping); None when done."""
        return self._step(+1)

    def previous(self) -> Any | None:
        """Show the undecided item before the current one (wrapping); None when done."""
        return self._step(-1)

    def go_to(self, item_id: str) -> Any:
        """Show the item ``item_id`` (decided or not)."""
        self.current = self.item(item_id)
        self.events.current.notify(self.current)
        return self.current

    def replace(self, items: Sequence[Any]) -> bool:
        """Walk ``items`` from now on (the queue was read again); the decided IDs stay.

        The current item stays current when its ID is in the new queue (the new
        record of it) and True is returned. Otherwise the next undecided item
        the old queue would have shown that is still there becomes current
        (else the first undecided, else None) and False is returned; so does
        the first undecided when nothing was shown (every item was decided).
        Nothing is notified: the caller tells its listeners about the new queue first.
        """
        old, current = self.items, self.current
        self.items = list(items)
        self._order = {item.item_id: k for k, item in enumerate(self.items)}
        if current is not None and current.item_id in self._order:
            self.current = self.item(current.item_id)
            return True
        ids = [item.item_id for item in old]
        here = ids.index(current.item_id) if current is not None else len(ids)
        after = ids[here + 1 :] + ids[:here]  # the old order after the item shown, wrapping
        upcoming = next((i for i in after if i in self._order and i not in self.decided), None)
        left = self.remaining
        self.current = self.item(upcoming) if upcoming is not None else (left[0] if left else None)
        return current is None and self.current is None

    def mark_decided(self, item_id: str) -> None:
        """Count ``item_id`` as decided (after its decision was stored)."""
        self.decided.add(item_id)

    def _step(self, direction: int) -> Any | None:
        left = self.remaining
        if not left:
            self.current = None
        elif self.current is None or self.current.item_id not in self._order:
            self.current = left[0] if direction > 0 else left[-1]
        else:
            here = self._order[self.current.item_id]
            after = [i for i in left if (self._order[i.item_id] - here) * direction > 0]
            pool = after or left
            self.current = pool[0] if direction > 0 else pool[-1]
        self.events.current.notify(self.current)
        return self.current


class WalkingSession:
    """The walk's part of a review session's interface, for a session holding a :attr:`walk`.

    The session sets ``self.walk`` (a :class:`QueueWalk`); the app calls these.
    """

    walk: QueueWalk

    @property
    def current(self) -> Any | None:
        """The item shown (None before the first move and when every item is decided)."""
        return self.walk.current

    @property
    def remaining(self) -> list[Any]:
        """The items not decided yet, in queue order."""
        return self.walk.remaining

    def item(self, item_id: str) -> Any:
        """Return the queue item of ``item_id`` (KeyError when absent)."""
        return self.walk.item(item_id)

    def next(self) -> Any | None:
        """Show the next undecided item after the current one (wrapping); None when done."""
        return self.walk.next()

    def previous(self) -> Any | None:
        """Show the undecided item before the current one (wrapping); None when done."""
        return self.walk.previous()

    def go_to(self, item_id: str) -> Any:
        """Show the item ``item_id`` (decided or not)."""
        return self.walk.go_to(item_id)
