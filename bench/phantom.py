"""Benchmark: phantom generation time, CPU time and size per scale.

Prints one JSON object per figure: ``phantom_<scale>_<visits>v_wall_s``,
``..._cpu_s`` and ``..._disk_mb``. There is no peer (no public generator of
this kind); the figures tell how long the demo and the test fixtures take.
Run: ``.venv/bin/python bench/phantom.py [--full]`` (``--full`` adds one
full-scale visit, about a minute and 3 GB of memory).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from processing.phantom import make_phantom_study  # noqa: E402

CASES = [("tiny", 4), ("tiny", 10), ("small", 10)]


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def disk_mb(root: Path) -> float:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) / 2**20


def measure(scale: str, visits: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "study"
        wall, cpu = time.perf_counter(), cpu_seconds()
        make_phantom_study(out, visits=visits, scale=scale, seed=0)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        stem = f"phantom_{scale}_{visits}v"
        for name, value, unit in (
            (f"{stem}_wall_s", wall, "s"),
            (f"{stem}_cpu_s", cpu, "s"),
            (f"{stem}_disk_mb", disk_mb(out), "MB"),
        ):
            print(
                json.dumps(
                    {
                        "name": name,
                        "value": round(value, 2),
                        "unit": unit,
                        "peer": None,
                        "peer_value": None,
                    }
                ),
                flush=True,
            )


def main(argv: list[str]) -> None:
    cases = CASES + ([("full", 1)] if "--full" in argv else [])
    for scale, visits in cases:
        measure(scale, visits)


if __name__ == "__main__":
    main(sys.argv[1:])
