"""Closing a window that is processing stops its workers at once; SIGTERM closes it cleanly.

The background workers run below the window's priority (niceness +10). The
close time is printed, never asserted (the machine is shared): what is
asserted is that the worker processes are gone and the process exits.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.jobs.worker import WORKER_NICE
from processing.phantom import make_phantom_study
from processing.study import discover

pytestmark = pytest.mark.gui
REPO = Path(__file__).parents[2]

WINDOW = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6 import QtCore
from app.launch import _make_window, load_study
from app.quit_signals import exec_window
sys.path.insert(0, sys.argv[2])
from test_close_while_processing import computing_workers

app, window = _make_window(load_study(sys.argv[1]), None, process=True)
def report():
    pids = computing_workers(window)
    if pids:
        print("workers", *pids, flush=True)
        timer.stop()
timer = QtCore.QTimer()
timer.timeout.connect(report)
timer.start(100)
sys.exit(exec_window(app, window, (800, 600)))
"""


def computing_workers(window) -> list[int]:
    """PIDs of the window's worker processes once one of them computes a job, else []."""
    worker = window.processing.worker if window.processing is not None else None
    pool = getattr(getattr(worker, "executor", None), "_pool", None)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    rows = worker.presenter.snapshot().rows if worker is not None else ()
    computing = any(row.state == "running" and row.message for row in rows)
    return [p.pid for p in processes if p.is_alive()] if computing else []


def gone(pid: int) -> bool:
    """Return True when ``pid`` has exited (a zombie waiting to be reaped counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return True


@pytest.fixture
def fresh_study(tmp_path) -> Path:
    return make_phantom_study(tmp_path / "study", visits=2, scale="tiny", seed=5)


@pytest.mark.slow
def test_closing_a_processing_window_stops_its_workers_at_once(qtbot, fresh_study, tmp_path):
    from app.main_window import MainWindow

    window = MainWindow(discover(fresh_study), settings_file=tmp_path / "s.json", process=True)
    qtbot.addWidget(window)
    window.start()
    qtbot.waitUntil(lambda: bool(computing_workers(window)), timeout=120_000)
    pids, worker = computing_workers(window), window.processing.worker
    for pid in pids:
        assert (
            os.getpriority(os.PRIO_PROCESS, pid) == os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICE
        )
    running = [row.name for row in worker.presenter.snapshot().rows if row.state == "running"]
    started = time.perf_counter()
    window.close()
    print(f"closing the window with a running job took {time.perf_counter() - started:.2f} s")
    assert window.processing is None
    qtbot.waitUntil(lambda: all(gone(pid) for pid in pids), timeout=30_000)
    qtbot.waitUntil(lambda: not worker.running, timeout=30_000)
    states = {row.name: row.state for row in worker.presenter.snapshot().rows}
    assert running and all(states[name] != "done" for name in running)  # stopped, not finished
    assert [p for p in (fresh_study / "derivatives").rglob("*") if ".part" in p.name] == []


def test_stop_now_kills_workers_whose_job_ignores_the_cancel_flag(qtbot, tmp_path, monkeypatch):
    from app.jobs.worker import EngineWorker
    from processing.engine import Cache, Graph, Job

    monkeypatch.syspath_prepend(str(REPO / "tests" / "processing"))  # workers import the job
    import test_engine_jobs as jobs

    calls, output = tmp_path / "calls", tmp_path / "out.txt"
    params = {"label": "stubborn", "output": output, "calls": calls, "seconds": 120.0}
    graph = Graph([Job("stubborn", jobs.stubborn, outputs=[output], params=params)])
    worker = EngineWorker(Cache(tmp_path / "cache", root=tmp_path), jobs=1)
    assert worker.start(graph)
    qtbot.waitUntil(lambda: jobs.calls_made(tmp_path) == ["stubborn"], timeout=60_000)
    pool = worker.executor._pool
    pids = [p.pid for p in pool._processes.values()]
    worker.stop_now()
    assert worker.wait(60)  # long before the job's 120 s: its worker was killed
    assert pids and all(gone(pid) for pid in pids)
    assert not output.exists()
    assert worker.presenter.snapshot().rows[0].state == "cancelled"


@pytest.mark.slow
def test_sigterm_closes_a_processing_window_and_ends_its_workers(fresh_study, tmp_path):
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"))
    window = subprocess.Popen(
        [sys.executable, "-c", WINDOW, str(fresh_study), str(Path(__file__).parent)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = window.stdout.readline().split()
        assert line and line[0] == "workers", "the window never started a job"
        pids = [int(pid) for pid in line[1:]]
        started = time.perf_counter()
        window.send_signal(signal.SIGTERM)
        status = window.wait(timeout=60)
        print(f"SIGTERM to exit: {time.perf_counter() - started:.2f} s, status {status}")
    finally:
        if window.poll() is None:
            window.kill()
    assert status == 128 + signal.SIGTERM  # documented: a clean close after SIGTERM
    deadline = time.monotonic() + 30
    while not all(gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in pids if not gone(pid)] == []


def spawned_workers(pid: int) -> list[int]:
    """PIDs of ``pid``'s multiprocessing workers, started by any of its threads (Linux ``/proc``)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return [c for c in found if b"spawn_main" in _cmdline(c)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")
def test_sigterm_ends_ferret_open_on_a_real_display_with_its_workers(fresh_study, tmp_path):
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", "1600x1000x24"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    display = ":" + server.stdout.readline().strip()
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    window = subprocess.Popen(
        [sys.executable, "-m", "app", "open", str(fresh_study)], cwd=REPO, env=env
    )
    try:
        deadline = time.monotonic() + 120
        while not spawned_workers(window.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2.0)  # the worker imports and starts its job
        pids = spawned_workers(window.pid)
        assert pids, "ferret open never started a worker"
        started = time.perf_counter()
        window.send_signal(signal.SIGTERM)
        status = window.wait(timeout=60)
        print(
            f"ferret open: SIGTERM to exit {time.perf_counter() - started:.2f} s, status {status}"
        )
    finally:
        for process in (window, server):
            if process.poll() is None:
                process.kill()
            process.wait()
    assert status == 128 + signal.SIGTERM
    deadline = time.monotonic() + 30
    while not all(gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pids and [pid for pid in pids if not gone(pid)] == []
