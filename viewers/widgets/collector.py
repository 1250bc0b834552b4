"""Cyclic garbage collection in the GUI thread only, while Qt windows are alive.

Python's cyclic collector runs in whichever thread happens to allocate when a
threshold is crossed: an image-loading thread, the analysis worker, the rater
store's backup thread. When the garbage it finds holds a Qt object (a closed
window's pyqtgraph items, a lambda connected to a signal), the object is
destroyed in that thread: ``QObject::~QObject`` takes Qt's connection lock and
then waits for the GIL, while the GUI thread holds the GIL and waits for the
same lock in ``QObject::connect`` (a deadlock caught with ``py-spy dump
--native`` in the test suite). pyqtgraph ships the usual remedy
(``pyqtgraph.util.garbage_collector.GarbageCollector``: automatic collection
off, a GUI-thread timer collects instead); :class:`GuiThreadCollector` is that
remedy with an end: it is *held* by every open main window (and by the tests
around each Qt test) and gives automatic collection back, after one full
collection in the GUI thread, when the last holder releases it, so that
Qt-free work after the windows are gone (a command-line run, the processing
tests) collects as usual. While held, an explicit ``gc.collect()`` from another
thread (statsmodels' ``multipletests`` calls one, inside the analysis worker:
the same deadlock, caught with py-spy) is deferred to the GUI thread's next
tick instead of collecting there.

>>> import gc
>>> collector = GuiThreadCollector(start_timer=False)
>>> token = collector.hold()
>>> gc.isenabled()
False
>>> collector.release(token)
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
import itertools
import threading

#: Milliseconds between the GUI thread's looks at the collector's counters.
INTERVAL_MS = 250


def due_generation(counts: tuple[int, int, int], thresholds: tuple[int, ...]) -> int | None:
    """Return the oldest generation whose counter passed its threshold (CPython's rule), or None.

    >>> due_generation((701, 3, 0), (700, 10, 10))
    0
    >>> due_generation((701, 11, 11), (700, 10, 10))
    2
    >>> due_generation((5, 0, 0), (700, 10, 10)) is None
    True
    """
    due = None
    for generation, (count, threshold) in enumerate(zip(counts, thresholds, strict=True)):
        if count <= threshold:
            break
        due = generation
    return due


class GuiThreadCollector:
    """While held, automatic cyclic collection is off and the GUI thread collects on a timer.

    Parameters
    ----------
    start_timer : bool
        Start a ``QTimer`` (in the GUI thread) on the first hold; False for Qt-free use.
    interval_ms : int
        The timer's interval.
    """

    _shared: GuiThreadCollector | None = None

    def __init__(self, *, start_timer: bool = True, interval_ms: int = INTERVAL_MS) -> None:
        self._holders: set[int] = set()
        self._tokens = itertools.count(1)
        self._start_timer, self._interval_ms = start_timer, interval_ms
        self._timer = None
        self._enabled_before = True
        self._collect = gc.collect  # the interpreter's own, restored on the last release
        self._deferred = False
        self.collections = 0

    @classmethod
    def shared(cls) -> GuiThreadCollector:
        """Return the process's collector (made on first use)."""
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    @property
    def held(self) -> bool:
        """True while some holder keeps automatic collection off."""
        return bool(self._holders)

    def hold(self) -> int:
        """Turn automatic collection off (GUI thread only); return the token to release."""
        self._require_main_thread()
        if not self._holders:
            self._enabled_before = gc.isenabled()
            gc.disable()
            self._collect = gc.collect
            gc.collect = self._guarded_collect
            self._start()
        token = next(self._tokens)
        self._holders.add(token)
        return token

    def release(self, token: int) -> None:
        """Release ``token`` (again: ignored); the last release collects and turns collection on."""
        self._require_main_thread()
        if token not in self._holders:
            return
        self._holders.discard(token)
        if not self._holders:
            self._stop()

    def release_all(self) -> None:
        """Release every holder (the tests' guarantee after each Qt test)."""
        self._require_main_thread()
        if self._holders:
            self._holders.clear()
            self._stop()

    def check(self) -> None:
        """Collect the generation that CPython would have collected by now, in this thread.

        A full collection when another thread asked for one meanwhile.
        """
        generation = 2 if self._deferred else due_generation(gc.get_count(), gc.get_threshold())
        self._deferred = False
        if generation is not None:
            self._collect(generation)
            self.collections += 1

    def _guarded_collect(self, generation: int = 2) -> int:
        """``gc.collect`` while held: at once in the GUI thread, deferred from any other."""
        if not self._holders or threading.current_thread() is threading.main_thread():
            return self._collect(generation)
        self._deferred = True
        return 0

    def _start(self) -> None:
        if not self._start_timer:
            return
        from PySide6 import QtCore

        if self._timer is None:
            self._timer = QtCore.QTimer()
            self._timer.setObjectName("ferret-gui-collector")
            self._timer.timeout.connect(self.check)
        self._timer.start(self._interval_ms)

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        if gc.collect == self._guarded_collect:
            gc.collect = self._collect
        self._deferred = False
        gc.collect()
        if self._enabled_before:
            gc.enable()

    @staticmethod
    def _require_main_thread() -> None:
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("the GUI-thread collector is held and released in the GUI thread")
