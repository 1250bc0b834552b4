"""``ferret stats regress`` end to end: participants.tsv joined with counts, CSV/XLSX, bad input."""

from __future__ import annotations

import csv
import gzip
import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from openpyxl import load_workbook

from app.cli import main

PARTICIPANTS = (
    "participant_id\tage\tsex\tmmse\n"
    "sub-01\t70\tF\t28\nsub-02\t75\tM\t26\nsub-03\t80\tM\t24\nsub-04\t65\tF\t29\n"
    "sub-05\t72\tF\t27\nsub-06\t78\tM\t25\nsub-07\t69\tF\tn/a\nsub-08\t83\tM\t22\n"
)
COUNTS = (
    "participant_id\tcmb_total\tcmb_lobar\n"
    "sub-01\t0\t0\nsub-02\t3\t2\nsub-03\t5\t4\nsub-04\t1\t0\n"
    "sub-05\t2\t1\nsub-06\t4\t2\nsub-07\t0\t0\n"
)


@pytest.fixture()
def tables(tmp_path):
    participants, counts = tmp_path / "participants.tsv", tmp_path / "counts.tsv"
    participants.write_text(PARTICIPANTS, encoding="utf-8")
    counts.write_text(COUNTS, encoding="utf-8")
    return participants, counts


def regress(participants, counts, out, *extra) -> int:
    return main(
        ["stats", "regress", str(participants), "--counts", str(counts), "--out", str(out), *extra]
    )


def test_log_counts_on_age_and_sex_to_csv_equal_statsmodels(tables, tmp_path, capsys):
    out = tmp_path / "regression.csv"
    argv = ["--outcome", "cmb_total", "--log1p", "--predictors", "age,sex", "--adjust", "age,sex"]
    assert regress(*tables, out, *argv) == 0
    printed = capsys.readouterr().out
    assert "sex[M]" in printed
    assert "for sub-08: their counts are missing, not 0" in printed
    with open(out, newline="", encoding="utf-8") as handle:
        rows = {(r["term"], r["model"]): r for r in csv.DictReader(handle)}
    assert set(rows) == {
        ("age", "univariable"),
        ("age", "adjusted"),
        ("sex[M]", "univariable"),
        ("sex[M]", "adjusted"),
    }
    data = pd.read_csv(tables[0], sep="\t").merge(pd.read_csv(tables[1], sep="\t"), how="left")
    fit = smf.ols("np.log1p(cmb_total) ~ C(sex) + age", data=data).fit()
    row = rows[("sex[M]", "adjusted")]
    assert float(row["beta"]) == pytest.approx(fit.params["C(sex)[T.M]"], abs=1e-10)
    assert float(row["p"]) == pytest.approx(fit.pvalues["C(sex)[T.M]"], abs=1e-10)
    assert row["n"] == "7" and row["adjusted_for"] == "age"  # sub-08 has no counts
    sidecar = json.loads((tmp_path / "regression.json").read_text(encoding="utf-8"))
    assert sidecar["Parameters"]["log1p"] is True and len(sidecar["Inputs"]) == 2


def test_counts_as_a_predictor_of_mmse_to_xlsx(tables, tmp_path, capsys):
    out = tmp_path / "mmse.xlsx"
    argv = ["--outcome", "mmse", "--predictors", "cmb_total", "--adjust", "age,sex"]
    assert regress(*tables, out, *argv) == 0
    sheet = load_workbook(out)["regression"]
    header = [cell.value for cell in sheet[1]]
    adjusted = dict(zip(header, [cell.value for cell in sheet[3]], strict=True))
    data = pd.read_csv(tables[0], sep="\t", na_values="n/a").merge(
        pd.read_csv(tables[1], sep="\t"), how="left"
    )
    fit = smf.ols("mmse ~ cmb_total + age + C(sex)", data=data).fit()
    assert adjusted["model"] == "adjusted" and adjusted["n"] == int(fit.nobs) == 6
    assert adjusted["ci_low"] == pytest.approx(fit.conf_int().loc["cmb_total", 0], abs=1e-10)
    assert np.isfinite(adjusted["ci_high"])


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--outcome", "cmb_totl", "--predictors", "age"], "cmb_totl not in the table"),
        (["--outcome", "sex", "--predictors", "age"], "is not numeric"),
        (["--outcome", "mmse", "--predictors", "age,wmh"], "wmh not in the table"),
    ],
)
def test_bad_columns_are_one_line_and_status_2(tables, tmp_path, capsys, argv, words):
    out = tmp_path / "bad.csv"
    assert regress(*tables, out, *argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and words in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (gzip.compress(b"\x00\x01 not text" * 50, mtime=0), "not UTF-8"),
        (b"participant_id\tage\nsub-01\t70\t3\n", "line 2 has 3 fields"),
        (b"", "the table is empty"),
    ],
    ids=["gzip", "ragged", "empty"],  # the same on every xdist worker (gzip stamps the time)
)
def test_a_file_that_is_not_a_table_is_one_line_and_status_2(
    tables, tmp_path, capsys, content, words
):
    bad = tmp_path / "image.nii.gz"
    bad.write_bytes(content)
    argv = ["stats", "regress", str(bad), "--outcome", "mmse", "--predictors", "age"]
    assert main([*argv, "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and words in err


def test_counts_without_participant_id_or_clashing_columns_are_refused(tables, tmp_path, capsys):
    participants, _ = tables
    counts = tmp_path / "keyless.tsv"
    counts.write_text("subject\tcmb_total\nsub-01\t1\n", encoding="utf-8")
    argv = ["--outcome", "mmse", "--predictors", "age"]
    assert regress(participants, counts, tmp_path / "x.csv", *argv) == 2
    assert "no 'participant_id' column" in capsys.readouterr().err
    assert regress(participants, participants, tmp_path / "x.csv", *argv) == 2
    assert "are in both tables" in capsys.readouterr().err
