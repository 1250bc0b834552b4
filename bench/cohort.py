"""A cohort on the local process pool and on Dask, and what 54 participants x 10 visits would take on N workers.

1. **Measured.** A phantom study of several tiny participants (``--participants 3
   --visits 3 --scale tiny``) processed end to end from the raw study twice: on
   the local process pool and on a local Dask cluster with the same worker
   count (``--workers 2``). Figures: wall seconds of each, the per-job overhead
   (``(wall x workers - sum of job seconds) / jobs``: scheduling, pickling,
   cache checks and digests), and whether both runs wrote the same outputs
   (every derivative's SHA-256, the engine's own cache folder aside).
2. **Projected.** From measured per-kind job durations (``--durations FILE``,
   e.g. ``derivatives/ferret/.ferret-cache/durations.json`` of a full-scale run
   of ``bench/pipeline.py --keep``; by default the durations of run 1) and the
   job graph of one participant of ``--project-visits`` visits (the measured
   phantom participant's graph structure), the cohort of ``--project-participants``
   participants is list-scheduled on N workers (longest remaining path first,
   as a Dask scheduler roughly does; no transfer costs): per N, the makespan,
   the critical path of one participant (the lower bound however many
   workers), and the total work. Printed as JSON lines and as a table.

Run: ``python bench/cohort.py [--participants 3] [--visits 3] [--workers 2]
[--durations FILE] [--project-participants 54] [--project-visits 10]
[--project-workers 2,8,16,32,64,128] [--no-dask]``.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from candidates import emit  # noqa: E402


def output_digests(root: Path) -> dict[str, str]:
    """SHA-256 of every derivative file, the engine's cache, locks and logs aside."""
    from processing.engine.cache import CACHE_DIRNAME

    base = root / "derivatives"
    digests = {}
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(base).as_posix()
        if path.is_file() and CACHE_DIRNAME not in relative and ".ferret-run" not in relative:
            digests[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def differing_keys(first: Path, second: Path, names: list[str]) -> set[str]:
    """Top-level keys whose values differ between the two studies' copies of these JSON sidecars."""
    keys: set[str] = set()
    for name in names:
        try:
            a, b = (json.loads((r / "derivatives" / name).read_text()) for r in (first, second))
        except (OSError, ValueError):
            keys.add("<unreadable or missing>")
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            keys |= {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
    return keys


def timed_run(raw: Path, executor) -> tuple[Path, float, dict[str, float]]:
    """Process a fresh copy of ``raw`` on ``executor``; return the copy, the seconds and per-job seconds."""
    from processing.engine import Cache, run
    from processing.engine.pipeline import study_graph
    from processing.study import discover

    root = Path(tempfile.mkdtemp(prefix="ferret-bench-cohort-")) / "study"
    shutil.copytree(raw, root)
    start = time.perf_counter()
    graph = study_graph(discover(root))
    seconds: dict[str, float] = {}

    def listen(status, job) -> None:
        if job is not None and job.state == "done" and job.seconds:
            seconds[job.name] = job.seconds

    summary = run(graph, Cache.for_study(root), executor, listeners=[listen])
    wall = time.perf_counter() - start
    if not summary.ok:
        raise SystemExit(f"the run failed: {summary.text()}")
    return root, wall, seconds


def measure(args) -> dict[str, float]:
    """Run the cohort on both executors; print the figures; return per-kind mean seconds of run 1."""
    from processing.engine import ProcessExecutor
    from processing.engine.durations import job_kind
    from processing.phantom import make_phantom_study

    raw = Path(tempfile.mkdtemp(prefix="ferret-bench-cohort-raw-")) / "study"
    make_phantom_study(
        raw, participants=args.participants, visits=args.visits, scale=args.scale, seed=2
    )
    label = f"{args.participants} participants x {args.visits} visits ({args.scale})"
    local, local_wall, local_jobs = timed_run(raw, ProcessExecutor(args.workers))
    overhead = (local_wall * args.workers - sum(local_jobs.values())) / max(len(local_jobs), 1)
    emit(f"cohort {label}, {args.workers} local processes: wall", round(local_wall, 1), "s")
    emit(f"cohort {label}, local processes: per-job overhead", round(overhead, 3), "s")
    if not args.no_dask:
        from processing.engine.dask_executor import DaskExecutor

        dask, dask_wall, dask_jobs = timed_run(raw, DaskExecutor(n_workers=args.workers))
        dask_overhead = (dask_wall * args.workers - sum(dask_jobs.values())) / max(
            len(dask_jobs), 1
        )
        emit(
            f"cohort {label}, local Dask cluster of {args.workers}: wall (startup included)",
            round(dask_wall, 1),
            "s",
            f"{args.workers} local processes",
            round(local_wall, 1),
        )
        emit(
            f"cohort {label}, Dask: per-job overhead",
            round(dask_overhead, 3),
            "s",
            "local processes",
            round(overhead, 3),
        )
        ours, theirs = output_digests(local), output_digests(dask)
        differ = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
        data = [k for k in differ if not k.endswith(".json")]
        sidecars = [k for k in differ if k.endswith(".json")]
        emit(
            "cohort images, transforms and tables differing between local processes and Dask",
            len(data),
            "files",
            compared=sum(not k.endswith(".json") for k in ours),
            first=data[:5],
        )
        emit(
            "cohort JSON sidecars differing (provenance: times, host, seconds)",
            len(sidecars),
            "files",
            keys=sorted(differing_keys(local, dask, sidecars[:50])),
        )
        shutil.rmtree(dask.parent, ignore_errors=True)
    shutil.rmtree(local.parent, ignore_errors=True)
    shutil.rmtree(raw.parent, ignore_errors=True)
    kinds: dict[str, list[float]] = {}
    for name, seconds in local_jobs.items():
        kinds.setdefault(job_kind(name), []).append(seconds)
    return {kind: sum(v) / len(v) for kind, v in kinds.items()}


def participant_dag(visits: int) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Job kinds and dependencies of one tiny phantom participant of ``visits`` visits."""
    from processing.engine.durations import job_kind
    from processing.engine.pipeline import study_graph
    from processing.phantom import make_phantom_study
    from processing.study import discover

    folder = Path(tempfile.mkdtemp(prefix="ferret-bench-cohort-dag-"))
    try:
        root = make_phantom_study(folder / "study", visits=visits, scale="tiny", seed=3)
        graph = study_graph(discover(root))
        return {n: job_kind(n) for n in graph.order}, dict(graph.dependencies)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def longest_paths(kinds, dependencies, seconds) -> dict[str, float]:
    """Longest path from each job to the end of its participant's graph (its own time included)."""
    dependants: dict[str, set[str]] = {n: set() for n in kinds}
    for name, deps in dependencies.items():
        for dep in deps:
            dependants[dep].add(name)
    memo: dict[str, float] = {}
    for name in reversed(list(kinds)):  # kinds is in topological order
        memo[name] = seconds(name) + max((memo[d] for d in dependants[name]), default=0.0)
    return memo


def makespan(kinds, dependencies, seconds, participants: int, workers: int) -> float:
    """List-schedule ``participants`` copies of the graph on ``workers``; return the finishing time."""
    remaining = longest_paths(kinds, dependencies, seconds)
    waiting = {(p, n): len(dependencies[n]) for p in range(participants) for n in kinds}
    dependants: dict[str, list[str]] = {n: [] for n in kinds}
    for name, deps in dependencies.items():
        for dep in deps:
            dependants[dep].append(name)
    ready = [(-remaining[n], p, n) for (p, n), count in waiting.items() if count == 0]
    heapq.heapify(ready)
    running: list[tuple[float, int, str]] = []
    now, free = 0.0, workers
    while ready or running:
        while ready and free:
            _, p, n = heapq.heappop(ready)
            heapq.heappush(running, (now + seconds(n), p, n))
            free -= 1
        now, p, n = heapq.heappop(running)
        free += 1
        for child in dependants[n]:
            waiting[(p, child)] -= 1
            if waiting[(p, child)] == 0:
                heapq.heappush(ready, (-remaining[child], p, child))
    return now


def project(args, measured: dict[str, float]) -> None:
    """Print the cohort projection per worker count, as JSON lines and a table."""
    durations = measured
    source = "this run's tiny phantom"
    if args.durations:
        stored = json.loads(Path(args.durations).read_text())["kinds"]
        durations = {kind: float(v["seconds"]) for kind, v in stored.items()}
        source = args.durations
    kinds, dependencies = participant_dag(args.project_visits)
    unknown = sorted({k for k in kinds.values() if k not in durations})

    def seconds(name: str) -> float:
        return durations.get(kinds[name], 0.0)

    critical = max(longest_paths(kinds, dependencies, seconds).values())
    total = sum(seconds(n) for n in kinds) * args.project_participants
    cohort = f"{args.project_participants} participants x {args.project_visits} visits"
    emit(f"projection {cohort}: total work", round(total / 3600, 2), "h", durations=source)
    emit(f"projection {cohort}: critical path of one participant", round(critical / 60, 1), "min")
    if unknown:
        emit(
            "projection: job kinds without a measured duration (counted as 0 s)",
            len(unknown),
            "kinds",
            which=unknown,
        )
    rows = []
    for workers in [int(w) for w in args.project_workers.split(",")]:
        span = makespan(kinds, dependencies, seconds, args.project_participants, workers)
        rows.append((workers, span))
        emit(f"projection {cohort} on {workers} Dask workers: makespan", round(span / 3600, 2), "h")
    print(f"\n{cohort} ({len(kinds)} jobs each), durations from {source}", file=sys.stderr)
    print(f"{'workers':>8} {'makespan h':>11} {'efficiency':>10}", file=sys.stderr)
    for workers, span in rows:
        print(
            f"{workers:>8} {span / 3600:>11.2f} {total / (span * workers):>10.0%}", file=sys.stderr
        )


def main(argv: list[str]) -> None:
    """Parse the options; measure; project."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=3)
    parser.add_argument("--visits", type=int, default=3)
    parser.add_argument("--scale", default="tiny", choices=("tiny", "small"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--durations", help="a durations.json of measured per-kind seconds")
    parser.add_argument("--project-participants", type=int, default=54)
    parser.add_argument("--project-visits", type=int, default=10)
    parser.add_argument("--project-workers", default="2,8,16,32,64,128")
    parser.add_argument("--no-measure", action="store_true", help="only the projection")
    args = parser.parse_args(argv)
    measured = {} if args.no_measure else measure(args)
    if args.no_measure and not args.durations:
        raise SystemExit("--no-measure needs --durations FILE.")
    project(args, measured)


if __name__ == "__main__":
    main(sys.argv[1:])
