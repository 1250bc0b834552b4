"""Where a participant's processing time goes: per step wall, CPU, peak memory and profile, then end to end.

One phantom participant (``make_phantom_study``, ``--scale full`` by default:
MP2RAGE and FLAIR at 0.85 mm, GRE 0.8x0.8x2 mm with 6 echoes, spin echo
0.36x0.36x3.3 mm, DWI 1.7 mm; ``--visits 10``, or 2 for a quick run) from raw
to every output of ``ferret process`` (maps by kind, each registration link,
composition, resampling, candidates).

**Per step** (``--profile``, default on): every job of the graph in order, each
in a fresh interpreter (so its peak RSS, ``VmHWM``, is its own and not the
parent's), under cProfile. Printed per job *kind* (``maps DWI``,
``register MESE``, ...; :func:`processing.engine.durations.job_kind`): the
count, wall and CPU seconds summed over the participant, the largest peak RSS,
and where the time goes (the functions with the most own time, summed over the
kind's jobs). Profiling slows pure-Python code a little; the end-to-end runs
below are not profiled.

**End to end** (``--jobs 1,2``): the real engine (:func:`processing.engine.run`)
on a fresh copy of the raw study with the local process pool of 1 and of 2
workers: wall seconds, the CPU seconds of the workers, their largest peak RSS.

One JSON object per line: ``name``, ``value``, ``unit``, ``peer``,
``peer_value`` (there is no peer for a whole pipeline; the per-step peers are
in ``bench/maps.py`` and ``bench/registration.py``) and per-kind extras
(``count``, ``top``).

Run: ``python bench/pipeline.py [--scale full|small|tiny] [--visits 10]
[--seed 1] [--raw DIR] [--jobs 1,2] [--no-profile] [--top 8] [--keep DIR]``. ``--raw``
reuses a phantom study folder (it is copied, never written to).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from candidates import emit, peak_rss_mb  # noqa: E402


def cpu_seconds(who=resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def own_time_by_function(profile: cProfile.Profile) -> dict[str, float]:
    """Own (exclusive) seconds per function ``file:line(name)``, shortened to the package path."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    times: dict[str, float] = {}
    for (filename, line, func), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        short = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        times[f"{short}:{line}({func})"] = own
    return times


def run_one_job(root: str, name: str) -> None:
    """Child: run one job of the study's graph under cProfile; print its figures as one JSON line."""
    from processing.engine.pipeline import study_graph
    from processing.progress import Progress
    from processing.study import discover

    job = study_graph(discover(root)).jobs[name]
    before_rss = peak_rss_mb()
    profile = cProfile.Profile()
    wall, cpu = time.perf_counter(), cpu_seconds()
    profile.enable()
    job.func(*job.args, **job.params, progress=Progress())
    profile.disable()
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    own = own_time_by_function(profile)
    top = dict(sorted(own.items(), key=lambda kv: -kv[1])[:40])
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": cpu,
                "peak_mb": peak_rss_mb(),
                "start_mb": before_rss,
                "top": top,
            }
        )
    )


def profile_steps(raw: Path, top: int) -> None:
    """Every job of the graph in order, each in its own interpreter; print the per-kind table."""
    from processing.engine.durations import job_kind
    from processing.engine.pipeline import study_graph
    from processing.study import discover

    work = Path(tempfile.mkdtemp(prefix="ferret-bench-profile-")) / "study"
    shutil.copytree(raw, work)
    try:
        graph = study_graph(discover(work))
        kinds: dict[str, dict] = defaultdict(
            lambda: {"count": 0, "wall": 0.0, "cpu": 0.0, "peak": 0.0, "own": defaultdict(float)}
        )
        for name in graph.order:
            done = subprocess.run(
                [sys.executable, __file__, "--one-job", name, "--root", str(work)],
                capture_output=True,
                text=True,
            )
            if done.returncode:
                emit(f"job failed: {name}", done.returncode, "rc", error=done.stderr[-2000:])
                continue
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            kind = kinds[job_kind(name)]
            kind["count"] += 1
            kind["wall"] += figures["wall"]
            kind["cpu"] += figures["cpu"]
            kind["peak"] = max(kind["peak"], figures["peak_mb"])
            for func, seconds in figures["top"].items():
                kind["own"][func] += seconds
        print_kinds(kinds, top)
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)


def print_kinds(kinds: dict[str, dict], top: int) -> None:
    """One line per job kind, the slowest first, then the participant's total."""
    total_wall = sum(k["wall"] for k in kinds.values())
    for kind, k in sorted(kinds.items(), key=lambda kv: -kv[1]["wall"]):
        hot = sorted(k["own"].items(), key=lambda kv: -kv[1])[:top]
        emit(
            f"step {kind}: wall",
            round(k["wall"], 2),
            "s",
            count=k["count"],
            cpu_s=round(k["cpu"], 2),
            peak_rss_mb=round(k["peak"]),
            share=round(k["wall"] / max(total_wall, 1e-9), 3),
            top={func: round(s, 2) for func, s in hot},
        )
    emit("steps total (serial, profiled, one interpreter per job)", round(total_wall, 1), "s")


def end_to_end(raw: Path, workers: int, keep: Path | None = None) -> None:
    """Run the real engine on a fresh copy of the raw study with ``workers`` local processes."""
    from processing.engine import Cache, ProcessExecutor, run
    from processing.engine.pipeline import study_graph
    from processing.study import discover

    work = Path(tempfile.mkdtemp(prefix="ferret-bench-e2e-")) / "study"
    if keep:
        work = keep / f"e2e-{workers}"
        shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(raw, work)
    try:
        children_cpu = cpu_seconds(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        graph = study_graph(discover(work))
        summary = run(graph, Cache.for_study(work), ProcessExecutor(workers))
        wall = time.perf_counter() - start
        if not summary.ok:
            emit(f"end to end, {workers} worker(s): failed", 1, "rc", summary=summary.text())
            return
        cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - children_cpu
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        emit(
            f"end to end, {len(graph)} jobs, {workers} worker(s): wall",
            round(wall, 1),
            "s",
            "goal (10 visits, 2 workers)",
            600,
            worker_cpu_s=round(cpu, 1),
            worker_peak_rss_mb=round(rss),
        )
    finally:
        if not keep:
            shutil.rmtree(work.parent, ignore_errors=True)


def main(argv: list[str]) -> None:
    """Parse the options; make or reuse the phantom; profile the steps; run end to end."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="full", choices=("tiny", "small", "full"))
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--raw", help="an existing phantom study to copy instead of making one")
    parser.add_argument("--jobs", default="1,2", help="worker counts of the end-to-end runs")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--keep", help="keep the end-to-end studies here (e2e-1, e2e-2)")
    parser.add_argument("--top", type=int, default=8, help="functions listed per step")
    parser.add_argument("--one-job", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_job:
        run_one_job(args.root, args.one_job)
        return
    made = None
    if args.raw:
        raw = Path(args.raw)
    else:
        from processing.phantom import make_phantom_study

        made = Path(tempfile.mkdtemp(prefix="ferret-bench-raw-"))
        start = time.perf_counter()
        raw = make_phantom_study(
            made / "study", visits=args.visits, scale=args.scale, seed=args.seed
        )
        emit(
            f"phantom {args.scale}, {args.visits} visits: generation",
            round(time.perf_counter() - start, 1),
            "s",
        )
    try:
        if not args.no_profile:
            profile_steps(raw, args.top)
        for workers in [int(w) for w in args.jobs.split(",") if w.strip()]:
            end_to_end(raw, workers, Path(args.keep) if args.keep else None)
    finally:
        if made:
            shutil.rmtree(made, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
