"""The processing panel on a real engine run: failure shown, retry, cancel, outputs announced, GUI latency.

The event-loop latency (a 10 ms QTimer's worst lateness while jobs run) is
printed, not asserted (timings belong in bench/).
"""

from __future__ import annotations

import time

import pytest
from PySide6 import QtCore, QtWidgets

from app.jobs import attach_processing
from processing.engine.pipeline import study_graph
from processing.phantom import make_phantom_study
from processing.study import discover

pytestmark = pytest.mark.slow  # runs the engine on a phantom study


class LatencyProbe(QtCore.QObject):
    """A QTimer every ``interval_ms``; records how late each tick came."""

    def __init__(self, interval_ms: int = 10) -> None:
        super().__init__()
        self.interval = interval_ms / 1000
        self.worst = 0.0
        self.ticks = 0
        self._last = time.perf_counter()
        self.timer = QtCore.QTimer(self)
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.timer.start(interval_ms)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self._last - self.interval)
        self._last = now
        self.ticks += 1


@pytest.fixture(scope="module")
def study_root(tmp_path_factory):
    return make_phantom_study(
        tmp_path_factory.mktemp("panel") / "study", visits=2, scale="tiny", seed=5
    )


def wait_until(qtbot, condition, timeout_ms=120_000):
    qtbot.waitUntil(lambda: bool(condition()), timeout=timeout_ms)


def test_failed_job_is_shown_retried_and_outputs_are_announced(qtbot, study_root, capsys):
    study = discover(study_root)
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    attachment = attach_processing(window, study, participant="sub-01", start=False)
    assert window.findChild(QtWidgets.QDockWidget, "processing-dock") is attachment.dock
    corrupt = (
        study_root / "sub-01" / "ses-01" / "anat" / "sub-01_ses-01_echo-2_part-mag_MEGRE.nii.gz"
    )
    original = corrupt.read_bytes()
    corrupt.write_bytes(original[:2000])
    announced = []
    attachment.outputs_ready.connect(lambda label, paths: announced.append((label, paths)))
    attachment.participant = "sub-01"
    graph = study_graph(study, participant="sub-01", session="ses-01")
    probe = LatencyProbe()
    assert attachment.worker.start(graph, [n for n in graph.order if n.startswith("maps")])
    panel = attachment.panel
    wait_until(qtbot, lambda: not attachment.worker.running and panel.retry_button.isEnabled())
    assert panel.cell_text("maps sub-01 ses-01 MEGRE", "State") == "failed"
    assert corrupt.name in panel.cell_text("maps sub-01 ses-01 MEGRE", "Message or error")
    assert panel.cell_text("maps sub-01 ses-01 DWI", "State") == "done"
    assert panel.retry_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert "1 failed" in panel.summary.text()
    wait_until(qtbot, lambda: announced)
    assert any(p.name.endswith("_desc-b1000_trace.nii.gz") for _, paths in announced for p in paths)
    assert (
        "desc-b1000_trace.nii.gz" in study.participant("sub-01").visits[0].derived
    )  # re-discovered

    corrupt.write_bytes(original)
    panel.retry_button.click()
    wait_until(qtbot, lambda: not attachment.worker.running and "0 failed" in panel.summary.text())
    assert panel.cell_text("maps sub-01 ses-01 MEGRE", "State") == "done"
    assert panel.table.rowCount() == 1  # only the failed job was retried
    wait_until(qtbot, lambda: "R2starmap.nii.gz" in study.participant("sub-01").visits[0].derived)
    probe.timer.stop()
    with capsys.disabled():
        print(
            f"\nGUI event loop during engine runs: worst 10 ms-timer lateness {probe.worst * 1000:.1f} ms "
            f"over {probe.ticks} ticks"
        )


def test_cancel_stops_the_run_and_reports_it(qtbot, study_root):
    study = discover(study_root)
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    attachment = attach_processing(window, study, participant="sub-01")  # the whole pipeline
    panel = attachment.panel

    def registering():
        rows = attachment.worker.presenter.snapshot().rows
        return [
            r.name for r in rows if r.name.startswith("register sub-01") and r.state == "running"
        ]

    wait_until(qtbot, lambda: panel.cancel_button.isEnabled() and registering())
    panel.cancel_button.click()
    wait_until(qtbot, lambda: not attachment.worker.running, 60_000)
    wait_until(qtbot, lambda: "cancelled" in panel.summary.text())
    states = {r.name: r.state for r in attachment.worker.presenter.snapshot().rows}
    assert "cancelled" in states.values()  # running jobs stopped, queued ones never started
    assert not any(
        name.startswith("resample") and state == "done"
        for name, state in ((r.name, r.state) for r in attachment.worker.presenter.snapshot().rows)
    )
