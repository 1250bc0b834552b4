"""Per-job claims: a claimed job is waited for and reused; two runs split one graph; ETA from history."""

from __future__ import annotations

import threading

import pytest
import test_engine_jobs as jobs

from processing.engine import run
from processing.engine.claims import ClaimBook
from processing.engine.digest import digest_file
from processing.engine.durations import Durations, job_kind
from processing.engine.status import CACHED, DONE, PENDING, RUNNING, RunStatus
from processing.progress import Progress


@pytest.fixture
def root(tmp_path):
    jobs.make_raw(tmp_path)
    return tmp_path


def test_a_claim_is_exclusive_names_its_holder_and_leaves_no_file(root):
    graph, book = jobs.study_graph(root), ClaimBook(jobs.cache_for(root))
    job = graph["maps-v0"]
    claim = book.try_claim(job)
    assert claim is not None and book.try_claim(job) is None  # even from this process
    assert book.holder(job).startswith("pid ")
    assert book.try_claim(graph["maps-v1"]) is not None  # other jobs are free
    claim.release()
    assert not book.path(job).exists()
    again = book.try_claim(job)
    assert again is not None
    again.release()


def test_a_job_claimed_by_another_run_is_waited_for_and_reused(root):
    graph, cache = jobs.study_graph(root, visits=1), jobs.cache_for(root)
    job = graph["maps-v0"]
    held = ClaimBook(cache).try_claim(job)  # "another run" is computing maps-v0
    reasons: dict[str, list[str]] = {PENDING: [], CACHED: []}
    waiting, result = threading.Event(), {}

    def listen(status, changed):
        if changed is not None and changed.name == job.name and changed.state in reasons:
            reasons[changed.state].append(changed.reason)
            waiting.set()

    thread = threading.Thread(
        target=lambda: result.setdefault("summary", run(graph, cache, listeners=[listen]))
    )
    thread.start()
    assert waiting.wait(30)
    job.func(*job.args, **job.params, progress=Progress())  # the other run computes it ...
    cache.record(job, cache.check(job).inputs, {p: digest_file(p) for p in job.outputs})
    held.release()  # ... and lets go once its manifest is written
    thread.join(60)
    assert "another run (pid " in reasons[PENDING][0]
    assert "waiting to reuse its output" in reasons[PENDING][0]
    assert reasons[CACHED] == ["reused: computed by another run on this study"]
    assert result["summary"].cached == ["maps-v0"] and result["summary"].done == ["summary"]
    assert jobs.calls_made(root) == ["maps-v0", "summary"]  # maps-v0 once: by the other run


def test_two_runs_split_one_graph_and_compute_each_job_once(root, monkeypatch):
    monkeypatch.setenv("FERRET_TEST_SLEEP", "0.5")  # maps-v1 takes a while: the runs overlap
    graphs = [jobs.study_graph(root, slow="maps-v1") for _ in range(2)]
    summaries: list = [None, None]

    def go(index: int) -> None:
        summaries[index] = run(graphs[index], jobs.cache_for(root))

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    done = [set(summary.done) for summary in summaries]
    assert not done[0] & done[1]
    assert done[0] | done[1] == set(graphs[0].order)
    assert jobs.calls_made(root) == sorted(graphs[0].order)  # each function called once
    assert all(summary.ok for summary in summaries)


def test_durations_are_kept_per_kind_and_drive_the_eta(root):
    assert job_kind("maps sub-01 ses-02 DWI") == "maps DWI"
    assert job_kind("timecourses sub-01 rater-A") == "timecourses"
    cache = jobs.cache_for(root)
    run(jobs.study_graph(root), cache)
    durations = Durations(cache.folder)
    assert durations.expected("maps-v0") is not None and durations.kinds["summary"]["count"] == 1
    status = RunStatus.for_names(["a", "b", "c"])
    status.expected, status.workers = {"a": 10.0, "b": 20.0}, 2
    assert status.eta(now=0.0) == pytest.approx((10 + 20 + 15) / 2)  # c: the mean of the others
    status.set("a", RUNNING, started=0.0)
    status.set("b", DONE, seconds=30.0)
    assert status.eta(now=4.0) == pytest.approx((6 + 30) / 2)  # c: this run's measured mean
    status.set("a", CACHED)
    assert status.eta(now=4.0) == pytest.approx(30 / 2)
