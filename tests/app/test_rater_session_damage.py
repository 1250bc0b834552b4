"""A rater who opens damaged annotations in the window is asked, and nothing is written before the answer."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from app.annotation import damage_dialog
from app.main_window import MainWindow
from processing.annotations import Grid, RaterWorkspace
from processing.annotations.integrity import DamagedStoreError
from processing.study import discover
from processing.study.example import write_tiny_study

pytestmark = pytest.mark.gui


@pytest.fixture
def damaged(tmp_path):
    """Return a tiny study whose rater ``fz`` rated lesion 1 of sub-01, then the database was emptied."""
    root = write_tiny_study(tmp_path / "study", participants=1, visits=2)
    with RaterWorkspace(root, "fz") as workspace:
        session = workspace.open_session("sub-01", Grid((6, 6, 4), np.diag([1.0, 1.0, 2.0, 1.0])))
        data = np.zeros((6, 6, 4), np.int32)
        data[2, 2, 1] = 1
        session.labels.write((slice(0, 6), slice(0, 6), slice(0, 4)), data, "paint")
        session.set_rating(1, "dwi_onset", "hyper")
    database = (
        root
        / "derivatives"
        / "ferret-annotations"
        / "rater-fz"
        / "sub-01"
        / "sub-01_annotations.sqlite"
    )
    database.write_bytes(b"")
    return root, database


def window_for(root, qtbot, tmp_path, answer: str):
    window = MainWindow(discover(root), settings_file=tmp_path / "settings.json", rater="fz")
    qtbot.addWidget(window)
    window.rating.interactive = True
    asked = []
    window.rating.ask = lambda parent, error, backups, losses: (
        asked.append((error, backups, losses)) or answer
    )
    return window, asked


def test_restore_answer_restores_the_backup_and_rates(damaged, qtbot, tmp_path):
    root, database = damaged
    window, asked = window_for(root, qtbot, tmp_path, "restore")
    window.start("sub-01")
    ((error, backups, losses),) = asked
    assert "empty (0 bytes)" in error.findings[0] and backups and "loses nothing" in losses[0]
    session = window.rating.annotation.session
    assert session.annotation.store.ratings() == {1: {"dwi_onset": "hyper"}}
    assert list(database.parent.glob("damaged-*/sub-01_annotations.sqlite"))
    window.rating.close()


def test_view_answer_opens_without_rating_and_writes_nothing(damaged, qtbot, tmp_path):
    root, database = damaged
    window, asked = window_for(root, qtbot, tmp_path, "view")
    window.start("sub-01")
    assert asked and window.rating.annotation is None
    assert "annotations are damaged" in window.statusBar().currentMessage()
    assert database.stat().st_size == 0 and not list(database.parent.glob("damaged-*"))


def test_quit_answer_while_starting_ends_with_the_error(damaged, qtbot, tmp_path):
    root, database = damaged
    window, _ = window_for(root, qtbot, tmp_path, "quit")
    with pytest.raises(DamagedStoreError):
        window.start("sub-01")
    assert database.stat().st_size == 0


def test_dialog_shows_findings_and_loss_and_returns_the_button(damaged, qtbot):
    from processing.annotations.backup import backups_of
    from processing.annotations.recovery import StoreFiles, loss_of

    root, database = damaged
    error = DamagedStoreError(
        database.parent, "sub-01", "fz", ["sub-01_annotations.sqlite is empty (0 bytes)"]
    )
    backups = backups_of(database.parent)
    losses = [loss_of(StoreFiles(database.parent, "sub-01"), backups[0])]
    shown = {}

    def press_first_button():
        box = QtWidgets.QApplication.activeModalWidget()
        shown["text"] = box.text()
        box.buttons()[[b.text() for b in box.buttons()].index("Restore the newest backup")].click()

    QtCore.QTimer.singleShot(100, press_first_button)
    assert damage_dialog.ask_what_to_do(None, error, backups, losses) == damage_dialog.RESTORE
    assert "empty (0 bytes)" in shown["text"] and "Nothing has been written" in shown["text"]
    assert "loses nothing that was committed" in shown["text"]
