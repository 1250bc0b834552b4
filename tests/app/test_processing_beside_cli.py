"""While ``ferret process`` holds the study, the app's engine starts nothing and shows that run's progress."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from processing.engine import Cache, Graph, Job
from processing.study.example import write_tiny_study

REPO = Path(__file__).parents[2]
HOLDER = """
import sys, time
from processing.engine import Cache
from processing.engine.run_lock import StudyRunLock
from processing.engine.run_record import RunRecord
from processing.engine.status import DONE, RUNNING, RunStatus
status = RunStatus.for_names([f"job {i}" for i in range(30)])
for i in range(12):
    status.set(f"job {i}", DONE, seconds=2.0)
status.set("job 12", RUNNING, started=time.time())
with StudyRunLock(sys.argv[1], "ferret process"):
    RunRecord(Cache.for_study(sys.argv[1]).folder, "ferret process").write(status)
    print("held", flush=True)
    time.sleep(120)
"""


def never_called(*, output: Path, progress) -> None:
    """Fail: the app must not start this job while the other run holds the study."""
    raise AssertionError("the app started a job while ferret process held the study")


def test_the_app_waits_showing_the_command_lines_progress(qtbot, tmp_path):
    from app.jobs.worker import EngineWorker

    study = write_tiny_study(tmp_path / "study", participants=1, visits=1)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(study)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        output = tmp_path / "out.txt"
        graph = Graph([Job("job", never_called, outputs=[output], params={"output": output})])
        worker = EngineWorker(Cache.for_study(study))
        assert worker.start(graph)
        qtbot.waitUntil(lambda: "12/30 jobs" in worker.presenter.snapshot().summary, timeout=30_000)
        text = worker.presenter.snapshot().summary
        assert text.startswith("Waiting for another run on this study to finish (ferret process")
        assert f"(pid {holder.pid} on " in text and "12/30 jobs, 1 running" in text
        worker.cancel()
        assert worker.wait(30)
        assert not output.exists() and worker.presenter.snapshot().rows == ()
    finally:
        holder.kill()
        holder.wait()
