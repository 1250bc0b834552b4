"""``ferret cmb evaluate`` end to end: the files it writes, the terminal, and bad input.

Reference R has three microbleeds on sub-01 and one on sub-02; test T finds
two of sub-01's (one 4 mm off), adds one false positive there and misses
sub-02's. Rater U annotated only sub-01 (sub-02 is left out with a note).
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from openpyxl import load_workbook

from app.cli import main
from processing.annotations import Grid, RaterWorkspace

SHAPE = (24, 24, 10)
AFFINE = np.diag([0.8, 0.8, 2.0, 1.0])
CORNERS = {
    "R": {"sub-01": [(3, 3, 2), (15, 3, 2), (3, 15, 6)], "sub-02": [(8, 8, 4)]},
    "T": {"sub-01": [(3, 3, 2), (15, 3, 4), (18, 18, 8)], "sub-02": []},
    "U": {"sub-01": [(3, 3, 2)]},
}


def write_rater(root, rater: str) -> None:
    with RaterWorkspace(root, rater) as workspace:
        for participant, corners in CORNERS[rater].items():
            session = workspace.open_session(participant, Grid(SHAPE, AFFINE), visit="ses-01")
            for lesion, (i, j, k) in enumerate(corners, start=1):
                where = (slice(i, i + 2), slice(j, j + 2), slice(k, k + 1))
                session.labels.write(where, np.full((2, 2, 1), lesion, np.int32), "import")
                session.set_lesion_type(lesion, "CMB")
            session.flush()


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("cmb") / "study"
    root.mkdir()
    for rater in CORNERS:
        write_rater(root, rater)
    return root


def read_csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_evaluate_writes_tables_workbook_and_figure(study, tmp_path, capsys):
    out = tmp_path / "eval"
    status = main(
        ["cmb", "evaluate", str(study), "--reference", "R", "--test", "T", "--out", str(out)]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "sensitivity: 0.5" in printed and "false_positives_per_participant: 0.5" in printed
    summary = {row["metric"]: row for row in read_csv(out / "evaluation_summary.csv")}
    assert (summary["true_positives"]["value"], summary["false_positives"]["value"]) == ("2", "1")
    assert float(summary["f1"]["value"]) == pytest.approx(4 / 7)
    cases = read_csv(out / "evaluation_cases.csv")
    assert [(c["participant_id"], c["true_positives"], c["dice"]) for c in cases] == [
        ("sub-01", "2", str(2 * 4 / 24)),  # 4 shared voxels of 12 + 12
        ("sub-02", "0", "0.0"),
    ]
    outcomes = sorted(r["outcome"] for r in read_csv(out / "evaluation_lesions.csv"))
    assert outcomes == ["false-positive", "hit", "hit", "miss", "miss"]
    book = load_workbook(out / "evaluation.xlsx")
    assert book.sheetnames == ["summary", "cases", "lesions"]
    assert book["cases"].max_row == 3 and book["lesions"].max_row == 6
    for suffix in ("png", "svg", "pdf"):
        assert (out / f"evaluation_counts.{suffix}").stat().st_size > 1000
    assert (out / "evaluation_summary.json").is_file()


def test_overlap_criterion_does_not_count_the_lesion_4_mm_off(study, tmp_path, capsys):
    out = tmp_path / "overlap"
    argv = ["cmb", "evaluate", str(study), "--reference", "R", "--test", "T", "--out", str(out)]
    assert main([*argv, "--criterion", "overlap"]) == 0
    summary = {row["metric"]: row for row in read_csv(out / "evaluation_summary.csv")}
    assert summary["true_positives"]["value"] == "1"
    assert summary["false_positives"]["value"] == "2"


def test_participants_of_one_rater_only_are_left_out_with_a_note(study, tmp_path, capsys):
    out = tmp_path / "partial"
    assert (
        main(["cmb", "evaluate", str(study), "--reference", "R", "--test", "U", "--out", str(out)])
        == 0
    )
    assert "note: sub-02: left out, not annotated by U" in capsys.readouterr().out
    assert [c["participant_id"] for c in read_csv(out / "evaluation_cases.csv")] == ["sub-01"]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--test", "XY"], "no annotations of rater(s) XY"),
        (["--test", "T", "--type", "A-CMI"], "has no lesions of type A-CMI"),
        (["--test", "R"], "the same rater"),
        (["--test", "T", "--distance-mm", "0"], "must be positive"),
    ],
)
def test_bad_input_is_one_line_and_status_2(study, tmp_path, capsys, extra, words):
    out = tmp_path / "bad"
    status = main(["cmb", "evaluate", str(study), "--reference", "R", *extra, "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and words in err
    assert not out.exists() or not any(out.iterdir())
