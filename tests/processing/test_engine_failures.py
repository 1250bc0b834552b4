"""Failure isolation and cancellation: a failing job fails alone, with its cause."""

from __future__ import annotations

import test_engine_jobs as jobs

from processing.engine import Graph, Job, run
from processing.engine.status import DONE
from processing.progress import Progress


def test_a_corrupt_visit_fails_alone_with_its_cause(tmp_path):
    jobs.make_raw(tmp_path)
    corrupt = tmp_path / "raw" / "v1" / "a.txt"
    corrupt.write_text("CORRUPT header\n")
    summary = run(jobs.study_graph(tmp_path), jobs.cache_for(tmp_path))
    assert summary.failed == ["maps-v1"]
    assert (
        summary.reasons["maps-v1"]
        == f"{corrupt}: this file is corrupt. Fix: export it again from the scanner."
    )
    assert sorted(summary.skipped) == ["reg-v1", "resample-v1", "summary"]
    assert summary.reasons["summary"] == "needs 'maps-v1', which failed"
    assert sorted(summary.done) == ["maps-v0", "maps-v2", "reg-v2", "resample-v2"]
    assert (
        summary.exit_status == 2 and not summary.ok
    )  # 2: refused input (a FerretError), not a crash
    assert summary.refused == ["maps-v1"]
    assert (
        "FAILED  maps-v1: " in summary.text()
        and "SKIPPED summary: needs 'maps-v1'" in summary.text()
    )
    assert not (tmp_path / "derivatives" / "maps-v1.txt").exists()

    corrupt.write_text("echo a of visit 1\n")  # the user re-exports the file
    jobs.clear_calls(tmp_path)
    summary = run(jobs.study_graph(tmp_path), jobs.cache_for(tmp_path))
    assert summary.ok and jobs.calls_made(tmp_path) == [
        "maps-v1",
        "reg-v1",
        "resample-v1",
        "summary",
    ]


def test_a_missing_raw_input_fails_only_its_job(tmp_path):
    jobs.make_raw(tmp_path)
    missing = tmp_path / "raw" / "v2" / "b.txt"
    missing.unlink()
    summary = run(jobs.study_graph(tmp_path), jobs.cache_for(tmp_path))
    assert summary.failed == ["maps-v2"]
    assert summary.reasons["maps-v2"].startswith(f"{missing}: input of job 'maps-v2' not found.")
    assert "maps-v2" not in jobs.calls_made(tmp_path)
    assert "resample-v1" in summary.done


def test_unexpected_exceptions_and_missing_outputs_are_reported(tmp_path):
    bad = Job(
        "bad",
        jobs.combine,
        inputs=[],
        outputs=[tmp_path / "o.txt"],
        params=dict(
            label="bad", inputs=[tmp_path], output=tmp_path / "o.txt", calls=tmp_path / "calls"
        ),
    )
    lazy = Job(
        "lazy",
        jobs.forgetful,
        outputs=[tmp_path / "p.txt"],
        params=dict(label="lazy", output=tmp_path / "p.txt", calls=tmp_path / "calls"),
    )
    summary = run(Graph([bad, lazy]), jobs.cache_for(tmp_path))
    assert summary.reasons["bad"].startswith("IsADirectoryError: ")
    assert "finished without writing 1 of its outputs" in summary.reasons["lazy"]
    assert jobs.cache_for(tmp_path).load(lazy) is None
    assert (
        summary.exit_status == 1 and summary.refused == []
    )  # Ferret's faults, not the user's input


def test_cancelling_stops_scheduling_and_keeps_finished_work(tmp_path):
    jobs.make_raw(tmp_path)
    progress = Progress()

    def cancel_after_two(status, job):
        if status.count(DONE) == 2:
            progress.cancel()

    summary = run(
        jobs.study_graph(tmp_path),
        jobs.cache_for(tmp_path),
        progress=progress,
        listeners=[cancel_after_two],
    )
    assert len(summary.done) == 2 and len(summary.cancelled) == 6
    assert summary.exit_status == 130
    jobs.clear_calls(tmp_path)
    summary = run(jobs.study_graph(tmp_path), jobs.cache_for(tmp_path))
    assert summary.ok and len(summary.cached) == 2 and len(jobs.calls_made(tmp_path)) == 6


def test_cancel_reaches_a_running_job(tmp_path, monkeypatch):
    jobs.make_raw(tmp_path)
    monkeypatch.setenv("FERRET_TEST_SLEEP", "30")
    progress = Progress()

    def cancel_when_slow_job_runs(status, job):
        if job is not None and job.name == "maps-v0" and job.state == "running":
            progress.cancel()

    graph = jobs.study_graph(tmp_path, slow="maps-v0")
    summary = run(
        graph, jobs.cache_for(tmp_path), progress=progress, listeners=[cancel_when_slow_job_runs]
    )
    assert "maps-v0" in summary.cancelled and summary.reasons["maps-v0"].startswith("cancelled")
    assert not (tmp_path / "derivatives" / "maps-v0.txt").exists()
    assert not list((tmp_path / "derivatives").glob(".*part*"))
