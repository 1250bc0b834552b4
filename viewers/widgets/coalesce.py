"""One way to turn a burst of events into one call: :class:`Coalescer`.

Cursor drags, slice steps and label edits arrive faster than a widget can
redraw. Every widget that reacts to such bursts pokes a :class:`Coalescer`
instead of redrawing: the function runs once, ``delay_ms`` after the first
poke of a burst (0: on the next pass of the event loop), with the arguments of
the LAST poke when the function takes any (a drag applies only its latest
point). :meth:`Coalescer.flush` runs a pending call now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6 import QtCore


class Coalescer(QtCore.QObject):
    """Call ``function`` once per burst of :meth:`poke` calls.

    Parameters
    ----------
    function : callable
        Called as ``function(*args)`` with the last :meth:`submit` arguments,
        or ``function()`` after :meth:`poke`.
    delay_ms : int
        How long after the first poke of a burst the call comes.
    parent : QObject, optional
        Owner (the coalescer stops with it).
    """

    def __init__(
        self, function: Callable[..., Any], delay_ms: int = 0, parent: QtCore.QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._function = function
        self._args: tuple | None = None  # None: nothing pending
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.flush)

    @property
    def pending(self) -> bool:
        """Whether a call is scheduled."""
        return self._args is not None

    def poke(self, *_ignored: Any, **_ignored_too: Any) -> None:
        """Schedule the call without arguments (event payloads are ignored)."""
        self.submit()

    def submit(self, *args: Any) -> None:
        """Schedule the call with ``args``, replacing those of an earlier pending poke."""
        self._args = args
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Run the pending call now (nothing when none is pending)."""
        self._timer.stop()
        if self._args is None:
            return
        args, self._args = self._args, None
        self._function(*args)

    def cancel(self) -> None:
        """Drop the pending call."""
        self._timer.stop()
        self._args = None
