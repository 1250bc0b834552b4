"""Loading display volumes off the GUI thread, with a memory-bounded cache.

:class:`VolumeLoader` reads volumes in a small thread pool (nibabel and the
float32 conversion release the GIL for most of the work) and keeps them in an
LRU cache bounded in bytes. Results are not delivered from the worker threads:
they are queued, ``notify()`` is called (a Qt layer passes a function that
wakes the GUI thread), and the owner calls :meth:`VolumeLoader.drain` on its
own thread, which runs the callbacks there. Without Qt (tests, scripts),
:meth:`VolumeLoader.wait` blocks until the queue has everything asked for.

A request may carry ``prepare`` (run in the worker after reading, e.g. the
resampling into the display grid, :mod:`viewers.state.display_grid`) with a
``variant`` key: the cache then holds the prepared volume under
``(path, index, variant)``, and the raw one is not kept.

A newer participant (or display grid) makes older requests stale:
:meth:`VolumeLoader.forget_pending` cancels those not started and drops the
results of the others (which still land in the cache).
"""

from __future__ import annotations

import queue
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from pathlib import Path

from processing.errors import FerretError
from viewers.state.volume import Volume, load_volume_file

Key = tuple
Callback = Callable[[Volume | None, str | None], None]

DEFAULT_MAX_BYTES = 1_536 * 2**20


class VolumeCache:
    """Volumes by ``(path, index)``, least recently used evicted first beyond ``max_bytes``."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[Key, Volume] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Volume | None:
        """Return the cached volume of ``key`` (now the most recent), or None."""
        with self._lock:
            volume = self._items.get(key)
            if volume is not None:
                self._items.move_to_end(key)
            return volume

    def put(self, key: Key, volume: Volume) -> None:
        """Cache ``volume`` under ``key``, dropping the oldest volumes over the memory cap."""
        with self._lock:
            self._items[key] = volume
            self._items.move_to_end(key)
            while self.nbytes > self.max_bytes and len(self._items) > 1:
                self._items.popitem(last=False)

    def discard(self, unwanted: Callable[[Key], bool]) -> int:
        """Drop every volume whose key is ``unwanted``; return how many were dropped."""
        with self._lock:
            keys = [key for key in self._items if unwanted(key)]
            for key in keys:
                del self._items[key]
        return len(keys)

    @property
    def nbytes(self) -> int:
        """Bytes of voxel data held."""
        return sum(v.nbytes for v in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Drop every cached volume."""
        with self._lock:
            self._items.clear()


class VolumeLoader:
    """Read volumes in worker threads; deliver them on the owner's thread via :meth:`drain`.

    Parameters
    ----------
    workers : int
        Threads reading files.
    max_bytes : int
        Cache bound.
    notify : callable, optional
        Called (from a worker thread) whenever a result is queued.
    """

    def __init__(
        self,
        *,
        workers: int = 2,
        max_bytes: int = DEFAULT_MAX_BYTES,
        notify: Callable[[], None] | None = None,
    ) -> None:
        self.cache = VolumeCache(max_bytes)
        self.notify = notify
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ferret-load")
        self._done: queue.Queue = queue.Queue()
        self._generation = 0
        self._outstanding = 0
        self._lock = threading.Lock()
        self._in_flight: dict[tuple[Key, str], Future] = {}

    def request(
        self,
        path: Path,
        index: int,
        modality: str,
        callback: Callback,
        *,
        prepare: Callable[[Volume], Volume] | None = None,
        variant=None,
    ) -> bool:
        """Ask for volume ``index`` of ``path``; True when served at once from the cache.

        ``callback(volume, error_text)`` runs on the thread calling :meth:`drain`
        (or right now for a cached volume). ``prepare(volume)`` runs in the
        worker; ``variant`` (hashable) names what it makes, for the cache.
        """
        key = (str(path), int(index)) + ((variant,) if variant is not None else ())
        cached = self.cache.get(key)
        if cached is not None:
            callback(cached, None)
            return True
        generation = self._generation
        with self._lock:
            self._outstanding += 1
            future = self._in_flight.get((key, modality))
            if future is None:
                future = self._pool.submit(self._read, key, modality, prepare)
                self._in_flight[(key, modality)] = future
        future.add_done_callback(lambda f: self._finished(f, key, modality, callback, generation))
        return False

    def drain(self) -> int:
        """Run the callbacks of finished loads (on this thread); return how many ran."""
        ran = 0
        while True:
            try:
                generation, callback, volume, error = self._done.get_nowait()
            except queue.Empty:
                return ran
            with self._lock:
                self._outstanding -= 1
            if generation == self._generation:
                callback(volume, error)
                ran += 1

    def wait(self, timeout: float = 30.0) -> int:
        """Block until every outstanding request is queued, then :meth:`drain` (tests, scripts)."""
        with self._lock:
            futures = list(self._in_flight.values())
        if wait_for(futures, timeout=timeout).not_done:
            raise TimeoutError(f"volumes still loading after {timeout} s")
        while self.outstanding and self._done.qsize() < self.outstanding:
            threading.Event().wait(0.005)
        return self.drain()

    @property
    def outstanding(self) -> int:
        """Requests whose callbacks have not run yet."""
        with self._lock:
            return self._outstanding

    def forget_pending(self) -> None:
        """Results of requests made so far will not be delivered (a new participant was opened).

        Reads not started yet are cancelled (a new display grid does not wait
        behind the old one's); those under way finish into the cache.
        """
        self._generation += 1
        with self._lock:
            futures = list(self._in_flight.values())
        for future in futures:
            future.cancel()  # its done-callback runs now and queues a dropped result

    def shutdown(self) -> None:
        """Stop the workers (pending reads finish, their results are dropped)."""
        self.forget_pending()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _read(self, key: Key, modality: str, prepare=None) -> Volume:
        volume = load_volume_file(Path(key[0]), modality, key[1])
        if prepare is not None:
            volume = prepare(volume)
        self.cache.put(key, volume)
        return volume

    def _finished(
        self, future: Future, key: Key, modality: str, callback: Callback, generation: int
    ) -> None:
        with self._lock:
            self._in_flight.pop((key, modality), None)
        exception = None if future.cancelled() else future.exception()
        if future.cancelled():
            volume, error = None, "loading cancelled"
        elif isinstance(exception, FerretError):
            volume, error = None, exception.message()
        elif exception is not None:
            volume, error = None, f"cannot read {Path(key[0]).name}: {exception}"
        else:
            volume, error = future.result(), None
        self._done.put((generation, callback, volume, error))
        if self.notify is not None:
            self.notify()
