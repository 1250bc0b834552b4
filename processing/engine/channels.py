"""Channels: how a job's progress events and the cancel flag travel to and from its worker.

A worker posts ``(kind, job, ...)`` tuples to its channel and reads the cancel
flag from it; the run side hands queued events to the runner with
:func:`drain`. In-process for the serial executor (:class:`LocalChannel`), a
multiprocessing queue and event for the process pool (:class:`QueueChannel`);
Dask's lives in :mod:`processing.engine.dask_executor`.
"""

from __future__ import annotations

import queue as queue_module
from collections.abc import Callable
from typing import Any, Protocol

EventSink = Callable[[tuple], None]


class Channel(Protocol):
    """Worker-side link to the run: post events, read the cancel flag."""

    def post(self, event: tuple) -> None:
        """Send ``event`` to the run."""

    def cancel_flag(self) -> Any:
        """Return the run's cancel flag (an object with ``is_set()``)."""


class LocalChannel:
    """In-process channel: events go straight to a callback."""

    def __init__(self, sink: Callable[[tuple], None], cancel_flag) -> None:
        self._sink = sink
        self._flag = cancel_flag

    def post(self, event: tuple) -> None:
        """Hand ``event`` to the callback at once."""
        self._sink(event)

    def cancel_flag(self):
        """Return the cancel flag given at construction."""
        return self._flag


class QueueChannel:
    """Process-pool channel: a multiprocessing queue and event inherited at worker start."""

    def __init__(self, queue, event) -> None:
        self._queue = queue
        self._event = event

    def post(self, event: tuple) -> None:
        """Put ``event`` on the queue the parent drains."""
        self._queue.put(event)

    def cancel_flag(self):
        """Return the multiprocessing event shared with the parent."""
        return self._event


def drain(events, on_event) -> None:
    """Hand every event waiting in ``events`` (a queue) to ``on_event``, without blocking."""
    while True:
        try:
            event = events.get_nowait()
        except queue_module.Empty:
            return
        on_event(event)
