"""Statistics against hand-computed cases and direct scipy/statsmodels calls."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.anova import AnovaRM

from processing.stats import (
    categorical_test,
    class_values,
    continuous_test,
    cross_tabulate,
    format_proportion,
    median_iqr,
    paired_ttest,
    rm_anova,
    timecourse_statistics,
    wilson_interval,
)
from processing.timecourses import CLASSES, ONSET, POST, PRE


def test_paired_ttest_by_hand():
    result = paired_ttest([1, 2, 3], [2, 4, 6])  # differences 1, 2, 3: mean 2, sd 1
    assert result["t"] == pytest.approx(2 * math.sqrt(3))
    assert result["df"] == 2 and result["n"] == 3 and result["mean_difference"] == 2
    half = 4.302652729911275 / math.sqrt(3)  # t(0.975, 2) * sd / sqrt(n)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((2 - half, 2 + half))
    assert math.isnan(paired_ttest([1.0], [2.0])["p"])


def test_rm_anova_by_hand():
    # Condition means 2, 4, 6; SS_cond = 24 (df 2), SS_error = 16/3 (df 4): F = 12 / (4/3) = 9.
    result = rm_anova({"s1": [1, 4, 5], "s2": [2, 5, 8], "s3": [3, 3, 5]})
    assert result["F"] == pytest.approx(9.0)
    assert (result["df_num"], result["df_den"], result["n"]) == (2, 4, 3)
    assert result["p"] == pytest.approx(1 / 5.5**2)  # F(2, 4) survival: (1 + 2F/4)^-2


def test_rm_anova_and_ttests_match_direct_library_calls():
    rng = np.random.default_rng(3)
    values = rng.normal([0.0, 1.0, 0.4], 0.8, size=(12, 3))
    frame = pd.DataFrame(
        [{"s": i, "c": c, "v": values[i, j]} for i in range(12) for j, c in enumerate("abc")]
    )
    direct = AnovaRM(frame, "v", "s", within=["c"]).fit().anova_table.loc["c"]
    ours = rm_anova({i: values[i] for i in range(12)})
    assert ours["F"] == pytest.approx(direct["F Value"]) and ours["p"] == pytest.approx(
        direct["Pr > F"]
    )
    scipy_result = stats.ttest_rel(values[:, 2], values[:, 0])
    ours = paired_ttest(values[:, 0], values[:, 2])
    assert ours["t"] == pytest.approx(scipy_result.statistic) and ours["p"] == pytest.approx(
        scipy_result.pvalue
    )
    low, high = scipy_result.confidence_interval(0.95)
    assert (ours["ci_low"], ours["ci_high"]) == pytest.approx((low, high))


def _rows(lesion, values, excluded=False, parameter="MD"):
    return [
        {
            "participant": "sub-01",
            "rater": "A",
            "lesion_id": lesion,
            "parameter": parameter,
            "visit_class": name,
            "excluded": excluded,
            "normalised_difference": value,
        }
        for name, value in zip(CLASSES, values, strict=True)
    ]


def test_timecourse_statistics_uses_complete_included_lesions_only():
    values = {1: [0.0, 3.0, 1.0], 2: [0.5, 4.0, 2.0], 3: [-0.5, 2.5, 1.5], 4: [0.0, 5.0, 0.5]}
    rows = [row for lesion, v in values.items() for row in _rows(lesion, v)]
    rows += _rows(5, [0.0, 90.0, 0.0], excluded=True)  # would dominate if it entered
    rows += _rows(6, [0.0, 90.0, 0.0])[:2]  # no post-lesional value: incomplete
    assert len(class_values(rows, "MD")) == 4
    table = timecourse_statistics(rows)
    anova, pre_onset, pre_post, onset_post = table
    assert anova["test"] == "repeated-measures ANOVA" and anova["n"] == 4
    assert anova["statistic"] == pytest.approx(rm_anova(values)["F"])
    matrix = np.array(list(values.values()))
    assert pre_onset["comparison"] == f"{ONSET} - {PRE}"
    assert pre_onset["statistic"] == pytest.approx(
        stats.ttest_rel(matrix[:, 1], matrix[:, 0]).statistic
    )
    assert pre_post["comparison"] == f"{POST} - {PRE}"
    assert onset_post["mean_difference"] == pytest.approx(np.mean(matrix[:, 2] - matrix[:, 1]))
    ps = sorted(r["p"] for r in table[1:])
    assert min(r["p_holm"] for r in table[1:]) == pytest.approx(3 * ps[0])  # Holm's first step


def test_timecourse_statistics_with_a_single_lesion_reports_nan():
    table = timecourse_statistics(_rows(1, [0.0, 2.0, 1.0]))
    assert len(table) == 4 and all(math.isnan(row["p"]) for row in table)
    assert table[0]["note"] == "fewer than two complete lesions"


def test_wilson_interval_design_example_and_hand_case():
    assert [round(x, 2) for x in wilson_interval(7, 54)] == [0.06, 0.24]
    assert format_proportion(7, 54) == "7/54 (13 %) [0.06-0.24]"
    low, high = wilson_interval(0, 10)
    z2 = stats.norm.ppf(0.975) ** 2
    assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(z2 / (10 + z2))


def test_mann_whitney_and_median_iqr_by_hand():
    result = continuous_test([[1, 2, 3], [4, 5, 6]])
    assert result["test"] == "Mann-Whitney U" and result["statistic"] == 0
    assert result["p"] == pytest.approx(0.1)  # exact: 2 of the 20 orderings are this extreme
    assert continuous_test([[1, 2], [3, 4], [5, 6]])["test"] == "Kruskal-Wallis H"
    assert median_iqr([1, 2, 3, 4]) == "2.5 [1.75-3.25]"
    assert median_iqr([]) == "-"


def test_chi_square_without_correction_by_hand_and_fisher_when_expected_small():
    result = categorical_test(np.array([[10, 20], [20, 10]]))  # expected 15 everywhere
    assert result["statistic"] == pytest.approx(4 * 25 / 15)
    assert result["p"] == pytest.approx(stats.chi2.sf(20 / 3, 1))
    assert "no continuity correction" in result["test"]
    small = np.array([[1, 9], [6, 4]])
    result = categorical_test(small)
    assert result["test"].startswith("Fisher's exact")
    assert result["p"] == pytest.approx(stats.fisher_exact(small).pvalue)
    larger = np.array([[1, 9, 3], [6, 4, 8]])
    result = categorical_test(larger)
    assert result["test"].startswith("Fisher-Freeman-Halton")
    assert result["p"] == categorical_test(larger)["p"]  # fixed seed: reproducible
    assert result["p"] == pytest.approx(stats.fisher_exact(larger).pvalue, abs=0.01)
    assert categorical_test(np.array([[3, 4], [0, 0]]))["test"].startswith("not applicable")


def test_cross_tabulation_of_ratings():
    onset = ["hypo", "iso", "hypo", None, "hyper", "hypo"]
    last = ["hypo", "hypo", "iso", "iso", "hyper", "hypo"]
    table = cross_tabulate(
        onset,
        last,
        first_levels=["hyper", "iso", "hypo"],
        second_levels=["hyper", "iso", "hypo", "not assessable"],
    )
    assert table.counts.tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 2, 0]]
    columns, rows = table.as_rows("onset", "last")
    assert columns[0] == "onset \\ last" and rows[-1]["total"] == 5 and rows[2]["hypo"] == 2
    with pytest.raises(ValueError):
        cross_tabulate(["x"], ["y"], first_levels=["a"])
