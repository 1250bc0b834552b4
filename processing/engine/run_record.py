"""Each run's progress on disk, so other runs and windows on the study can show it.

A run writes ``<cache>/runs/<host>-<pid>.json`` (who, since when, jobs done
of total, running, failed, ETA, last update) at most once a second, by an
atomic rename, and deletes it when it ends. :func:`live_runs` lists the
records of runs still going on: on this host, a record whose PID is gone is
stale and deleted; a record from another host counts while it is fresh.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from pathlib import Path

from processing.engine.cache import write_manifest
from processing.engine.reporter import format_seconds
from processing.engine.status import FAILED, FINISHED, RUNNING, JobState, RunStatus
from processing.errors import FerretError

RUNS_DIRNAME = "runs"
WRITE_SECONDS = 1.0
FRESH_SECONDS = 30.0  # a record of another host older than this is ignored


def record_path(cache_folder: str | Path, pid: int | None = None, host: str | None = None) -> Path:
    """``<cache>/runs/<host>-<pid>.json`` (this process by default)."""
    name = f"{host or socket.gethostname()}-{pid or os.getpid()}.json"
    return Path(cache_folder) / RUNS_DIRNAME / name


class RunRecord:
    """A run listener that keeps this run's record up to date (:meth:`close` deletes it).

    Parameters
    ----------
    cache_folder : path
    what : str
        Who runs, e.g. ``"ferret process"``.
    """

    def __init__(self, cache_folder: str | Path, what: str) -> None:
        self.path = record_path(cache_folder)
        self.what, self.started, self._last = what, time.time(), 0.0

    def __call__(self, status: RunStatus, job: JobState | None) -> None:
        """Write the record when a second has passed since the last write."""
        if time.monotonic() - self._last >= WRITE_SECONDS:
            self.write(status)

    def write(self, status: RunStatus) -> None:
        """Write the record now (errors are ignored: the record is informative)."""
        self._last = time.monotonic()
        record = {
            "what": self.what,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": self.started,
            "updated": time.time(),
            "total": len(status.jobs),
            "finished": status.count(*FINISHED),
            "running": status.count(RUNNING),
            "failed": status.count(FAILED),
            "eta_seconds": status.eta(),
        }
        try:
            write_manifest(self.path, record)
        except FerretError:
            pass

    def close(self) -> None:
        """Delete the record (the run ended; errors are ignored, as in :meth:`write`).

        A cache folder that is a file (the fuzz case) must leave the run's own
        one-line error standing, not replace it with this cleanup's.
        """
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)


def live_runs(cache_folder: str | Path) -> list[dict]:
    """Return the records of the runs going on (other than this process's), oldest first."""
    found = []
    for path in sorted((Path(cache_folder) / RUNS_DIRNAME).glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            pid, host = int(record["pid"]), str(record["host"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if host == socket.gethostname() and pid == os.getpid():
            continue
        if host == socket.gethostname() and not pid_alive(pid):
            path.unlink(missing_ok=True)  # stale: that run died without cleaning up
        elif host == socket.gethostname() or time.time() - record.get("updated", 0) < FRESH_SECONDS:
            found.append(record)
    return sorted(found, key=lambda r: r.get("started", 0))


def pid_alive(pid: int) -> bool:
    """Return True when a process ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def describe(record: dict) -> str:
    """``ferret process (pid 12 on host): 12/33 jobs, 2 running, ETA 0:42``."""
    line = (
        f"{record.get('what', 'a run')} (pid {record.get('pid')} on {record.get('host')}): "
        f"{record.get('finished', 0)}/{record.get('total', 0)} jobs, "
        f"{record.get('running', 0)} running"
    )
    if record.get("failed"):
        line += f", {record['failed']} failed"
    return line + f", ETA {format_seconds(record.get('eta_seconds'))}"
