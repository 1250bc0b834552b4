"""What runs inside a worker: call one job's function and digest its outputs.

:func:`execute` never raises: it returns a :class:`JobResult` with the cause of
a failure (exception type and message; a FerretError's message verbatim), so
that results cross process and Dask boundaries without pickling exceptions.
Progress updates and the cancel flag travel through a *channel*: in-process
for the serial executor, a multiprocessing queue and event for the process
pool, Dask events for Dask.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from processing.engine.channels import Channel, QueueChannel
from processing.engine.digest import FileDigest, digest_file
from processing.errors import Cancelled, FerretError
from processing.progress import Progress

UPDATE_INTERVAL = 0.1  # seconds between forwarded progress updates of one job


@dataclass(frozen=True)
class JobCall:
    """Everything a worker needs to run one job (picklable)."""

    name: str
    func: Callable[..., Any]
    args: tuple[Any, ...]
    params: dict[str, Any]
    outputs: tuple[Path, ...]


@dataclass
class JobResult:
    """Outcome of one job: ``status`` is ``"done"``, ``"failed"`` or ``"cancelled"``."""

    name: str
    status: str
    outputs: dict[Path, FileDigest] = field(default_factory=dict)
    error: str = ""
    details: str = ""
    seconds: float = 0.0
    refused: bool = False  # a FerretError: the job's input (or request) was refused


class WorkerProgress(Progress):
    """A :class:`Progress` whose cancel flag is the run's (possibly cross-process) flag."""

    def __init__(self, listener, cancel_flag) -> None:
        super().__init__(listener)
        self._cancel = cancel_flag


def execute(call: JobCall, channel: Channel | None = None) -> JobResult:
    """Run one job and return its result (never raises).

    Parameters
    ----------
    call : JobCall
    channel : Channel, optional
        Defaults to the channel installed in this worker process by
        :func:`install_channel` (process pools).
    """
    channel = channel or _INSTALLED[0]
    if channel is None:
        raise RuntimeError("no channel: pass one or run in a pool set up by install_channel().")
    started = time.perf_counter()
    channel.post(("start", call.name, time.time()))
    result = _run(call, channel)
    result.seconds = time.perf_counter() - started
    return result


def _run(call: JobCall, channel: Channel) -> JobResult:
    try:
        progress = WorkerProgress(_throttled_poster(call.name, channel), channel.cancel_flag())
        progress.check()
        for output in call.outputs:
            remove_stale_temporaries(output)
        call.func(*call.args, **call.params, progress=progress)
        progress.update(1.0)
    except Cancelled as exc:
        return JobResult(call.name, "cancelled", error=f"cancelled: {exc}")
    except FerretError as exc:
        return JobResult(
            call.name, "failed", error=exc.message(), details=traceback.format_exc(), refused=True
        )
    except KeyboardInterrupt:
        return JobResult(call.name, "cancelled", error="interrupted")
    except Exception as exc:  # a failing job must fail alone, whatever it raised
        return JobResult(
            call.name,
            "failed",
            error=f"{type(exc).__name__}: {exc}",
            details=traceback.format_exc(),
        )
    try:  # a step that does not write its outputs is a bug of the step, never refused input
        return JobResult(call.name, "done", outputs=_digest_outputs(call))
    except (FerretError, OSError) as exc:
        return JobResult(call.name, "failed", error=str(exc), details=traceback.format_exc())


def _digest_outputs(call: JobCall) -> dict[Path, FileDigest]:
    missing = [p for p in call.outputs if not p.exists()]
    if missing:
        raise FerretError(
            f"job {call.name!r} finished without writing {len(missing)} of its outputs.",
            missing[0],
            "this is a bug in the step: it must write every declared output.",
        )
    return {path: digest_file(path) for path in call.outputs}


def _throttled_poster(name: str, channel: Channel):
    last = [0.0]

    def post(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - last[0] >= UPDATE_INTERVAL or fraction >= 1.0:
            last[0] = now
            channel.post(("progress", name, fraction, message))

    return post


def remove_stale_temporaries(output: Path) -> list[Path]:
    """Delete temporary files left beside ``output`` by a killed atomic write.

    :func:`processing.fileio.atomic_path` names them ``.<stem>.<random>.part<suffixes>``.
    """
    suffix = "".join(output.suffixes) or ".tmp"
    pattern = re.compile(
        re.escape(f".{output.stem}.") + r"[A-Za-z0-9_]{8}" + re.escape(f".part{suffix}") + "$"
    )
    removed = []
    if output.parent.is_dir():
        for entry in os.scandir(output.parent):
            if pattern.match(entry.name):
                Path(entry.path).unlink(missing_ok=True)
                removed.append(Path(entry.path))
    return removed


_INSTALLED: list[Channel | None] = [None]


def install_channel(queue, event, parent: int | None = None, nice: int = 0) -> None:
    """Process-pool initializer: route this worker's events to the parent and die with it.

    ``parent`` is the PID of the process that made the pool, taken there: a
    worker still importing when its parent is killed would otherwise read
    its new (adoptive) parent here and never notice. ``nice`` lowers this
    worker's priority (``os.nice``), so that a window beside it stays responsive.
    """
    if nice:
        os.nice(nice)
    _INSTALLED[0] = QueueChannel(queue, event)
    die_with_parent()
    watch_parent(os.getppid() if parent is None else parent)


def die_with_parent() -> None:
    """On Linux, ask the kernel to kill this process the moment its parent dies (PR_SET_PDEATHSIG).

    The pool's workers are started by the thread that drives the run, which
    lives until the pool is shut down. :func:`watch_parent` covers the rest
    (other systems, and a parent that died before this call).
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    except (OSError, AttributeError):
        pass


PARENT_POLL_SECONDS = 1.0
PR_SET_PDEATHSIG = 1


def watch_parent(parent: int) -> threading.Thread:
    """End this worker when ``parent`` is gone (e.g. ``ferret process`` was killed with -9).

    A pool worker otherwise lives on, computing for nobody, after its parent
    dies without the chance to shut the pool down. When the parent dies the
    worker is re-parented, so its parent PID changes: a daemon thread checks
    that once a second and exits the process at once.
    """

    def check() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    thread = threading.Thread(target=check, name="ferret-parent-watch", daemon=True)
    thread.start()
    return thread
