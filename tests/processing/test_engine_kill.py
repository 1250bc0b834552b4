"""kill -9 in the middle of a run, then rerun: outputs identical to a clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import test_engine_jobs as jobs

from processing.engine import run

SLOW = "resample-v2"


def start_run_in_a_process_group(root: Path) -> subprocess.Popen:
    """``python test_engine_jobs.py ROOT 2``: the study graph on 2 workers, the slow job sleeping."""
    env = dict(os.environ, FERRET_TEST_SLEEP="120")
    return subprocess.Popen(
        [sys.executable, jobs.__file__, str(root), "2"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(
                f"the run ended before {path.name} appeared: {process.stderr.read().decode()}"
            )
        if time.monotonic() > end:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"{path.name} did not appear within {seconds} s")
        time.sleep(0.05)


def half_written(derivatives: Path) -> bool:
    """Whether the slow job's hidden temporary holds the first half of its text."""
    return any(p.read_text().startswith(SLOW) for p in derivatives.glob(f".{SLOW}.*.part.txt"))


def test_kill_9_mid_run_then_rerun_matches_a_clean_run(tmp_path, monkeypatch, wait_until):
    monkeypatch.setenv("FERRET_TEST_SLEEP", "0")
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    jobs.make_raw(clean)
    assert run(jobs.study_graph(clean, slow=SLOW), jobs.cache_for(clean)).ok

    jobs.make_raw(killed)
    process = start_run_in_a_process_group(killed)
    wait_for(killed / "calls" / f"{SLOW}.started", process)
    wait_until(
        lambda: half_written(killed / "derivatives"), message="the slow job's half-written output"
    )  # the slow job is now inside its atomic write, half the text written and flushed
    os.killpg(process.pid, signal.SIGKILL)  # the runner and its worker processes, like a power cut
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    derivatives = killed / "derivatives"
    assert not (derivatives / f"{SLOW}.txt").exists() and not (derivatives / "summary.txt").exists()
    leftovers = list(derivatives.glob(f".{SLOW}.*.part.txt"))
    assert len(leftovers) == 1 and leftovers[0].read_text().startswith(
        SLOW
    )  # half-written, hidden name
    cache = jobs.cache_for(killed)
    graph = jobs.study_graph(killed, slow=SLOW)
    assert cache.load(graph[SLOW]) is None and cache.load(graph["maps-v0"]) is not None

    jobs.clear_calls(killed)
    summary = run(graph, cache)
    assert summary.ok
    assert {SLOW, "summary"} <= set(jobs.calls_made(killed)) <= {SLOW, "summary", "resample-v1"}
    assert jobs.output_bytes(killed) == jobs.output_bytes(
        clean
    )  # temporaries gone, bytes identical


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False


@pytest.mark.slow  # the orphaned workers take seconds to notice
def test_workers_die_with_a_killed_runner(tmp_path, monkeypatch):
    """Kill -9 of the runner alone (not its process group): its worker processes must not live on."""
    jobs.make_raw(tmp_path)
    process = start_run_in_a_process_group(tmp_path)
    wait_for(tmp_path / "calls" / f"{SLOW}.started", process)  # a worker is inside a 120 s job
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 60  # a bound for a hang, not a speed measurement
    while group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    survivors = group_alive(process.pid)
    if survivors:
        os.killpg(process.pid, signal.SIGKILL)
    assert not survivors, "worker processes outlived the killed runner"
