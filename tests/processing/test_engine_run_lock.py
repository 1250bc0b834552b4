"""Two runs on one study: the second shares the work (naming the first), waits for it, or is refused.

A killed holder frees the lock, and the next run says it took over a stale lock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.cli import main as ferret
from processing.engine.run_lock import StudyRunLock, run_lock_path
from processing.errors import Cancelled, FerretError
from processing.study.example import write_tiny_study

HOLD = """
import sys, time
from processing.engine.run_lock import StudyRunLock
with StudyRunLock(sys.argv[1], "a test holder"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@pytest.fixture
def study(tmp_path) -> Path:
    return write_tiny_study(tmp_path / "study", participants=1, visits=1)


HOLD_WITH_PROGRESS = """
import sys, time
from processing.engine import Cache
from processing.engine.run_lock import StudyRunLock
from processing.engine.run_record import RunRecord
from processing.engine.status import DONE, RunStatus
status = RunStatus.for_names([f"job {i}" for i in range(10)])
for i in range(3):
    status.set(f"job {i}", DONE, seconds=2.0)
with StudyRunLock(sys.argv[1], "ferret process"):
    RunRecord(Cache.for_study(sys.argv[1]).folder, "ferret process").write(status)
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold(study: Path, seconds: float, script: str = HOLD) -> subprocess.Popen:
    """Another process holding the study's run lock for ``seconds``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(study), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_process_run_shares_the_study_naming_the_first(study, capsys):
    holder = hold(study, 60)
    try:
        assert ferret(["process", str(study), "--steps", "maps"]) == 0
        err = capsys.readouterr().err
        assert f"another run is processing this study (a test holder by pid {holder.pid}" in err
        assert "sharing the work" in err
        assert (study / "derivatives" / "ferret" / "sub-01").is_dir()  # it did the work
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holder_is_reported_as_a_stale_lock_taken_over(study, capsys):
    holder = hold(study, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert run_lock_path(study).exists()  # the file stays, the lock is gone with its process
    assert ferret(["process", str(study), "--steps", "maps"]) == 0
    err = capsys.readouterr().err
    assert f"took over a stale run lock: a test holder by pid {holder.pid} on" in err
    assert "sharing the work" not in err
    assert ferret(["process", str(study), "--steps", "maps"]) == 0  # released cleanly: not stale
    assert "stale" not in capsys.readouterr().err


@pytest.mark.slow  # the holder keeps the lock for 3 s
def test_wait_runs_after_the_holder_finishes(study, capsys):
    holder = hold(study, 3)
    assert ferret(["process", str(study), "--steps", "maps", "--wait"]) == 0
    assert holder.poll() is not None, "the run started before the holder finished"
    err = capsys.readouterr().err
    assert "waiting for the run that holds this study (a test holder by pid" in err


def test_waiting_can_be_cancelled(study):
    holder = hold(study, 60)
    stop = threading.Event()
    seen = []

    def waiting(holder: str) -> None:  # the run is waiting: now the user cancels it
        seen.append(holder)
        stop.set()

    try:
        with pytest.raises(Cancelled):
            with StudyRunLock(study, "app", wait=None, on_wait=waiting, should_stop=stop.is_set):
                pass
        assert len(seen) == 1 and "a test holder" in seen[0]
    finally:
        holder.kill()
        holder.wait()


def test_a_waiting_run_sees_the_holders_progress(study):
    holder = hold(study, 60, HOLD_WITH_PROGRESS)
    polls: list[str] = []
    try:
        with pytest.raises(Cancelled):  # the app waits, showing the holder's progress, then quits
            with StudyRunLock(
                study, "app", wait=None, on_poll=polls.append, should_stop=lambda: len(polls) > 1
            ):
                pass
    finally:
        holder.kill()
        holder.wait()
    assert polls[0].startswith(f"ferret process (pid {holder.pid} on ")
    assert ": 3/10 jobs, 0 running, ETA " in polls[0]


def test_in_one_process_a_second_lock_is_refused(study):
    with StudyRunLock(study, "first"):
        with pytest.raises(FerretError, match="another run is processing this study .first by pid"):
            with StudyRunLock(study, "second"):
                pass
    with StudyRunLock(study, "third"):  # released on exit
        pass
