"""Linear regression of one outcome on each predictor: univariable and adjusted (OLS).

For every predictor, statsmodels' formula API fits ``outcome ~ predictor``
(univariable) and, when adjusters are given, ``outcome ~ predictor +
adjusters`` (adjusted; a predictor that is itself an adjuster is adjusted for
the others). Categorical variables enter as ``C()`` with treatment contrasts
against their first level in sorted order, one row per other level. Each
model drops the participants missing any of its variables, and reports the
``n`` it used. With ``log1p`` the outcome is ``log(1 + value)`` (log-transformed
counts, as in the second reference study). Columns of the result:
:data:`REGRESSION_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import statsmodels.formula.api as smf

from processing.errors import FerretError
from processing.stats.variables import (
    Variable,
    check_columns,
    outcome_variable,
    predictor_variable,
)

REGRESSION_COLUMNS = (
    "outcome",
    "transform",
    "predictor",
    "term",
    "level",
    "reference_level",
    "model",
    "adjusted_for",
    "beta",
    "ci_low",
    "ci_high",
    "p",
    "n",
    "note",
)


def regression_table(
    rows: Sequence[Mapping[str, str]],
    outcome: str,
    predictors: Sequence[str],
    adjust: Sequence[str] = (),
    *,
    log1p: bool = False,
    categorical: Sequence[str] = (),
    source: str | Path = "table",
) -> list[dict]:
    """Fit every model and return one row per predictor term and model.

    Parameters
    ----------
    rows : sequence of mapping
        The table as text cells (e.g. from :func:`processing.stats.tables.read_tsv`).
    outcome : str
        Column of the (numeric) outcome.
    predictors, adjust : sequence of str
        Columns of the predictors, and of the adjusters of the adjusted models.
    log1p : bool
        Model ``log(1 + outcome)``.
    categorical : sequence of str
        Columns treated as categorical even when numeric.
    source : str or Path
        Named in error messages.

    Raises
    ------
    FerretError
        For an unknown column, a non-numeric or negative (with ``log1p``)
        outcome, an outcome among the predictors, or no predictor.
    """
    _check_request(rows, outcome, predictors, adjust, source)
    y = outcome_variable(rows, outcome, log1p=log1p, source=source)
    variables = {
        name: predictor_variable(rows, name, categorical=name in categorical)
        for name in dict.fromkeys([*predictors, *adjust])
    }
    table = []
    for name in dict.fromkeys(predictors):
        others = [a for a in dict.fromkeys(adjust) if a != name]
        table += _model_rows(y, variables[name], [], log1p)
        if others:
            table += _model_rows(y, variables[name], [variables[a] for a in others], log1p)
    return table


def _model_rows(y: Variable, x: Variable, adjusters: list[Variable], log1p: bool) -> list[dict]:
    """Fit one model; one row per term of ``x`` (or one row with a note when it cannot be fit)."""
    terms = [x, *adjusters]
    frame = pd.DataFrame({"y": y.values, **{f"x{k}": v.values for k, v in enumerate(terms)}})
    frame = frame.dropna()
    formula = "y ~ " + " + ".join(
        f"C(x{k})" if v.categorical else f"x{k}" for k, v in enumerate(terms)
    )
    base = {
        "outcome": y.name,
        "transform": "log1p" if log1p else "none",
        "predictor": x.name,
        "model": "adjusted" if adjusters else "univariable",
        "adjusted_for": ",".join(a.name for a in adjusters),
        "n": len(frame),
    }
    levels = sorted(frame["x0"].unique()) if x.categorical else []
    problem = _unfit_reason(frame, terms, levels, x)
    if problem:
        return [{**base, "term": x.name, "note": problem}]
    fit = smf.ols(formula, data=frame).fit()
    interval = fit.conf_int(alpha=0.05)
    contrasts = [(lv, f"C(x0)[T.{lv}]") for lv in levels[1:]] if x.categorical else [(None, "x0")]
    return [
        {
            **base,
            "term": x.name if level is None else f"{x.name}[{level}]",
            "level": level,
            "reference_level": levels[0] if x.categorical else None,
            "beta": float(fit.params[name]),
            "ci_low": float(interval.loc[name, 0]),
            "ci_high": float(interval.loc[name, 1]),
            "p": float(fit.pvalues[name]),
            "n": int(fit.nobs),
            "note": "",
        }
        for level, name in contrasts
    ]


def _unfit_reason(frame: pd.DataFrame, terms: list[Variable], levels: list, x: Variable) -> str:
    """Why the model cannot be fit (empty when it can)."""
    parameters = 1 + sum(
        frame[f"x{k}"].nunique() - 1 if v.categorical else 1 for k, v in enumerate(terms)
    )
    if x.categorical and len(levels) < 2:
        return f"one level only ({levels[0] if levels else 'none'}) among complete rows"
    if not x.categorical and frame["x0"].nunique() < 2:
        return "the predictor does not vary among complete rows"
    if len(frame) <= parameters:
        return f"too few complete rows ({len(frame)}) for {parameters} parameters"
    return ""


def _check_request(rows, outcome, predictors, adjust, source) -> None:
    if not predictors:
        raise FerretError("no predictors.", source, "name them with --predictors a,b,c.")
    check_columns(rows, [outcome, *predictors, *adjust], source)
    if outcome in predictors or outcome in adjust:
        raise FerretError(
            f"the outcome {outcome!r} is also a predictor or adjuster.",
            source,
            "leave it out of --predictors and --adjust.",
        )
