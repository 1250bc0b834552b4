"""Proportions with Wilson 95 % intervals, and cross-tabulations of ratings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from statsmodels.stats.proportion import proportion_confint


def wilson_interval(count: int, total: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval of ``count / total`` (statsmodels ``proportion_confint``).

    Examples
    --------
    >>> [round(x, 2) for x in wilson_interval(7, 54)]
    [0.06, 0.24]
    """
    if total <= 0:
        return float("nan"), float("nan")
    low, high = proportion_confint(count, total, alpha=alpha, method="wilson")
    return float(low), float(high)


def format_proportion(count: int, total: int, *, with_total: bool = True) -> str:
    """``"7/54 (13 %) [0.06-0.24]"``: count, percentage and Wilson 95 % interval.

    Examples
    --------
    >>> format_proportion(7, 54)
    '7/54 (13 %) [0.06-0.24]'
    >>> format_proportion(7, 54, with_total=False)
    '7 (13 %) [0.06-0.24]'
    """
    head = f"{count}/{total}" if with_total else f"{count}"
    if total <= 0:
        return f"{head} (n/a)"
    low, high = wilson_interval(count, total)
    return f"{head} ({100.0 * count / total:.0f} %) [{low:.2f}-{high:.2f}]"


@dataclass(frozen=True)
class CrossTab:
    """Counts of pairs of ratings: rows are levels of the first, columns of the second."""

    row_levels: tuple[str, ...]
    column_levels: tuple[str, ...]
    counts: np.ndarray

    def as_rows(
        self, row_title: str = "", column_title: str = ""
    ) -> tuple[list[str], list[dict[str, Any]]]:
        """Columns and rows for a table writer, with row and column totals."""
        corner = f"{row_title} \\ {column_title}".strip(" \\") or "rating"
        columns = [corner, *self.column_levels, "total"]
        rows = [
            {
                corner: level,
                **dict(zip(self.column_levels, map(int, counts), strict=True)),
                "total": int(counts.sum()),
            }
            for level, counts in zip(self.row_levels, self.counts, strict=True)
        ]
        totals = self.counts.sum(axis=0)
        rows.append(
            {
                corner: "total",
                **dict(zip(self.column_levels, map(int, totals), strict=True)),
                "total": int(totals.sum()),
            }
        )
        return columns, rows


def cross_tabulate(
    first: Sequence[Any],
    second: Sequence[Any],
    *,
    first_levels: Sequence[str] | None = None,
    second_levels: Sequence[str] | None = None,
) -> CrossTab:
    """Cross-tabulate two paired ratings (e.g. R2* category at onset vs last follow-up).

    Pairs where either rating is missing (None or empty) are left out. Levels
    default to the sorted values seen; given levels keep their order and may
    include categories never observed (their counts are zero).
    """
    if len(first) != len(second):
        raise ValueError(f"ratings differ in length: {len(first)} vs {len(second)}")
    pairs = [
        (str(a), str(b)) for a, b in zip(first, second, strict=True) if _present(a) and _present(b)
    ]
    rows = tuple(first_levels) if first_levels is not None else tuple(sorted({a for a, _ in pairs}))
    cols = (
        tuple(second_levels) if second_levels is not None else tuple(sorted({b for _, b in pairs}))
    )
    counts = np.zeros((len(rows), len(cols)), dtype=int)
    for a, b in pairs:
        if a not in rows or b not in cols:
            raise ValueError(f"rating pair ({a!r}, {b!r}) is outside the given levels")
        counts[rows.index(a), cols.index(b)] += 1
    return CrossTab(rows, cols, counts)


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() not in {"", "n/a", "NA", "nan"}
