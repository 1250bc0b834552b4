"""Executors: a process pool and a local Dask cluster give the serial run's outputs, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_engine_jobs as jobs

from processing.engine import ProcessExecutor, SerialExecutor, run
from processing.engine.status import RUNNING
from processing.progress import Progress


def run_with(root: Path, executor, corrupt: bool = True, **options):
    """Run the study graph (visit 1 corrupt) and return (summary, outputs, calls, messages seen)."""
    jobs.make_raw(root)
    if corrupt:
        (root / "raw" / "v1" / "a.txt").write_text("CORRUPT\n")
    messages = set()

    def listen(status, job):
        if job is not None and job.state == RUNNING and job.message:
            messages.add((job.name, job.message))

    summary = run(
        jobs.study_graph(root, **options), jobs.cache_for(root), executor, listeners=[listen]
    )
    return summary, jobs.output_bytes(root), jobs.calls_made(root), messages


def outcome(summary, root: Path):
    """Done, failed, skipped and the reasons with ``root`` written as ``<root>``."""
    reasons = {name: text.replace(str(root), "<root>") for name, text in summary.reasons.items()}
    return sorted(summary.done), sorted(summary.failed), sorted(summary.skipped), reasons


def test_process_pool_equals_serial(tmp_path):
    serial = run_with(tmp_path / "serial", SerialExecutor())
    pooled = run_with(tmp_path / "pool", ProcessExecutor(2))
    assert outcome(pooled[0], tmp_path / "pool") == outcome(serial[0], tmp_path / "serial")
    assert serial[0].failed == ["maps-v1"]
    assert pooled[1] == serial[1] and len(serial[1]) == 4
    assert pooled[2] == serial[2]
    assert ("maps-v0", "read a.txt") in pooled[3]  # progress forwarded from the worker processes


def test_cancel_reaches_a_job_sleeping_in_a_worker_process(tmp_path, monkeypatch):
    monkeypatch.setenv("FERRET_TEST_SLEEP", "60")
    progress = Progress()

    def cancel_once_started(status, job):
        if (tmp_path / "calls" / "maps-v2.started").exists():
            progress.cancel()

    jobs.make_raw(tmp_path)
    summary = run(
        jobs.study_graph(tmp_path, slow="maps-v2"),
        jobs.cache_for(tmp_path),
        ProcessExecutor(2),
        progress=progress,
        listeners=[cancel_once_started],
    )
    assert "maps-v2" in summary.cancelled
    assert summary.reasons["maps-v2"].startswith("cancelled")
    assert not (tmp_path / "derivatives" / "maps-v2.txt").exists()
    assert summary.exit_status == 130


@pytest.mark.slow  # starting a local Dask cluster takes 2-12 s depending on the machine's load
def test_local_dask_cluster_equals_local_executor(tmp_path):
    pytest.importorskip(
        "distributed", reason="Dask is an optional extra: pip install 'ferret[dask]'"
    )
    from processing.engine.dask_executor import DaskExecutor

    local = run_with(tmp_path / "local", ProcessExecutor(2))
    dask = run_with(tmp_path / "dask", DaskExecutor(n_workers=2))
    assert outcome(dask[0], tmp_path / "dask") == outcome(local[0], tmp_path / "local")
    assert dask[1] == local[1] and dask[2] == local[2]
    assert ("maps-v0", "read a.txt") in dask[3]


def test_a_job_that_kills_its_worker_fails_alone(tmp_path):
    from processing.engine import Graph, Job

    jobs.make_raw(tmp_path)
    output = tmp_path / "derivatives" / "crash.txt"
    crasher = Job(
        "crash",
        jobs.crash,
        outputs=[output],
        params=dict(label="crash", output=output, calls=tmp_path / "calls"),
    )
    graph = Graph([crasher, *jobs.study_graph(tmp_path)])
    summary = run(graph, jobs.cache_for(tmp_path), ProcessExecutor(2))
    assert summary.failed == ["crash"] and len(summary.done) == 8
    assert summary.reasons["crash"].startswith("the worker process died while running this job")
    assert jobs.calls_made(tmp_path).count("crash") == 2  # tried, then retried alone
