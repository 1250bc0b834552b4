"""Qt-free progress reporting and cancellation for long computations.

A :class:`Progress` is handed to every engine function. The function reports a
fraction and a message and calls :meth:`Progress.check` at safe points, which
raises :class:`~processing.errors.Cancelled` once someone asked to cancel.
Sub-tasks get a :meth:`Progress.child` that maps its 0..1 onto a slice of the
parent's range, so nested steps report one coherent fraction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from processing.errors import Cancelled

Listener = Callable[[float, str], None]


class Progress:
    """Fraction done (0..1), a message, and a cancel flag shared by children.

    Parameters
    ----------
    listener : callable, optional
        Called as ``listener(fraction, message)`` on every update.
    """

    def __init__(self, listener: Listener | None = None):
        self._listeners: list[Listener] = [listener] if listener else []
        self._cancel = threading.Event()
        self.fraction = 0.0
        self.message = ""

    def subscribe(self, listener: Listener) -> None:
        """Add a listener called on every update."""
        self._listeners.append(listener)

    def update(self, fraction: float, message: str | None = None) -> None:
        """Report progress; ``fraction`` is clipped to [0, 1]."""
        self.fraction = min(1.0, max(0.0, float(fraction)))
        if message is not None:
            self.message = message
        for listener in list(self._listeners):
            listener(self.fraction, self.message)

    def cancel(self) -> None:
        """Ask the computation to stop at its next :meth:`check`."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called on this object or its root."""
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._cancel.is_set():
            raise Cancelled(self.message or "cancelled")

    def child(self, start: float, stop: float) -> Progress:
        """Return a progress whose 0..1 maps onto ``[start, stop]`` of this one."""
        sub = Progress()
        sub._cancel = self._cancel

        def forward(fraction: float, message: str) -> None:
            self.update(start + (stop - start) * fraction, message)

        sub.subscribe(forward)
        return sub


def null_progress() -> Progress:
    """Return a progress object nobody listens to (the default for library calls)."""
    return Progress()
