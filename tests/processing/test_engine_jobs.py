"""Small real jobs and graphs for the engine tests (no tests of its own).

The engine tests import this module by its plain name (its folder is put on
``sys.path``) so that worker processes and Dask workers can import the job
functions too. Each call leaves a marker file in ``<root>/calls/`` so a test
can tell exactly which jobs ran.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import uuid
from pathlib import Path

from processing.engine import Cache, Graph, Job
from processing.errors import FerretError
from processing.fileio import atomic_path, write_text

HERE = Path(__file__).resolve().parent


def combine(
    *, label: str, inputs: list[Path], output: Path, calls: Path, scale: int = 1, progress
) -> None:
    """Write ``label``, ``scale`` and the SHA-256 of the inputs' bytes; fail on a corrupt input."""
    _mark_call(calls, label)
    digest = hashlib.sha256()
    for index, path in enumerate(inputs):
        data = Path(path).read_bytes()
        if data.startswith(b"CORRUPT"):
            raise FerretError("this file is corrupt.", path, "export it again from the scanner.")
        digest.update(data)
        progress.update((index + 1) / (len(inputs) + 1), f"read {Path(path).name}")
        progress.check()
    write_text(output, f"{label} x{scale} {digest.hexdigest()}\n")


def slow_combine(*, label: str, inputs: list[Path], output: Path, calls: Path, progress) -> None:
    """Like :func:`combine`, but sleeps ``$FERRET_TEST_SLEEP`` seconds halfway through its write."""
    _mark_call(calls, label)
    (calls / f"{label}.started").touch()
    digest = hashlib.sha256(b"".join(Path(p).read_bytes() for p in inputs)).hexdigest()
    text = f"{label} slow {digest}\n"
    with atomic_path(output) as tmp:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text[: len(text) // 2])
            handle.flush()
            _sleep(float(os.environ.get("FERRET_TEST_SLEEP", "0")), progress)
            handle.write(text[len(text) // 2 :])


def forgetful(*, label: str, output: Path, calls: Path, progress) -> None:
    """Declare an output but never write it (a buggy step)."""
    _mark_call(calls, label)


def crash(*, label: str, output: Path, calls: Path, progress) -> None:
    """Kill this worker process, as a segfault or the out-of-memory killer would."""
    import signal

    _mark_call(calls, label)
    _wait_for_another_call(calls, label)  # the other worker's job, which must not be lost
    os.kill(os.getpid(), signal.SIGKILL)


def stubborn(*, label: str, output: Path, calls: Path, seconds: float, progress) -> None:
    """Sleep ``seconds`` without looking at the cancel flag (a long C call), then write."""
    _mark_call(calls, label)
    time.sleep(seconds)
    write_text(output, f"{label} after {seconds} s\n")


def _wait_for_another_call(calls: Path, label: str, seconds: float = 30) -> None:
    """Return once a job other than ``label`` has started (or after ``seconds``: never hang)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(not p.name.startswith(f"{label}.") for p in calls.glob("*.call")):
            return
        time.sleep(0.01)


def _sleep(seconds: float, progress) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        progress.check()
        time.sleep(0.02)


def _mark_call(calls: Path, label: str) -> None:
    calls.mkdir(parents=True, exist_ok=True)
    (calls / f"{label}.{uuid.uuid4().hex}.call").touch()


def calls_made(root: Path) -> list[str]:
    """Labels of the jobs that ran since the last :func:`clear_calls`, sorted."""
    folder = root / "calls"
    return sorted(p.name.split(".")[0] for p in folder.glob("*.call")) if folder.exists() else []


def clear_calls(root: Path) -> None:
    for path in (root / "calls").glob("*.call"):
        path.unlink()


def make_raw(root: Path, visits: int = 3) -> None:
    """Raw input files: ``raw/v<i>/a.txt`` and ``b.txt`` per visit."""
    for visit in range(visits):
        folder = root / "raw" / f"v{visit}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "a.txt").write_text(f"echo a of visit {visit}\n")
        (folder / "b.txt").write_text(f"echo b of visit {visit}\n")


def study_graph(root: Path, visits: int = 3, scale: int = 1, slow: str | None = None) -> Graph:
    """Return a small longitudinal pipeline: per visit maps -> registration to v0 -> resampled; one summary.

    ``slow`` names a job that uses :func:`slow_combine`.
    """
    out, calls = root / "derivatives", root / "calls"
    jobs = []

    def add(label: str, inputs: list[Path], **params) -> Path:
        output = out / f"{label}.txt"
        func = slow_combine if label == slow else combine
        params = {k: v for k, v in params.items() if func is combine}
        jobs.append(
            Job(
                label,
                func,
                inputs=inputs,
                outputs=[output],
                params=dict(label=label, inputs=inputs, output=output, calls=calls, **params),
            )
        )
        return output

    maps = [
        add(
            f"maps-v{v}",
            [root / "raw" / f"v{v}" / "a.txt", root / "raw" / f"v{v}" / "b.txt"],
            scale=scale,
        )
        for v in range(visits)
    ]
    resampled = [maps[0]]
    for visit in range(1, visits):
        xfm = add(f"reg-v{visit}", [maps[visit], maps[0]])
        resampled.append(add(f"resample-v{visit}", [maps[visit], xfm]))
    add("summary", resampled)
    return Graph(jobs)


def cache_for(root: Path) -> Cache:
    """Return the test cache: manifests in ``<root>/cache``, paths relative to ``root``."""
    return Cache(root / "cache", root=root)


def output_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``derivatives`` (temporaries included) by relative path."""
    folder = root / "derivatives"
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def main(root: str, jobs: str) -> None:
    """Run the study graph (used by the kill -9 test as a separate process)."""
    from processing.engine import make_executor, run

    root_path = Path(root)
    summary = run(
        study_graph(root_path, slow="resample-v2"), cache_for(root_path), make_executor(int(jobs))
    )
    print(summary.text())


if __name__ == "__main__":
    main(*sys.argv[1:])
