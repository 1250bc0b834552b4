"""A damaged consensus store is never rebuilt: one line on the command line, rating mode's choices in the window."""

from __future__ import annotations

import pytest

from app.cli import main
from app.main_window import MainWindow
from processing.annotations.integrity import DamagedStoreError
from processing.consensus.session import ConsensusSession
from processing.study import discover
from tests.processing.test_consensus_session import OPTIONS, audit_rows, planted, write_rater

pytestmark = pytest.mark.gui


@pytest.fixture
def damaged(tmp_path, study_writer):
    """Return a study whose consensus of A and B was started, then its database emptied."""
    root = study_writer(tmp_path / "study", participants=("sub-01",))
    a, b = planted()
    write_rater(root, "A", a)
    write_rater(root, "B", b)
    with ConsensusSession(root, "sub-01", ["A", "B"], **OPTIONS) as session:
        assert session.progress.total == 7
    folder = root / "derivatives" / "ferret-annotations" / "rater-consensus" / "sub-01"
    database = folder / "sub-01_annotations.sqlite"
    database.write_bytes(b"")
    return root, database


def untouched(database) -> bool:
    """Return whether the damaged files are as they were (nothing rebuilt nor set aside)."""
    return database.stat().st_size == 0 and not list(database.parent.glob("damaged-*"))


def test_the_session_refuses_a_damaged_consensus_and_writes_nothing(damaged):
    root, database = damaged
    with pytest.raises(DamagedStoreError) as caught:
        ConsensusSession(root, "sub-01", ["A", "B"], **OPTIONS)
    assert caught.value.path == database and "empty (0 bytes)" in caught.value.findings[0]
    assert "--rater consensus --participant sub-01" in caught.value.message()
    assert untouched(database)


def test_the_command_line_says_it_in_one_line_with_status_2(damaged, tmp_path, capsys):
    root, database = damaged
    argv = ["open", str(root), "--consensus", "A,B", "--screenshot", str(tmp_path / "s.png")]
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ferret: error:")
    assert database.name in lines[0] and "ferret annotate recover" in lines[0]
    assert untouched(database) and not (tmp_path / "s.png").exists()


def window_for(root, qtbot, tmp_path, answer: str):
    window = MainWindow(
        discover(root), settings_file=tmp_path / "settings.json", consensus=["A", "B"]
    )
    qtbot.addWidget(window)
    window.rating.interactive = True
    asked = []
    window.rating.ask = lambda parent, error, backups, losses: (
        asked.append((error, backups, losses)) or answer
    )
    return window, asked


def test_restore_answer_restores_the_backup_and_opens_the_session(damaged, qtbot, tmp_path):
    root, database = damaged
    window, asked = window_for(root, qtbot, tmp_path, "restore")
    window.start("sub-01")
    ((error, backups, _),) = asked
    assert error.rater == "consensus" and backups
    consensus = window.rating.consensus
    assert consensus is not None and consensus.progress.total == 7
    assert list(database.parent.glob("damaged-*/sub-01_annotations.sqlite"))
    opened = [r for r in audit_rows(root) if r["action"] == "consensus_open"]
    assert len(opened) == 2  # the first opening survived in the backup
    window.close()


def test_view_answer_opens_without_the_session_and_writes_nothing(damaged, qtbot, tmp_path):
    root, database = damaged
    window, asked = window_for(root, qtbot, tmp_path, "view")
    window.start("sub-01")
    assert asked and window.rating.consensus is None and window.rating.queue is None
    message = window.statusBar().currentMessage()
    assert "No consensus session for sub-01" in message and "annotate recover" in message
    assert untouched(database)
    window.close()


def test_quit_answer_while_starting_ends_with_the_error(damaged, qtbot, tmp_path):
    root, database = damaged
    window, _ = window_for(root, qtbot, tmp_path, "quit")
    with pytest.raises(DamagedStoreError):
        window.start("sub-01")
    assert untouched(database)
