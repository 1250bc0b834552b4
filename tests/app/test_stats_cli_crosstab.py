"""``ferret stats crosstab``: two ratings of a rater's lesions against each other."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from app.cli import main
from processing.annotations import Grid, RaterWorkspace
from processing.study.example import write_tiny_study

SHAPE = (10, 10, 4)
AFFINE = np.diag([2.0, 2.0, 2.0, 1.0])
#: (r2star_onset, r2star_last) per lesion; None = not rated
RATINGS = [("hypo", "hyper"), ("hypo", "hyper"), ("hypo", "iso"), ("iso", "iso"), ("iso", None)]


@pytest.fixture()
def study(tmp_path):
    root = write_tiny_study(tmp_path / "study", participants=1, visits=2)
    with RaterWorkspace(root, "A") as workspace:
        session = workspace.open_session("sub-01", Grid(SHAPE, AFFINE), visit="ses-02")
        for lesion_id, (onset, last) in enumerate(RATINGS, start=1):
            session.labels.write(
                (slice(2 * lesion_id - 2, 2 * lesion_id - 1), slice(1, 2), slice(1, 2)),
                np.full((1, 1, 1), lesion_id, np.int32),
            )
            session.set_rating(lesion_id, "r2star_onset", onset)
            if last is not None:
                session.set_rating(lesion_id, "r2star_last", last)
        session.flush()
    return root


def test_crosstab_counts_pairs_in_schema_order(study, tmp_path, capsys):
    out = tmp_path / "ct.csv"
    assert (
        main(
            [
                "stats",
                "crosstab",
                str(study),
                "--rater",
                "A",
                "--rows",
                "r2star_onset",
                "--cols",
                "r2star_last",
                "--type",
                "A-CMI",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(out.open()))
    corner = "r2star_onset \\ r2star_last"
    assert [r[corner] for r in rows] == ["hyper", "iso", "hypo", "not_assessable", "total"]
    hypo = next(r for r in rows if r[corner] == "hypo")
    assert (hypo["hyper"], hypo["iso"], hypo["hypo"], hypo["total"]) == ("2", "1", "0", "3")
    assert rows[-1]["total"] == "4"  # the lesion without a last rating is left out
    printed = capsys.readouterr().out
    assert "5 lesion(s); 1 without both ratings left out" in printed


def test_crosstab_names_unrated_field(study, tmp_path, capsys):
    code = main(
        [
            "stats",
            "crosstab",
            str(study),
            "--rater",
            "A",
            "--rows",
            "r2star_onset",
            "--cols",
            "swi_last",
            "--out",
            str(tmp_path / "ct.csv"),
        ]
    )
    assert code == 2 and "swi_last never rated by A" in capsys.readouterr().err
    assert not (tmp_path / "ct.csv").exists()
