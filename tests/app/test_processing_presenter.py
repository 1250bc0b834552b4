"""ProcessingPresenter: rows, summary and retry targets from a RunStatus, without Qt."""

from __future__ import annotations

import time

from app.jobs.presenter import ProcessingPresenter
from processing.engine.status import CACHED, DONE, FAILED, RUNNING, SKIPPED, RunStatus


def test_rows_show_state_progress_duration_and_the_reason_of_failures():
    status = RunStatus.for_names(["maps a", "maps b", "register", "resample b"])
    presenter = ProcessingPresenter()
    presenter.started()
    status.listeners.append(presenter.on_status)
    status.set("maps a", DONE, fraction=1.0, seconds=2.25)
    status.set("maps b", FAILED, reason="truncated NIfTI", seconds=0.5)
    status.set("resample b", SKIPPED, reason="needs 'maps b', which failed")
    status.set(
        "register",
        RUNNING,
        started=time.time() - 65,
        fraction=0.4,
        message="registering ses-02 MESE",
    )
    snapshot = presenter.snapshot()
    rows = {row.name: row for row in snapshot.rows}
    assert rows["maps a"].cells() == ("maps a", "done", "100%", "2.2 s", "")
    assert rows["maps b"].message == "truncated NIfTI" and rows["maps b"].state == "failed"
    assert rows["register"].percent == 40 and rows["register"].duration == "1:05"
    assert rows["register"].message == "registering ses-02 MESE"
    assert snapshot.running and snapshot.summary.startswith("3/4 jobs, 1 running, 1 failed, ETA")
    assert presenter.retry_targets() == ["maps b", "resample b"]


def test_summary_after_the_run_and_versions_change_on_every_update():
    status = RunStatus.for_names(["x"])
    presenter = ProcessingPresenter()
    assert (
        presenter.snapshot().summary == "No processing run yet." and presenter.retry_targets() == []
    )
    presenter.started()
    first = presenter.snapshot().version
    status.listeners.append(presenter.on_status)
    status.set("x", CACHED, fraction=1.0)
    assert presenter.snapshot().version > first
    presenter.finished(status.summary())
    snapshot = presenter.snapshot()
    assert not snapshot.running and snapshot.summary.startswith("0 done, 1 up to date, 0 failed")
    assert presenter.retry_targets() == []
