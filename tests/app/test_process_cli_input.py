"""``ferret process`` on bad input: one clear line naming the folder and the fix, exit status 2."""

from __future__ import annotations

from app.cli import main as ferret


def test_a_folder_without_participants_is_not_a_study(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a study")
    assert ferret(["process", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "no participants found" in err and "Traceback" not in err


def test_a_missing_folder_is_named(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert ferret(["process", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "does not exist" in err


def test_an_unknown_participant_lists_the_known_ones(tmp_path, capsys):
    (tmp_path / "sub-01" / "ses-01").mkdir(parents=True)
    assert ferret(["process", str(tmp_path), "--participant", "sub-07"]) == 2
    err = capsys.readouterr().err
    assert "no participant sub-07" in err and "sub-01" in err


def test_a_participant_without_visits_is_reported(tmp_path, capsys):
    (tmp_path / "sub-01").mkdir()
    assert ferret(["process", str(tmp_path)]) == 2
    assert "no visit (no ses-* folder) found for sub-01" in capsys.readouterr().err
