"""Cache: nothing reruns when nothing changed; a change reruns exactly what depends on it."""

from __future__ import annotations

import os
from pathlib import Path

import test_engine_jobs as jobs

from processing.engine import run

ALL = ["maps-v0", "maps-v1", "maps-v2", "reg-v1", "reg-v2", "resample-v1", "resample-v2", "summary"]


def first_run(root: Path, **graph_options):
    jobs.make_raw(root)
    summary = run(jobs.study_graph(root, **graph_options), jobs.cache_for(root))
    assert summary.ok and sorted(summary.done) == ALL
    assert jobs.calls_made(root) == ALL
    jobs.clear_calls(root)


def rerun(root: Path, **graph_options):
    summary = run(jobs.study_graph(root, **graph_options), jobs.cache_for(root))
    ran = jobs.calls_made(root)
    jobs.clear_calls(root)
    return summary, ran


def test_second_run_calls_no_job(tmp_path):
    first_run(tmp_path)
    before = jobs.output_bytes(tmp_path)
    summary, ran = rerun(tmp_path)
    assert ran == [] and summary.done == [] and sorted(summary.cached) == ALL
    assert jobs.output_bytes(tmp_path) == before


def test_changing_one_input_reruns_exactly_its_dependants(tmp_path):
    first_run(tmp_path)
    (tmp_path / "raw" / "v1" / "b.txt").write_text("echo b of visit 1, re-exported\n")
    summary, ran = rerun(tmp_path)
    assert ran == ["maps-v1", "reg-v1", "resample-v1", "summary"]
    assert sorted(summary.done) == ran
    changed_reference = tmp_path / "raw" / "v0" / "a.txt"
    changed_reference.write_text("echo a of visit 0, re-exported\n")
    summary, ran = rerun(tmp_path)
    assert ran == ["maps-v0", "reg-v1", "reg-v2", "resample-v1", "resample-v2", "summary"]


def test_touching_without_changing_content_reruns_nothing(tmp_path):
    first_run(tmp_path)
    raw = tmp_path / "raw" / "v2" / "a.txt"
    os.utime(raw, ns=(raw.stat().st_atime_ns, raw.stat().st_mtime_ns + 5_000_000_000))
    summary, ran = rerun(tmp_path)
    assert ran == [] and len(summary.cached) == len(ALL)
    manifest = jobs.cache_for(tmp_path).load(jobs.study_graph(tmp_path)["maps-v2"])
    assert (
        manifest["inputs"]["<root>/raw/v2/a.txt"][1] == raw.stat().st_mtime_ns
    )  # fast path refreshed


def test_changing_a_parameter_reruns_that_job_and_its_dependants(tmp_path):
    first_run(tmp_path)
    summary, ran = rerun(tmp_path, scale=2)
    assert ran == ALL  # scale is a parameter of every maps job, so everything downstream reruns
    assert (tmp_path / "derivatives" / "maps-v0.txt").read_text().startswith("maps-v0 x2 ")
    summary, ran = rerun(tmp_path, scale=2)
    assert ran == []


def test_a_deleted_output_reruns_its_job_and_identical_bytes_stop_there(tmp_path):
    first_run(tmp_path)
    before = jobs.output_bytes(tmp_path)
    (tmp_path / "derivatives" / "reg-v2.txt").unlink()
    summary, ran = rerun(tmp_path)
    assert ran == ["reg-v2"]  # rewritten with the same bytes, so resample-v2 is still up to date
    assert jobs.output_bytes(tmp_path) == before


def test_a_hand_edited_output_is_recomputed(tmp_path):
    first_run(tmp_path)
    (tmp_path / "derivatives" / "maps-v2.txt").write_text("edited by hand\n")
    summary, ran = rerun(tmp_path)
    assert ran == ["maps-v2"]
    assert (tmp_path / "derivatives" / "maps-v2.txt").read_text().startswith("maps-v2 x1 ")


def test_a_new_function_version_reruns_the_job(tmp_path, monkeypatch):
    first_run(tmp_path)
    monkeypatch.setattr(jobs.combine, "engine_version", "2", raising=False)
    summary, ran = rerun(tmp_path)
    assert ran == ALL


def test_targets_run_only_what_they_need(tmp_path):
    jobs.make_raw(tmp_path)
    summary = run(jobs.study_graph(tmp_path), jobs.cache_for(tmp_path), targets=["reg-v2"])
    assert sorted(summary.done) == ["maps-v0", "maps-v2", "reg-v2"]
    assert not (tmp_path / "derivatives" / "summary.txt").exists()
