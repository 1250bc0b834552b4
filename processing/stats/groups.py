"""A Table-1-like comparison of groups: one row per variable.

Continuous variables: median [IQR] per group (quartiles by linear
interpolation, numpy's default and R's type 7) with the two-sided Mann-Whitney
U test for two groups (Kruskal-Wallis H for more). Categorical variables: n (%)
with the Wilson 95 % interval per level and group, tested with Pearson's
chi-square without continuity correction, or, when any expected count is below
5, Fisher's exact test: exact for a 2x2 table, and for larger tables the
Fisher-Freeman-Halton test from ``scipy.stats.fisher_exact`` with its p value
estimated from 99,999 Monte Carlo tables drawn with a fixed seed (reproducible).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats
from scipy.stats.contingency import expected_freq

from processing.errors import FerretError
from processing.stats.proportions import format_proportion

MISSING_TEXT = {"", "n/a"}  # BIDS: only n/a (and an empty cell) is missing; "none" is a value
MONTE_CARLO_TABLES = 99_999
MONTE_CARLO_SEED = 20240101


def is_missing(value: Any) -> bool:
    """Return True for None, NaN, an empty cell and BIDS's ``n/a``.

    ``none``, ``NA`` ... are values.
    """
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return str(value).strip().lower() in MISSING_TEXT


def group_levels(rows: Sequence[Mapping[str, Any]], group: str) -> list[str]:
    """Return the group values present, sorted (rows without a group are left out)."""
    return sorted({str(row[group]).strip() for row in rows if not is_missing(row.get(group))})


def group_table(
    rows: Sequence[Mapping[str, Any]],
    group: str,
    *,
    continuous: Sequence[str] = (),
    categorical: Sequence[str] = (),
    source: str = "table",
) -> tuple[list[str], list[dict]]:
    """Summarise variables per group and test the differences.

    Parameters
    ----------
    rows : sequence of mapping
        One record per participant (e.g. participants.tsv rows).
    group : str
        Column holding the group.
    continuous, categorical : sequence of str
        Columns to summarise as median [IQR] or as n (%).
    source : str
        Name of the input for error messages.

    Returns
    -------
    columns, rows
        Column names (``variable``, ``type``, one per group ``"<group> (n=N)"``,
        ``missing``, ``test``, ``statistic``, ``p``) and one row per variable.
    """
    _check_columns(rows, [group, *continuous, *categorical], source)
    levels = group_levels(rows, group)
    if len(levels) < 2:
        raise FerretError(
            f"column {group!r} has {len(levels)} group(s); comparing needs at least two.",
            source,
            "choose a column with two or more groups.",
        )
    heads = [f"{level} (n={sum(str(r[group]).strip() == level for r in rows)})" for level in levels]
    columns = ["variable", "type", *heads, "missing", "test", "statistic", "p"]
    table = [_continuous_row(rows, group, levels, heads, name, source) for name in continuous]
    table += [_categorical_row(rows, group, levels, heads, name) for name in categorical]
    return columns, table


def _check_columns(rows, names, source) -> None:
    present = set(rows[0]) if rows else set()
    absent = [name for name in names if name not in present]
    if absent:
        raise FerretError(
            f"column(s) {', '.join(absent)} not found (columns: {', '.join(sorted(present))}).",
            source,
            "check the column names (they are case-sensitive).",
        )


def _values_by_group(rows, group, levels, name):
    grouped = {level: [] for level in levels}
    missing = 0
    for row in rows:
        if is_missing(row.get(group)):
            continue
        if is_missing(row[name]):
            missing += 1
        else:
            grouped[str(row[group]).strip()].append(row[name])
    return grouped, missing


def _continuous_row(rows, group, levels, heads, name, source) -> dict[str, Any]:
    grouped, missing = _values_by_group(rows, group, levels, name)
    numbers = {level: _numbers(values, name, source) for level, values in grouped.items()}
    row = {"variable": name, "type": "continuous", "missing": missing}
    row.update(
        {head: median_iqr(numbers[level]) for head, level in zip(heads, levels, strict=True)}
    )
    row.update(continuous_test([numbers[level] for level in levels]))
    return row


def _numbers(values, name, source) -> np.ndarray:
    try:
        return np.array([float(value) for value in values], dtype=float)
    except ValueError as exc:
        raise FerretError(
            f"column {name!r} is declared continuous but holds a non-number ({exc}).",
            source,
            "declare it with --categorical or fix the value.",
        ) from exc


def median_iqr(values: ArrayLike) -> str:
    """``"median [Q1-Q3]"`` with four significant digits; ``"-"`` when empty."""
    numbers = np.asarray(values, dtype=float)
    if numbers.size == 0:
        return "-"
    q1, median, q3 = np.percentile(numbers, [25, 50, 75])
    return f"{median:.4g} [{q1:.4g}-{q3:.4g}]"


def continuous_test(samples: Sequence[ArrayLike]) -> dict[str, Any]:
    """Mann-Whitney U (two groups, two-sided) or Kruskal-Wallis H (more groups)."""
    arrays = [np.asarray(s, dtype=float) for s in samples]
    if sum(s.size > 0 for s in arrays) < 2:
        return {
            "test": "not applicable (fewer than two groups with values)",
            "statistic": math.nan,
            "p": math.nan,
        }
    if len(arrays) == 2:
        result = stats.mannwhitneyu(arrays[0], arrays[1], alternative="two-sided")
        return {
            "test": "Mann-Whitney U",
            "statistic": float(result.statistic),
            "p": float(result.pvalue),
        }
    result = stats.kruskal(*[s for s in arrays if s.size])
    return {
        "test": "Kruskal-Wallis H",
        "statistic": float(result.statistic),
        "p": float(result.pvalue),
    }


def _categorical_row(rows, group, levels, heads, name) -> dict[str, Any]:
    grouped, missing = _values_by_group(rows, group, levels, name)
    categories = sorted({str(v).strip() for values in grouped.values() for v in values})
    counts = np.array(
        [
            [sum(str(v).strip() == category for v in grouped[level]) for level in levels]
            for category in categories
        ],
        dtype=int,
    ).reshape(len(categories), len(levels))
    row = {"variable": name, "type": "categorical", "missing": missing}
    for column, head in enumerate(heads):
        total = int(counts[:, column].sum())
        row[head] = "; ".join(
            f"{category}: {format_proportion(int(count), total, with_total=False)}"
            for category, count in zip(categories, counts[:, column], strict=True)
        )
    row.update(categorical_test(counts))
    return row


def categorical_test(counts: np.ndarray) -> dict[str, Any]:
    """Chi-square without continuity correction, or Fisher's exact test when any expected count < 5.

    Rows or columns that sum to zero are dropped first; a table left with one
    row or one column cannot be tested.
    """
    counts = np.asarray(counts, dtype=int)
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0] if counts.size else counts
    if counts.ndim != 2 or min(counts.shape) < 2:
        return {
            "test": "not applicable (a single category or group)",
            "statistic": math.nan,
            "p": math.nan,
        }
    if (expected_freq(counts) >= 5).all():
        result = stats.chi2_contingency(counts, correction=False)
        return {
            "test": f"chi-square (df={result.dof}, no continuity correction)",
            "statistic": float(result.statistic),
            "p": float(result.pvalue),
        }
    if counts.shape == (2, 2):
        result = stats.fisher_exact(counts)
        return {
            "test": "Fisher's exact (odds ratio)",
            "statistic": float(result.statistic),
            "p": float(result.pvalue),
        }
    method = stats.MonteCarloMethod(
        n_resamples=MONTE_CARLO_TABLES, rng=np.random.default_rng(MONTE_CARLO_SEED)
    )
    result = stats.fisher_exact(counts, method=method)
    return {
        "test": f"Fisher-Freeman-Halton (Monte Carlo, {MONTE_CARLO_TABLES} tables)",
        "statistic": float(result.statistic),
        "p": float(result.pvalue),
    }
