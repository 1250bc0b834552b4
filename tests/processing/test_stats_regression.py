"""Regression rows against statsmodels called directly on the same data (to 1e-10).

A synthetic cohort of 40: age, sex (F/M), site (three levels), hypertension
coded 0/1, WMH % with gaps (n/a and empty cells), a microbleed count drawn
to depend on age and WMH, and MMSE.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from processing.errors import FerretError
from processing.stats import join_on, regression_table

TOLERANCE = 1e-10


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    rng = np.random.default_rng(11)
    n = 40
    age = rng.integers(55, 90, n)
    wmh = np.round(rng.gamma(2.0, 0.8, n), 2)
    counts = rng.poisson(np.exp(-3 + 0.04 * age + 0.3 * wmh))
    table = []
    for k in range(n):
        table.append(
            {
                "participant_id": f"sub-{k + 1:02d}",
                "age": str(age[k]),
                "sex": "FM"[k % 2],
                "site": ["north", "south", "east"][k % 3],
                "hypertension": str(int(rng.random() < 0.5)),
                "wmh_pct": "n/a" if k % 9 == 4 else "" if k == 7 else str(wmh[k]),
                "cmb_total": str(counts[k]),
                "mmse": str(int(np.clip(30 - 0.1 * (age[k] - 55) - wmh[k], 15, 30))),
            }
        )
    return table


def frame(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows).replace({"n/a": np.nan, "": np.nan})
    for name in ("age", "wmh_pct", "cmb_total", "mmse"):
        df[name] = pd.to_numeric(df[name])
    return df


def assert_row(row: dict, fit, name: str) -> None:
    low, high = fit.conf_int(alpha=0.05).loc[name]
    assert row["beta"] == pytest.approx(fit.params[name], abs=TOLERANCE, rel=0)
    assert row["ci_low"] == pytest.approx(low, abs=TOLERANCE, rel=0)
    assert row["ci_high"] == pytest.approx(high, abs=TOLERANCE, rel=0)
    assert row["p"] == pytest.approx(fit.pvalues[name], abs=TOLERANCE, rel=0)
    assert row["n"] == int(fit.nobs)


def by_key(table) -> dict:
    return {(r["term"], r["model"]): r for r in table}


def test_log1p_counts_on_numeric_predictors_univariable_and_adjusted(rows):
    table = by_key(
        regression_table(rows, "cmb_total", ["age", "wmh_pct"], ["age", "sex"], log1p=True)
    )
    df = frame(rows)
    direct = smf.ols("np.log1p(cmb_total) ~ age", data=df).fit()
    assert_row(table[("age", "univariable")], direct, "age")
    adjusted = smf.ols("np.log1p(cmb_total) ~ age + C(sex)", data=df).fit()
    assert_row(table[("age", "adjusted")], adjusted, "age")
    assert table[("age", "adjusted")]["adjusted_for"] == "sex"
    complete = df.dropna(subset=["wmh_pct"])
    wmh = smf.ols("np.log1p(cmb_total) ~ wmh_pct + age + C(sex)", data=complete).fit()
    assert_row(table[("wmh_pct", "adjusted")], wmh, "wmh_pct")
    assert table[("wmh_pct", "adjusted")]["n"] == 40 - 5  # four n/a and one empty cell
    assert table[("wmh_pct", "univariable")]["transform"] == "log1p"


def test_categorical_predictors_give_one_row_per_level_contrast(rows):
    table = by_key(regression_table(rows, "mmse", ["site", "hypertension"], ["age"]))
    df = frame(rows)
    site = smf.ols("mmse ~ C(site) + age", data=df).fit()
    for level in ("north", "south"):  # against "east", first in sorted order
        row = table[(f"site[{level}]", "adjusted")]
        assert row["reference_level"] == "east" and row["level"] == level
        assert_row(row, site, f"C(site)[T.{level}]")
    assert ("site[east]", "univariable") not in table
    binary = smf.ols("mmse ~ C(hypertension)", data=df).fit()  # 0/1 kept as text levels
    assert_row(table[("hypertension[1]", "univariable")], binary, "C(hypertension)[T.1]")
    assert table[("hypertension[1]", "univariable")]["reference_level"] == "0"


def test_untransformed_outcome_with_missing_values_in_the_outcome(rows):
    gappy = [{**r, "mmse": "n/a" if k < 3 else r["mmse"]} for k, r in enumerate(rows)]
    table = by_key(regression_table(gappy, "mmse", ["wmh_pct"], ["age", "sex"]))
    df = frame(gappy)
    fit = smf.ols("mmse ~ wmh_pct + age + C(sex)", data=df).fit()
    assert_row(table[("wmh_pct", "adjusted")], fit, "wmh_pct")
    assert table[("wmh_pct", "adjusted")]["n"] == int(fit.nobs) < 37


def test_counts_joined_by_participant_become_outcomes(rows):
    base = [{k: r[k] for k in ("participant_id", "age")} for r in rows]
    counts = [
        {"participant_id": r["participant_id"], "cmb_total": r["cmb_total"]} for r in rows[5:]
    ]
    joined = join_on(base, counts)
    assert all(r["cmb_total"] == "n/a" for r in joined[:5])
    row = regression_table(joined, "cmb_total", ["age"], log1p=True)[0]
    fit = smf.ols("np.log1p(cmb_total) ~ age", data=frame(rows[5:])).fit()
    assert_row(row, fit, "age")


@pytest.mark.parametrize(
    ("outcome", "predictors", "words"),
    [
        ("cmb_total", ["agee"], "agee not in the table"),
        ("sex", ["age"], "is not numeric (it holds 'F')"),
        ("age", ["age"], "also a predictor"),
    ],
)
def test_bad_requests_raise_ferret_errors(rows, outcome, predictors, words):
    with pytest.raises(FerretError, match=words.replace("(", r"\(").replace(")", r"\)")):
        regression_table(rows, outcome, predictors)


def test_a_predictor_constant_among_complete_rows_gets_a_note_not_numbers(rows):
    same = [{**r, "sex": "F"} for r in rows]
    (row,) = regression_table(same, "mmse", ["sex"])
    assert row.get("beta") is None and row.get("p") is None
    assert "one level only (F)" in row["note"]


def test_log1p_refuses_negative_outcomes(rows):
    negative = [{**r, "mmse": "-1"} if k == 0 else r for k, r in enumerate(rows)]
    with pytest.raises(FerretError, match="non-negative"):
        regression_table(negative, "mmse", ["age"], log1p=True)


def test_a_numeric_code_named_categorical_gets_level_contrasts(rows):
    coded = [{**r, "site_code": str(1 + k % 3)} for k, r in enumerate(rows)]
    numeric = regression_table(coded, "mmse", ["site_code"])
    assert [r["term"] for r in numeric] == ["site_code"]  # three values: a number by default
    table = by_key(regression_table(coded, "mmse", ["site_code"], categorical=["site_code"]))
    fit = smf.ols("mmse ~ C(site_code)", data=frame(coded)).fit()  # site_code stays text there
    for level in ("2", "3"):
        assert_row(table[(f"site_code[{level}]", "univariable")], fit, f"C(site_code)[T.{level}]")
