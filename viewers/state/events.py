"""Tiny event emitters: models own one per kind of change, widgets connect to it.

:class:`EventEmitter` is deliberately small (napari's ``EventEmitter`` without
the magic): callbacks receive keyword arguments, a callback may disconnect
itself while the event is being delivered, and :meth:`EventEmitter.blocked`
silences an emitter for a block of code (for batch updates that end in one
emission). A model with several kinds of change owns an :class:`EventGroup`
(napari's ``EmitterGroup``): ``model.events.image``, ``model.events.range``,
... one emitter per kind, declared as class annotations, so that a listener
names what it listens to and a misspelt kind fails loudly (``AttributeError``)
instead of silently never matching a string.
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
    >>> _ = changed.connect(lambda value: seen.append(value))
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


class EventGroup:
    """The named emitters of one model, one :class:`EventEmitter` per kind of change.

    Subclasses declare the kinds as annotations of type ``EventEmitter``; each
    instance gets a fresh emitter per kind. Reading an undeclared kind raises
    ``AttributeError``.

    Examples
    --------
    >>> class ViewEvents(EventGroup):
    ...     image: EventEmitter
    ...     range: EventEmitter
    >>> events = ViewEvents()
    >>> seen = []
    >>> _ = events.image.connect(lambda: seen.append("image"))
    >>> events.image.emit()
    >>> events.range.emit()
    >>> seen
    ['image']
    >>> events.imgae
    Traceback (most recent call last):
    ...
    AttributeError: 'ViewEvents' object has no attribute 'imgae'
    >>> events.names()
    ('image', 'range')
    """

    def __init__(self) -> None:
        for name in self.names():
            setattr(self, name, EventEmitter())

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Return the declared kinds of change, in declaration order (base classes first)."""
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            names += [n for n in vars(klass).get("__annotations__", {}) if n not in names]
        return tuple(names)
