"""Dask executor: jobs on a Dask cluster (``--scheduler ADDRESS``) or a local one (``--dask-local N``).

Dask is an optional extra (``pip install ferret[dask]``). Progress travels as
Dask worker events on a per-run topic; cancellation is a named
:class:`distributed.Event` that workers read at most every half second.
"""

from __future__ import annotations

import queue as queue_module
import time
import uuid
from typing import TYPE_CHECKING

from processing.engine.channels import drain
from processing.engine.worker import JobCall, execute
from processing.errors import FerretError
from processing.progress import Progress

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

CANCEL_POLL_SECONDS = 0.5


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise FerretError(
            "Dask is not installed, so --scheduler and --dask-local are unavailable.",
            fix="install the extra: pip install 'ferret[dask]', or use --jobs N.",
        ) from None
    return distributed


class DaskChannel:
    """Worker-side channel of a Dask run: events by ``log_event``, a shared cancel event."""

    def __init__(self, topic: str, event_name: str) -> None:
        self.topic = topic
        self.event_name = event_name

    def post(self, event: tuple) -> None:
        """Log ``event`` on the Dask topic the client listens to."""
        from distributed import get_worker

        get_worker().log_event(self.topic, list(event))

    def cancel_flag(self):
        """Return the run's Dask cancel event, read at most every poll interval."""
        return _ThrottledDaskEvent(self.event_name)


class _ThrottledDaskEvent:
    """A Dask event read at most every :data:`CANCEL_POLL_SECONDS` (each read is a round trip)."""

    def __init__(self, name: str) -> None:
        import distributed

        self._event = distributed.Event(name)
        self._last = time.monotonic()  # the job was just submitted by a run that was not cancelled
        self._set = False

    def is_set(self) -> bool:
        now = time.monotonic()
        if not self._set and now - self._last >= CANCEL_POLL_SECONDS:
            self._last = now
            self._set = self._event.is_set()
        return self._set

    def set(self) -> None:
        self._set = True
        self._event.set()


def run_on_dask(call: JobCall, channel: DaskChannel):
    """Task run by a Dask worker."""
    return execute(call, channel)


class DaskExecutor:
    """Run jobs on a Dask cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``.
    n_workers : int, optional
        Without ``scheduler``: start a local cluster of this many single-threaded
        worker processes (default 2).
    """

    def __init__(self, scheduler: str | None = None, n_workers: int | None = None):
        self._distributed = _import_distributed()
        self.scheduler = scheduler
        self.n_workers = n_workers or 2
        self.capacity = self.n_workers
        self.description = (
            f"Dask scheduler {scheduler}"
            if scheduler
            else f"local Dask cluster of {self.n_workers}"
        )
        self._cluster: LocalCluster | None = None
        self._client: Client | None = None

    def start(self, on_event, progress: Progress) -> None:
        """Connect to (or start) the cluster and listen for the run's events."""
        distributed = self._distributed
        if self.scheduler:
            client = distributed.Client(self.scheduler)
        else:
            self._cluster = distributed.LocalCluster(
                n_workers=self.n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            client = distributed.Client(self._cluster)
        self._client = client
        self.capacity = max(1, sum(client.nthreads().values()))
        self._on_event = on_event
        self._events: queue_module.Queue = queue_module.Queue()
        run_id = uuid.uuid4().hex
        self._channel = DaskChannel(f"ferret-progress-{run_id}", f"ferret-cancel-{run_id}")
        self._cancel = distributed.Event(self._channel.event_name, client=client)
        client.subscribe_topic(self._channel.topic, self._receive)

    def _receive(self, record) -> None:
        _, event = record  # (timestamp, message)
        self._events.put(tuple(event))

    def submit(self, call: JobCall):
        """Submit one job to the cluster and return its Dask future."""
        if self._client is None:
            raise RuntimeError("submit() before start(): the executor has no Dask client.")
        return self._client.submit(
            run_on_dask, call, self._channel, key=f"ferret-{uuid.uuid4().hex}", pure=False
        )

    def wait(self, futures, timeout: float) -> set:
        """Return the futures done within ``timeout`` seconds."""
        try:
            self._distributed.wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            pass
        return {f for f in futures if f.done()}

    def poll(self) -> None:
        """Deliver the progress events received so far."""
        drain(self._events, self._on_event)

    def cancel(self) -> None:
        """Ask the running jobs to stop (set the run's cancel event)."""
        self._cancel.set()

    def close(self) -> None:
        """Close the client (and the local cluster when this executor started one)."""
        if self._client is not None:
            self._client.unsubscribe_topic(self._channel.topic)
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
        self.poll()
