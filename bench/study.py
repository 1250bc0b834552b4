"""Benchmark: discovery of a 54 participant x 10 visit study of tiny files.

Prints one JSON object per figure: ``discover_54x10_s`` (best of 5 runs, warm
file-system cache) and, for scale, ``validate_2x3_s`` on a small study.
Run: ``.venv/bin/python bench/study.py``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from processing.study import discover  # noqa: E402
from processing.study.example import write_tiny_study  # noqa: E402


def best_of(runs: int, func, *args) -> float:
    """Shortest wall time of ``runs`` calls of ``func(*args)`` in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_tiny_study(Path(tmp) / "study", participants=54, visits=10)
        study = discover(root)
        n_files = sum(
            len(a.files)
            for p in study.participants.values()
            for v in p.visits
            for a in v.acquisitions.values()
        )
        seconds = best_of(5, discover, root)
        print(
            json.dumps(
                {
                    "name": "discover_54x10_s",
                    "value": round(seconds, 4),
                    "unit": "s",
                    "peer": f"target (issue 2), {n_files} images",
                    "peer_value": 2.0,
                }
            )
        )
        try:
            from processing.study import validate
        except ImportError:
            return
        small = write_tiny_study(Path(tmp) / "small", participants=2, visits=3)
        print(
            json.dumps(
                {
                    "name": "validate_2x3_s",
                    "value": round(best_of(3, validate, small), 4),
                    "unit": "s",
                    "peer": None,
                    "peer_value": None,
                }
            )
        )


if __name__ == "__main__":
    main()
