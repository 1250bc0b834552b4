"""The group table and table input/output."""

from __future__ import annotations

import math

import pytest
from openpyxl import load_workbook
from scipy import stats

from processing.errors import FerretError
from processing.stats import format_text_table, group_table, read_tsv, write_table

ROWS = [
    {"id": "1", "group": "SVD", "age": "70", "sex": "F"},
    {"id": "2", "group": "SVD", "age": "75", "sex": "M"},
    {"id": "3", "group": "SVD", "age": "n/a", "sex": "M"},
    {"id": "4", "group": "control", "age": "60", "sex": "F"},
    {"id": "5", "group": "control", "age": "62", "sex": "F"},
    {"id": "6", "group": "control", "age": "64", "sex": ""},
    {"id": "7", "group": "", "age": "99", "sex": "M"},  # no group: left out
]


def test_group_table_rows_and_tests():
    columns, rows = group_table(ROWS, "group", continuous=["age"], categorical=["sex"])
    assert columns == [
        "variable",
        "type",
        "SVD (n=3)",
        "control (n=3)",
        "missing",
        "test",
        "statistic",
        "p",
    ]
    age, sex = rows
    assert age["SVD (n=3)"] == "72.5 [71.25-73.75]" and age["control (n=3)"] == "62 [61-63]"
    assert age["missing"] == 1 and age["test"] == "Mann-Whitney U"
    assert age["p"] == pytest.approx(stats.mannwhitneyu([70, 75], [60, 62, 64]).pvalue)
    assert sex["SVD (n=3)"].startswith("F: 1 (33 %) [") and "M: 2 (67 %)" in sex["SVD (n=3)"]
    assert sex["control (n=3)"].startswith("F: 2 (100 %)") and sex["missing"] == 1
    assert sex["test"].startswith("Fisher's exact")
    assert sex["p"] == pytest.approx(stats.fisher_exact([[1, 2], [2, 0]]).pvalue)


def test_group_table_errors_name_the_problem():
    with pytest.raises(FerretError, match="weight not found"):
        group_table(ROWS, "group", continuous=["weight"], source="p.tsv")
    with pytest.raises(FerretError, match="non-number"):
        group_table(ROWS, "group", continuous=["sex"])
    with pytest.raises(FerretError, match="at least two"):
        group_table(ROWS[:3], "group", continuous=["age"])


def test_read_tsv_and_its_errors(tmp_path):
    good = tmp_path / "t.tsv"
    good.write_text("a\tb\n1\t x \n\n2\t3\n", encoding="utf-8")
    assert read_tsv(good) == [{"a": "1", "b": "x"}, {"a": "2", "b": "3"}]
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\n1\t2\t3\n", encoding="utf-8")
    with pytest.raises(FerretError, match="line 2 has 3 fields"):
        read_tsv(bad)
    with pytest.raises(FerretError, match="not found"):
        read_tsv(tmp_path / "absent.tsv")


def test_write_csv_xlsx_and_text(tmp_path):
    columns = ["name", "p", "n"]
    rows = [{"name": "a", "p": 0.012345, "n": 3}, {"name": "b,c", "p": math.nan, "n": None}]
    csv_path = write_table(tmp_path / "out.csv", columns, rows)
    assert csv_path.read_text().splitlines() == ["name,p,n", "a,0.012345,3", '"b,c",,']
    xlsx_path = write_table(tmp_path / "out.xlsx", columns, rows, sheet="stats")
    sheet = load_workbook(xlsx_path)["stats"]
    assert [c.value for c in sheet[2]] == ["a", 0.012345, 3] and sheet["B3"].value is None
    text = format_text_table(columns, rows)
    assert text.splitlines()[2].split() == ["a", "0.01235", "3"]
    with pytest.raises(FerretError, match="FILE.csv or FILE.xlsx"):
        write_table(tmp_path / "out.txt", columns, rows)
    assert not list(tmp_path.glob(".*part*"))  # no temporary file left behind
