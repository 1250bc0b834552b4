"""Named notifications of a review session, for the app to listen to.

Processing may not import the viewers' ``EventGroup``; this is its plain
counterpart, built like :class:`processing.annotations.labels.LabelVolume`'s
listeners: a :class:`Notifier` holds callbacks and calls each with one value;
:class:`QueueEvents` has one notifier per kind of change, so that a misspelt
kind fails loudly (``AttributeError``).

>>> seen = []
>>> events = QueueEvents()
>>> events.progress.subscribe(seen.append)
>>> events.progress.notify(3)
>>> seen
[3]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Listener = Callable[[Any], None]


class Notifier:
    """Call every subscribed ``listener(value)`` in subscription order."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(value)`` on every notification."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener`` (unknown listeners are ignored)."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def notify(self, value: Any) -> None:
        """Call every listener with ``value`` (a listener may unsubscribe itself meanwhile)."""
        for listener in list(self._listeners):
            listener(value)

    def __len__(self) -> int:
        return len(self._listeners)


@dataclass(frozen=True)
class QueueEvents:
    """The notifiers of a review session.

    Attributes
    ----------
    current : Notifier
        The item shown changed: called with the item, or None when nothing is left.
    decided : Notifier
        A decision was stored: called with the session's decision record.
    progress : Notifier
        The counts changed: called with the session's progress record.
    reloaded : Notifier
        The queue was read again (a rewritten candidate table): called with
        the session's summary of what changed, before ``current`` is
        notified of a new item (when the one shown is gone).
    """

    current: Notifier = field(default_factory=Notifier)
    decided: Notifier = field(default_factory=Notifier)
    progress: Notifier = field(default_factory=Notifier)
    reloaded: Notifier = field(default_factory=Notifier)
