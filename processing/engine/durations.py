"""Measured job durations per kind, kept across runs in ``<cache>/durations.json``.

A job's *kind* is its name without the participant, visit and rater labels
(``"maps sub-01 ses-02 DWI"`` -> ``"maps DWI"``), so that the durations of
one participant predict the next. Every run adds the seconds of the jobs it
computed (a running mean that follows the latest 20 runs of a kind) and
starts from the durations of earlier runs to estimate its time left, instead
of extrapolating from its first jobs. Concurrent runs merge their figures
under a small lock; the file is a hint: when it cannot be read or written,
estimates fall back to the current run's own rate.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from processing.engine.cache import write_manifest
from processing.errors import FerretError
from processing.fileio.lock import LockFile

DURATIONS_NAME = "durations.json"
FORMAT = 1
MEMORY = 20  # the mean follows roughly the last MEMORY measurements of a kind
LABEL_PREFIXES = ("sub-", "ses-", "rater-")


def job_kind(name: str) -> str:
    """Return the job's kind: its name without ``sub-``, ``ses-`` and ``rater-`` words."""
    words = [w for w in name.split() if not w.startswith(LABEL_PREFIXES)]
    return " ".join(words) or name


class Durations:
    """Mean seconds per job kind, stored in ``folder/durations.json``.

    Parameters
    ----------
    folder : path
        The cache folder (:attr:`processing.engine.cache.Cache.folder`).
    """

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / DURATIONS_NAME
        self.kinds: dict[str, dict[str, float]] = self._read()

    def _read(self) -> dict[str, dict[str, float]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        kinds = data.get("kinds") if isinstance(data, dict) else None
        if data.get("format") != FORMAT or not isinstance(kinds, dict):
            return {}
        return {
            k: v
            for k, v in kinds.items()
            if isinstance(v, dict) and isinstance(v.get("seconds"), int | float)
        }

    def expected(self, name: str) -> float | None:
        """Mean seconds of ``name``'s kind in earlier runs, or None when never measured."""
        entry = self.kinds.get(job_kind(name))
        return None if entry is None else float(entry["seconds"])

    def expected_for(self, names: Iterable[str]) -> dict[str, float]:
        """``{name: expected seconds}`` for the names whose kind was measured before."""
        found = {name: self.expected(name) for name in names}
        return {name: seconds for name, seconds in found.items() if seconds is not None}

    def add(self, measured: Mapping[str, float]) -> None:
        """Merge ``{job name: seconds}`` of this run into the file (under its lock).

        Errors writing the file are ignored: durations only improve estimates.
        """
        if not measured:
            return
        lock = LockFile(self.path.with_name(".durations.lock"))
        try:
            deadline = time.monotonic() + 5.0
            while not lock.acquire("durations") and time.monotonic() < deadline:
                time.sleep(0.05)
            if not lock.held:
                return
            self.kinds = self._read()  # another run may have written since we read
            for name, seconds in measured.items():
                self._update(job_kind(name), float(seconds))
            write_manifest(self.path, {"format": FORMAT, "kinds": self.kinds})
        except (OSError, FerretError):
            return
        finally:
            lock.release()

    def _update(self, kind: str, seconds: float) -> None:
        entry = self.kinds.setdefault(kind, {"seconds": seconds, "count": 0})
        count = min(int(entry.get("count", 0)) + 1, MEMORY)
        entry["seconds"] = entry["seconds"] + (seconds - entry["seconds"]) / count
        entry["count"] = count
