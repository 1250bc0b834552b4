"""A tiny event emitter: models own one per kind of change, widgets connect to it.

The emitter is deliberately small (napari's ``EmitterGroup`` without the magic):
callbacks receive keyword arguments, a callback may disconnect itself while the
event is being delivered, and :meth:`EventEmitter.blocked` silences an emitter
for a block of code (for batch updates that end in one emission).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

Callback = Callable[..., Any]


class EventEmitter:
    """Deliver keyword-argument events to connected callbacks, in connection order.

    Examples
    --------
    >>> seen = []
    >>> changed = EventEmitter()
    >>> changed.connect(lambda value: seen.append(value))
    >>> changed.emit(value=3)
    >>> seen
    [3]
    """

    def __init__(self) -> None:
        self._callbacks: list[Callback] = []
        self._blocked = 0

    def connect(self, callback: Callback) -> Callback:
        """Call ``callback(**event)`` on every emission; returns the callback."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callback) -> None:
        """Stop calling ``callback``; unknown callbacks are ignored."""
        with contextlib.suppress(ValueError):
            self._callbacks.remove(callback)

    def emit(self, **event: Any) -> None:
        """Call every connected callback with ``event`` unless blocked."""
        if self._blocked:
            return
        for callback in list(self._callbacks):
            callback(**event)

    @contextlib.contextmanager
    def blocked(self) -> Iterator[None]:
        """Suppress emissions inside the ``with`` block."""
        self._blocked += 1
        try:
            yield
        finally:
            self._blocked -= 1

    def __len__(self) -> int:
        return len(self._callbacks)
