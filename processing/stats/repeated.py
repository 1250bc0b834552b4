"""Repeated-measures comparison of the three lesion classes, per parameter.

One-way repeated-measures ANOVA (statsmodels ``AnovaRM``) over pre-lesional,
lesional and post-lesional values of each lesion, and post-hoc two-tailed
paired t-tests (``scipy.stats.ttest_rel``) with the 95 % confidence interval of
the mean difference. Only lesions with a value in all three classes enter
(``AnovaRM`` needs balanced data); excluded lesions never enter.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats
from statsmodels.stats.multitest import multipletests

from processing.timecourses.model import CLASSES, as_bool, as_float, as_row_dict, ordered_parameters

#: Columns of :func:`timecourse_statistics`'s rows, in order.
STATS_COLUMNS = (
    "parameter",
    "test",
    "comparison",
    "n",
    "statistic",
    "df_num",
    "df_den",
    "p",
    "p_holm",
    "mean_difference",
    "ci_low",
    "ci_high",
    "note",
)


def rm_anova(
    values: Mapping[Any, Sequence[float]], conditions: Sequence[str] = CLASSES
) -> dict[str, Any]:
    """One-way repeated-measures ANOVA.

    Parameters
    ----------
    values : mapping of subject to sequence of float
        Each subject's value under each condition, in ``conditions`` order.
    conditions : sequence of str
        Condition names.

    Returns
    -------
    dict
        ``F``, ``df_num``, ``df_den``, ``p`` and ``n`` (subjects); NaN when fewer
        than two subjects.
    """
    import pandas as pd  # statsmodels' AnovaRM takes a DataFrame; pandas comes with statsmodels
    from statsmodels.stats.anova import AnovaRM

    n = len(values)
    if n < 2:
        return {"F": math.nan, "df_num": math.nan, "df_den": math.nan, "p": math.nan, "n": n}
    frame = pd.DataFrame(
        [
            {"subject": str(subject), "condition": condition, "value": float(value)}
            for subject, row in values.items()
            for condition, value in zip(conditions, row, strict=True)
        ]
    )
    with (
        warnings.catch_warnings()
    ):  # zero residual variance gives F = x/0: reported as inf/NaN, not warned
        warnings.simplefilter("ignore", RuntimeWarning)
        table = (
            AnovaRM(frame, depvar="value", subject="subject", within=["condition"])
            .fit()
            .anova_table
        )
    result = table.loc["condition"]
    return {
        "F": float(result["F Value"]),
        "df_num": float(result["Num DF"]),
        "df_den": float(result["Den DF"]),
        "p": float(result["Pr > F"]),
        "n": n,
    }


def paired_ttest(first: ArrayLike, second: ArrayLike) -> dict[str, Any]:
    """Two-tailed paired t-test of ``second - first`` with its 95 % CI.

    Returns
    -------
    dict
        ``t``, ``df``, ``p``, ``mean_difference`` (second minus first), ``ci_low``,
        ``ci_high`` and ``n``; NaN statistics when fewer than two pairs.
    """
    before, after = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    n = int(before.size)
    if n < 2:
        mean = float(np.mean(after - before)) if n else math.nan
        return {
            "t": math.nan,
            "df": math.nan,
            "p": math.nan,
            "mean_difference": mean,
            "ci_low": math.nan,
            "ci_high": math.nan,
            "n": n,
        }
    result = stats.ttest_rel(after, before)
    interval = result.confidence_interval(0.95)
    return {
        "t": float(result.statistic),
        "df": float(result.df),
        "p": float(result.pvalue),
        "mean_difference": float(np.mean(after - before)),
        "ci_low": float(interval.low),
        "ci_high": float(interval.high),
        "n": n,
    }


def class_values(rows: Iterable[Any], parameter: str, value: str = "normalised_difference") -> dict:
    """Per included lesion, its value in each class, for lesions complete in all three.

    ``rows`` are :class:`~processing.timecourses.model.TimecourseRow` objects or
    dicts with the same keys; lesions are keyed by ``(participant, rater, lesion_id)``.
    """
    found: dict[tuple, dict[str, float]] = defaultdict(dict)
    for row in map(as_row_dict, rows):
        if (
            row["parameter"] != parameter
            or as_bool(row["excluded"])
            or row["visit_class"] not in CLASSES
        ):
            continue
        number = as_float(row[value])
        if math.isfinite(number):
            found[(row["participant"], row["rater"], str(row["lesion_id"]))][row["visit_class"]] = (
                number
            )
    return {
        key: [classes[name] for name in CLASSES]
        for key, classes in sorted(found.items())
        if len(classes) == len(CLASSES)
    }


def timecourse_statistics(
    rows: Sequence[Any], value: str = "normalised_difference"
) -> list[dict[str, Any]]:
    """ANOVA and post-hoc rows for every parameter of a time-course table.

    Post-hoc p values are also given Holm-adjusted over the three comparisons
    of a parameter (``p_holm``); ``p`` is the unadjusted two-tailed value.
    """
    rows = [as_row_dict(row) for row in rows]
    table = []
    for parameter in ordered_parameters({row["parameter"] for row in rows}):
        values = class_values(rows, parameter, value)
        table.append(_anova_row(parameter, values))
        table.extend(_posthoc_rows(parameter, values))
    return table


def _anova_row(parameter: str, values: dict) -> dict[str, Any]:
    result = rm_anova(values)
    note = "" if result["n"] >= 2 else "fewer than two complete lesions"
    return _row(
        parameter,
        "repeated-measures ANOVA",
        " / ".join(CLASSES),
        result["n"],
        result["F"],
        result["df_num"],
        result["df_den"],
        result["p"],
        note=note,
    )


def _posthoc_rows(parameter: str, values: dict) -> list[dict[str, Any]]:
    matrix = np.array(list(values.values()), dtype=float).reshape(-1, len(CLASSES))
    results = [
        (CLASSES[a], CLASSES[b], paired_ttest(matrix[:, a], matrix[:, b]))
        for a, b in combinations(range(len(CLASSES)), 2)
    ]
    p_values = [r["p"] for _, _, r in results]
    holm = (
        multipletests(p_values, method="holm")[1]
        if all(map(math.isfinite, p_values))
        else [math.nan] * 3
    )
    return [
        _row(
            parameter,
            "paired t-test",
            f"{second} - {first}",
            r["n"],
            r["t"],
            r["df"],
            math.nan,
            r["p"],
            p_holm=float(adjusted),
            mean_difference=r["mean_difference"],
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
            note="" if r["n"] >= 2 else "fewer than two complete lesions",
        )
        for (first, second, r), adjusted in zip(results, holm, strict=True)
    ]


def _row(parameter, test, comparison, n, statistic, df_num, df_den, p, **extra) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(STATS_COLUMNS, math.nan)
    row.update(
        parameter=parameter,
        test=test,
        comparison=comparison,
        n=n,
        statistic=statistic,
        df_num=df_num,
        df_den=df_den,
        p=p,
        note="",
    )
    row.update(extra)
    return row
