"""Columns of a text table as model variables: numbers, or categories for ``C()``.

A column is numeric when every non-missing cell parses as a number (missing:
an empty cell or BIDS's ``n/a``, see :func:`processing.stats.groups.is_missing`).
A predictor is categorical when it is not numeric, when it is numeric with
exactly two distinct values (a binary variable coded 0/1 or 1/2: the contrast
is then reported as that level against the other), or when the caller says so.
Categories keep their text, so their levels read as in the table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from processing.errors import FerretError
from processing.stats.groups import is_missing


@dataclass(frozen=True)
class Variable:
    """One column prepared for a model: its values (NaN / None where missing) and kind."""

    name: str
    values: pd.Series
    categorical: bool


def check_columns(rows: Sequence[Mapping[str, str]], names: Sequence[str], source) -> None:
    """Raise a FerretError naming every column of ``names`` that the table lacks."""
    present = list(rows[0]) if rows else []
    absent = [name for name in dict.fromkeys(names) if name not in present]
    if absent:
        raise FerretError(
            f"column(s) {', '.join(absent)} not in the table (columns: {', '.join(present)}).",
            source,
            "check the column names (they are case-sensitive).",
        )


def numeric_column(rows: Sequence[Mapping[str, str]], name: str) -> np.ndarray | None:
    """Return the column as floats (NaN where missing), or None when a cell is not a number."""
    values = []
    for row in rows:
        cell = row[name]
        if is_missing(cell):
            values.append(np.nan)
            continue
        try:
            values.append(float(cell))
        except ValueError:
            return None
    return np.array(values, dtype=float)


def outcome_variable(
    rows: Sequence[Mapping[str, str]], name: str, *, log1p: bool, source: str | Path
) -> Variable:
    """Return the outcome as numbers (``log(1 + value)`` with ``log1p``), else raise."""
    numbers = numeric_column(rows, name)
    if numbers is None:
        example = next(r[name] for r in rows if not is_missing(r[name]) and not _is_number(r[name]))
        raise FerretError(
            f"the outcome {name!r} is not numeric (it holds {example!r}).",
            source,
            "choose a numeric outcome column (a categorical one cannot be a linear outcome).",
        )
    if log1p:
        if np.nanmin(numbers, initial=0.0) < 0:
            raise FerretError(
                f"--log1p needs non-negative values, but {name!r} has {np.nanmin(numbers):g}.",
                source,
                "use --log1p for counts only.",
            )
        numbers = np.log1p(numbers)
    return Variable(name, pd.Series(numbers), categorical=False)


def predictor_variable(
    rows: Sequence[Mapping[str, str]], name: str, *, categorical: bool = False
) -> Variable:
    """Return a predictor or adjuster, numeric or categorical (see the module overview)."""
    numbers = numeric_column(rows, name)
    levels = set() if numbers is None else set(numbers[~np.isnan(numbers)].tolist())
    if numbers is not None and not categorical and len(levels) != 2:
        return Variable(name, pd.Series(numbers), categorical=False)
    text = [None if is_missing(row[name]) else str(row[name]).strip() for row in rows]
    return Variable(name, pd.Series(text, dtype=object), categorical=True)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
