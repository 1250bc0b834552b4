"""The processing engine, as JSON lines: the real pipeline on a phantom participant, and its overhead.

Default: one phantom participant (10 visits, scale tiny unless ``--scale``)
through the real job graph (maps per visit and step, one job per registration link and a composition per visit,
resampling) end to end with 1 and 2 local worker processes, the cached rerun
(goal: under 2 s), and a local Dask cluster of 2 workers beside 2 local
processes. Each end-to-end run starts from the raw study (no derivatives).

``--synthetic``: the engine's own overhead on a synthetic study.
The synthetic graph mimics a study: participants x visits, each visit with five trivial
jobs (maps, registration to the first visit, resampling, time course, QC),
each reading and writing small files. Figures: cold run (serial, 2 local
processes, local Dask cluster of 2), cached rerun of everything and of one
participant (goal: under 2 s), and per-job overhead.

Usage: python bench/engine.py [--visits 10] [--scale tiny] [--no-dask]
       python bench/engine.py --synthetic [--participants 10] [--visits 10] [--raw-kb 256] [--no-dask]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
import time
from pathlib import Path

from processing.engine import Cache, Graph, Job, ProcessExecutor, SerialExecutor, run
from processing.fileio import write_text

STEPS = ("maps", "reg", "resample", "timecourse", "qc")


def step(*, inputs: list[Path], output: Path, step: str, progress) -> None:
    """Hash the inputs and write one line (a trivial job)."""
    digest = hashlib.sha256(step.encode())
    for path in inputs:
        digest.update(Path(path).read_bytes())
        progress.check()
    write_text(output, f"{step} {digest.hexdigest()}\n")


def make_raw(root: Path, participants: int, visits: int, raw_kb: int) -> None:
    payload = bytes(range(256)) * (raw_kb * 4)
    for p in range(participants):
        for v in range(visits):
            folder = root / f"sub-{p:02d}" / f"ses-{v:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "raw.bin").write_bytes(payload + f"{p} {v}".encode())


def visit_jobs(root: Path, p: int, v: int) -> list[Job]:
    raw = root / f"sub-{p:02d}" / f"ses-{v:02d}" / "raw.bin"
    out = root / "derivatives" / f"sub-{p:02d}" / f"ses-{v:02d}"
    first_maps = root / "derivatives" / f"sub-{p:02d}" / "ses-00" / "maps.txt"
    inputs = {
        "maps": [raw],
        "reg": [out / "maps.txt", first_maps],
        "resample": [out / "maps.txt", out / "reg.txt"],
        "timecourse": [out / "resample.txt"],
        "qc": [out / "maps.txt", out / "resample.txt"],
    }
    if v == 0:
        inputs["reg"] = [out / "maps.txt"]
    return [
        Job(
            f"{s} sub-{p:02d} ses-{v:02d}",
            step,
            inputs=inputs[s],
            outputs=[out / f"{s}.txt"],
            params={"inputs": inputs[s], "output": out / f"{s}.txt", "step": s},
        )
        for s in STEPS
    ]


def study_graph(root: Path, participants: int, visits: int) -> Graph:
    return Graph(
        job for p in range(participants) for v in range(visits) for job in visit_jobs(root, p, v)
    )


def timed_run(root: Path, graph: Graph, executor, **options) -> float:
    start = time.perf_counter()
    summary = run(
        graph, Cache(root / "derivatives" / ".ferret-cache", root=root), executor, **options
    )
    seconds = time.perf_counter() - start
    assert summary.ok, summary.text()
    return seconds


def emit(
    name: str, value: float, unit: str, peer: str | None = None, peer_value: float | None = None
) -> None:
    print(
        json.dumps(
            {
                "name": name,
                "value": round(value, 4),
                "unit": unit,
                "peer": peer,
                "peer_value": peer_value,
            }
        ),
        flush=True,
    )


def atomic_write_cost(count: int = 20) -> None:
    """Time the job's own share of a trivial job: one fsync'd atomic write of a small file."""
    root = Path(tempfile.mkdtemp(prefix="ferret-bench-engine-"))
    try:
        start = time.perf_counter()
        for index in range(count):
            write_text(root / f"{index}.txt", "x\n")
        emit(
            "atomic write of a small file (fsync of file and folder)",
            1000 * (time.perf_counter() - start) / count,
            "ms",
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def cold(label: str, args, make_executor) -> float:
    root = Path(tempfile.mkdtemp(prefix="ferret-bench-engine-"))
    try:
        make_raw(root, args.participants, args.visits, args.raw_kb)
        graph = study_graph(root, args.participants, args.visits)
        seconds = timed_run(root, graph, make_executor())
        emit(f"engine cold run, {len(graph)} jobs, {label}", seconds, "s")
        return seconds
    finally:
        shutil.rmtree(root, ignore_errors=True)


def cached(args) -> None:
    root = Path(tempfile.mkdtemp(prefix="ferret-bench-engine-"))
    try:
        make_raw(root, args.participants, args.visits, args.raw_kb)
        graph = study_graph(root, args.participants, args.visits)
        serial = timed_run(root, graph, SerialExecutor())
        emit(f"engine cold run, {len(graph)} jobs, serial", serial, "s")
        emit(
            "engine time per trivial job, serial (includes the job's own fsync'd write)",
            1000 * serial / len(graph),
            "ms",
        )
        emit(
            f"engine cached rerun, {len(graph)} jobs", timed_run(root, graph, SerialExecutor()), "s"
        )
        one = [j.name for j in graph if "sub-00 " in j.name]
        emit(
            f"engine cached rerun, one participant ({len(one)} jobs)",
            timed_run(root, graph, SerialExecutor(), targets=one),
            "s",
            "goal",
            2.0,
        )
        for path in root.glob("sub-*/ses-*/raw.bin"):  # touched, same content: hashed again once
            path.touch()
        emit(
            f"engine rerun after touching all {args.participants * args.visits} raw files (re-hash)",
            timed_run(root, graph, SerialExecutor()),
            "s",
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def pipeline_run(raw: Path, label: str, executor) -> tuple[Path, float]:
    """Copy the raw study, process it end to end on ``executor``; return the copy and the seconds."""
    from processing.engine.pipeline import study_graph
    from processing.study import discover

    root = Path(tempfile.mkdtemp(prefix="ferret-bench-pipeline-")) / "study"
    shutil.copytree(raw, root)
    start = time.perf_counter()
    graph = study_graph(discover(root))
    summary = run(graph, Cache.for_study(root), executor)
    seconds = time.perf_counter() - start
    assert summary.ok, summary.text()
    return root, seconds


def real_pipeline(args) -> None:
    """Time the real pipeline on one phantom participant: 1 and 2 workers, cached rerun, local Dask."""
    from processing.engine.pipeline import study_graph
    from processing.phantom import make_phantom_study
    from processing.study import discover

    raw = Path(tempfile.mkdtemp(prefix="ferret-bench-raw-")) / "study"
    start = time.perf_counter()
    make_phantom_study(raw, visits=args.visits, scale=args.scale, seed=1)
    emit(
        f"phantom participant, {args.visits} visits, scale {args.scale}: generation",
        time.perf_counter() - start,
        "s",
    )
    jobs = len(study_graph(discover(raw)))
    kept, serial = pipeline_run(raw, "1 worker", SerialExecutor())
    emit(f"pipeline end to end, {jobs} jobs, 1 worker (serial)", serial, "s")
    start = time.perf_counter()
    summary = run(study_graph(discover(kept)), Cache.for_study(kept), SerialExecutor())
    assert not summary.done, summary.text()
    emit(
        f"pipeline cached rerun, {jobs} jobs (discovery, graph, checks)",
        time.perf_counter() - start,
        "s",
        "goal",
        2.0,
    )
    shutil.rmtree(kept.parent, ignore_errors=True)
    root, two = pipeline_run(raw, "2 workers", ProcessExecutor(2))
    shutil.rmtree(root.parent, ignore_errors=True)
    emit(
        f"pipeline end to end, {jobs} jobs, 2 local worker processes",
        two,
        "s",
        "1 worker",
        round(serial, 2),
    )
    if not args.no_dask:
        from processing.engine.dask_executor import DaskExecutor

        root, dask = pipeline_run(raw, "dask", DaskExecutor(n_workers=2))
        shutil.rmtree(root.parent, ignore_errors=True)
        emit(
            f"pipeline end to end, {jobs} jobs, local Dask cluster of 2 (startup included)",
            dask,
            "s",
            "2 local worker processes",
            round(two, 2),
        )
    shutil.rmtree(raw.parent, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--synthetic", action="store_true", help="engine overhead on a synthetic study"
    )
    parser.add_argument("--participants", type=int, default=10)
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--scale", default="tiny", choices=("tiny", "small"))
    parser.add_argument("--raw-kb", type=int, default=256)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    if not args.synthetic:
        real_pipeline(args)
        return
    atomic_write_cost()
    cached(args)
    cold("2 local processes", args, lambda: ProcessExecutor(2))
    if not args.no_dask:
        try:
            from processing.engine.dask_executor import DaskExecutor

            cold(
                "local Dask cluster of 2 (startup included)",
                args,
                lambda: DaskExecutor(n_workers=2),
            )
        except Exception as exc:  # Dask absent: say so in the output instead of a figure
            print(json.dumps({"name": "engine Dask run skipped", "reason": str(exc)}))


if __name__ == "__main__":
    main()
