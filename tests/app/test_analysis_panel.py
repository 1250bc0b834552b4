"""The live analysis panel: fills in, follows mask edits, keeps the GUI responsive (qtbot, offscreen)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from app.analysis import AnalysisRequest, attach_analysis
from app.analysis.worker import AnalysisRunner
from processing.annotations import Grid, RaterWorkspace
from processing.fileio import save_nifti
from processing.study.example import write_tiny_study

SHAPE = (48, 48, 24)
AFFINE = np.diag([2.0, 2.0, 2.0, 1.0])
CENTRES = [(8, 8, 12), (24, 24, 12), (36, 10, 12)]
NEW_CENTRE = (10, 36, 12)
ONSET_JUMP = [
    1.0,
    2.0,
    1.5,
    3.0,
]  # MD rise at onset (ses-02), half of it at ses-03; the last is painted later
VISITS = (("ses-01", 0.0), ("ses-02", 1.0), ("ses-03", 0.5))


@pytest.fixture()
def study(tmp_path):
    root = write_tiny_study(tmp_path / "study", participants=1, visits=3)
    rng = np.random.default_rng(0)
    for visit, scale in VISITS:
        md = np.full(SHAPE, 0.5, dtype=np.float32) + rng.normal(0, 1e-3, SHAPE).astype(np.float32)
        for centre, jump in zip(CENTRES + [NEW_CENTRE], ONSET_JUMP, strict=True):
            md[centre] += scale * jump
        base = root / "derivatives" / "ferret" / "sub-01" / visit
        save_nifti(
            base / "dwi" / f"sub-01_{visit}_space-ref_model-tensor_param-md_dwimap.nii.gz",
            md,
            AFFINE,
        )
        save_nifti(
            base / "anat" / f"sub-01_{visit}_space-ref_R2starmap.nii.gz",
            np.full(SHAPE, 16.0, np.float32),
            AFFINE,
        )
    with RaterWorkspace(root, "A") as workspace:
        session = workspace.open_session("sub-01", Grid(SHAPE, AFFINE), visit="ses-02")
        for lesion_id, (i, j, k) in enumerate(CENTRES, start=1):
            session.labels.write(
                (slice(i, i + 1), slice(j, j + 1), slice(k, k + 1)),
                np.full((1, 1, 1), lesion_id, np.int32),
            )
        session.flush()
    return root


@pytest.fixture()
def rater_session(study):
    from app.annotation.rater_session import RaterSession

    session = RaterSession(study, "A", "sub-01", visit="ses-02")
    yield session
    session.close()


def onset_change(panel) -> float:
    return float(panel.statistics_cell("MD", "lesional - pre-lesional", "mean_difference"))


def test_panel_fills_in_and_follows_a_new_lesion(qtbot, study, rater_session):
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    attachment = attach_analysis(window, study, rater_session)
    assert window.findChild(QtWidgets.QDockWidget, "analysis-dock").widget() is attachment.panel
    qtbot.waitUntil(lambda: attachment.panel.result is not None, timeout=30000)
    panel = attachment.panel
    assert panel.statistics_cell("MD", "lesional - pre-lesional", "n") == "3"
    assert onset_change(panel) == pytest.approx(np.mean(ONSET_JUMP[:3]), abs=0.01)
    assert panel.figure.pixmap().width() > 100 and "3 lesion(s)" in panel.status.text()

    i, j, k = NEW_CENTRE
    with rater_session.labels.stroke("paint"):
        rater_session.labels.write(
            (slice(i, i + 1), slice(j, j + 1), slice(k, k + 1)), np.full((1, 1, 1), 4, np.int32)
        )
    qtbot.waitUntil(lambda: panel.result.lesions == 4, timeout=30000)
    assert panel.statistics_cell("MD", "lesional - pre-lesional", "n") == "4"
    assert onset_change(panel) == pytest.approx(np.mean(ONSET_JUMP), abs=0.01)
    attachment.detach()


def test_newer_request_supersedes_older(qtbot, study):
    runner = AnalysisRunner()
    results = []
    runner.finished.connect(results.append)
    first = runner.request(AnalysisRequest(study, "A", "sub-01"))
    labels = np.zeros(SHAPE, np.int32)
    labels[CENTRES[1]] = 2
    second = runner.request(AnalysisRequest(study, "A", "sub-01", labels))
    assert second == first + 1 and runner.superseded == 1
    qtbot.waitUntil(lambda: not runner.busy, timeout=30000)
    assert runner.pool.waitForDone(30000)  # the superseded run has finished too...
    QtCore.QCoreApplication.processEvents()  # ...and anything it sent has been delivered
    assert len(results) == 1 and results[0].lesions == 1


def test_rater_by_id_is_polled_and_errors_are_shown(qtbot, study, tmp_path):
    attachment = attach_analysis(None, study, "A", "sub-01")
    qtbot.waitUntil(lambda: attachment.panel.result is not None, timeout=30000)
    assert attachment.panel.result.lesions == 3 and attachment.poll.isActive()
    broken = attach_analysis(None, tmp_path / "nowhere", "A", "sub-01")
    qtbot.waitUntil(lambda: "analysis failed" in broken.panel.status.text(), timeout=30000)
    attachment.detach()
    broken.detach()


def test_event_loop_stays_responsive_during_recompute(qtbot, study, rater_session):
    """Measures (and prints) the largest event-loop gap during a cold and a warm recompute; no threshold."""
    attachment = attach_analysis(None, study, rater_session, start=False)
    for run in ("cold", "warm"):
        ticks: list[float] = []
        timer = QtCore.QTimer(interval=5)
        timer.timeout.connect(lambda ticks=ticks: ticks.append(time.perf_counter()))
        timer.start()
        started = time.perf_counter()
        generation = attachment.recompute()
        qtbot.waitUntil(
            lambda: not attachment.runner.busy and attachment.panel.result is not None,
            timeout=30000,
        )
        elapsed = time.perf_counter() - started
        timer.stop()
        gaps = np.diff(ticks)
        print(
            f"\n{run} analysis recompute {elapsed * 1000:.0f} ms (generation {generation}); event-loop ticks "
            f"{len(ticks)}, max gap {gaps.max() * 1000:.1f} ms, median {np.median(gaps) * 1000:.1f} ms"
        )
        assert len(ticks) >= 2  # the loop ran while the worker computed
    attachment.detach()


def test_a_run_finishing_after_its_window_closed_is_silent(qtbot, study):
    """Issue 11.9: a background run whose relay was deleted (window closed) must not raise in its thread."""
    import shiboken6

    from app.analysis.worker import _Relay, _Run
    from processing.progress import Progress

    relay = _Relay()
    run = _Run(1, AnalysisRequest(study, "A", "sub-01"), Progress(), relay)
    shiboken6.delete(relay)
    run.run()  # raised "RuntimeError: Signal source has been deleted" in the pool's thread before
