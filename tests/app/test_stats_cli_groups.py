"""``ferret stats groups`` end to end: TSV in, CSV/XLSX out, table on the terminal."""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import load_workbook
from scipy import stats

from app.cli import main

TSV = (
    "participant_id\tgroup\tage\tsex\thypertension\n"
    "sub-01\tSVD\t71\tF\tyes\n"
    "sub-02\tSVD\t75\tM\tyes\n"
    "sub-03\tSVD\t80\tM\tno\n"
    "sub-04\tSVD\t68\tF\tyes\n"
    "sub-05\tcontrol\t60\tF\tno\n"
    "sub-06\tcontrol\t63\tM\tno\n"
    "sub-07\tcontrol\t66\tF\tn/a\n"
)


@pytest.fixture()
def table(tmp_path):
    path = tmp_path / "participants.tsv"
    path.write_text(TSV, encoding="utf-8")
    return path


def test_groups_to_csv_prints_and_writes(table, tmp_path, capsys):
    out = tmp_path / "table1.csv"
    status = main(
        [
            "stats",
            "groups",
            str(table),
            "--group",
            "group",
            "--continuous",
            "age",
            "--categorical",
            "sex",
            "--categorical",
            "hypertension",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "Mann-Whitney U" in printed and "SVD (n=4)" in printed and f"wrote {out}" in printed
    rows = list(csv.DictReader(out.open()))
    assert [r["variable"] for r in rows] == ["age", "sex", "hypertension"]
    assert "p" in rows[0]
    expected = stats.mannwhitneyu([71, 75, 80, 68], [60, 63, 66]).pvalue
    assert float(rows[0]["p"]) == pytest.approx(expected)
    assert rows[2]["missing"] == "1"
    assert json.loads(out.with_suffix(".json").read_text())["Parameters"]["group"] == "group"


def test_groups_to_xlsx(table, tmp_path):
    out = tmp_path / "table1.xlsx"
    assert (
        main(
            [
                "stats",
                "groups",
                str(table),
                "--group",
                "group",
                "--continuous",
                "age",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    sheet = load_workbook(out)["groups"]
    header = [cell.value for cell in sheet[1]]
    assert header[-1] == "p" and sheet.cell(2, 1).value == "age"
    assert isinstance(sheet.cell(2, len(header)).value, float)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--continuous", "weight"], "weight not found"),
        ([], "no variables to compare"),
        (["--continuous", "age", "--out-ignored"], None),
    ],
)
def test_groups_errors_are_messages_not_tracebacks(table, tmp_path, capsys, extra, message):
    if message is None:
        with pytest.raises(SystemExit):  # argparse refuses an unknown option
            main(
                [
                    "stats",
                    "groups",
                    str(table),
                    "--group",
                    "group",
                    *extra,
                    "--out",
                    str(tmp_path / "x.csv"),
                ]
            )
        return
    status = main(
        [
            "stats",
            "groups",
            str(table),
            "--group",
            "group",
            *extra,
            "--out",
            str(tmp_path / "x.csv"),
        ]
    )
    assert status == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_groups_refuses_unknown_output_format(table, tmp_path, capsys):
    status = main(
        [
            "stats",
            "groups",
            str(table),
            "--group",
            "group",
            "--continuous",
            "age",
            "--out",
            str(tmp_path / "x.txt"),
        ]
    )
    assert status == 2 and "FILE.csv or FILE.xlsx" in capsys.readouterr().err
