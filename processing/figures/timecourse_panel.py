"""The Figure-2 style time-course panel, one per parameter.

Each lesion's normalised lesion-minus-control difference against time relative
to onset is a thin transparent line; the mean over lesions is a solid line and
mean +- SD a shaded band. Only lesions included in the statistics are drawn
(excluded ones are listed in the tables with their reason).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from processing.figures.output import new_figure
from processing.timecourses.model import as_bool, as_float, as_row_dict, ordered_parameters

#: Axis labels of the known parameters (difference lesion - control, normalised).
PARAMETER_LABELS = {
    "trace_b1000": "DWI trace b=1000 (a.u.)",
    "trace_b3000": "DWI trace b=3000 (a.u.)",
    "MD": "MD (mm²/s)",
    "FA": "FA",
    "R1": "R1 (1/s)",
    "R2": "R2 (1/s)",
    "R2star": "R2* (1/s)",
}
X_LABELS = {
    "visits_from_onset": "visits relative to onset (MRI 0)",
    "weeks_from_onset": "weeks relative to onset",
}


@dataclass
class PanelSeries:
    """What one panel draws: per-lesion lines and the per-time mean and SD."""

    lines: dict[tuple, tuple[np.ndarray, np.ndarray]]
    x: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    n: np.ndarray


def panel_series(
    rows: Sequence[Any],
    parameter: str,
    *,
    x: str = "visits_from_onset",
    value: str = "normalised_difference",
) -> PanelSeries:
    """Collect a parameter's lines (included lesions) and the mean +- SD at each time.

    SD is the sample SD (ddof 1); it is 0 where a single lesion has a value.
    With ``x="weeks_from_onset"`` times are rounded to 0.1 week to group lesions.
    ``rows`` may be :class:`~processing.timecourses.model.TimecourseRow` objects
    or dicts read back from the CSV (text cells such as ``"False"`` are understood).
    """
    lines: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
    for row in map(as_row_dict, rows):
        time, number = as_float(row[x]), as_float(row[value])
        if row["parameter"] != parameter or as_bool(row["excluded"]) or not math.isfinite(time):
            continue
        if math.isfinite(number):
            lines[(row["participant"], row["rater"], row["lesion_id"])].append((time, number))
    arrays = {key: _columns(points) for key, points in lines.items()}
    by_time: dict[float, list[float]] = defaultdict(list)
    for times, values in arrays.values():
        for t, v in zip(times, values, strict=True):
            by_time[round(t, 1)].append(v)
    times = np.array(sorted(by_time))
    groups = [np.array(by_time[t]) for t in times]
    mean = np.array([g.mean() for g in groups])
    sd = np.array([g.std(ddof=1) if g.size > 1 else 0.0 for g in groups])
    return PanelSeries(arrays, times, mean, sd, np.array([g.size for g in groups]))


def _columns(points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Return the times and the values of ``(time, value)`` points, in time order."""
    times, values = zip(*sorted(points), strict=True)
    return np.array(times), np.array(values)


def draw_timecourse_panel(
    ax: Axes,
    rows: Sequence[Any],
    parameter: str,
    *,
    x: str = "visits_from_onset",
    color: str = "tab:blue",
) -> PanelSeries:
    """Draw one parameter's panel on ``ax`` and return what was drawn."""
    series = panel_series(rows, parameter, x=x)
    for times, values in series.lines.values():
        ax.plot(times, values, color=color, alpha=0.25, linewidth=0.8)
    if series.x.size:
        ax.fill_between(
            series.x,
            series.mean - series.sd,
            series.mean + series.sd,
            color=color,
            alpha=0.2,
            linewidth=0,
        )
        ax.plot(series.x, series.mean, color=color, linewidth=2.2, label="mean ± SD")
    ax.axvline(0.0, color="0.4", linestyle="--", linewidth=0.8)
    ax.axhline(0.0, color="0.6", linewidth=0.6)
    ax.set_title(f"{parameter}  (n={len(series.lines)} lesions)", fontsize=10)
    ax.set_xlabel(X_LABELS.get(x, x))
    ax.set_ylabel(f"Δ {PARAMETER_LABELS.get(parameter, parameter)}")
    if x == "visits_from_onset":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return series


def timecourse_figure(
    rows: Sequence[Any],
    parameters: Sequence[str] | None = None,
    *,
    x: str = "visits_from_onset",
    columns: int = 3,
) -> Figure:
    """Return a grid of panels, one per parameter (default: every parameter in ``rows``)."""
    if parameters is None:
        parameters = ordered_parameters({as_row_dict(r)["parameter"] for r in rows})
    parameters = list(parameters) or ["(no parameter)"]
    columns = max(1, min(columns, len(parameters)))
    n_rows = math.ceil(len(parameters) / columns)
    figure = new_figure(3.6 * columns, 2.9 * n_rows)
    axes = np.atleast_1d(figure.subplots(n_rows, columns, squeeze=False).ravel())
    for ax, parameter in zip(axes, parameters, strict=False):
        draw_timecourse_panel(ax, rows, parameter, x=x)
    for ax in axes[len(parameters) :]:
        ax.set_visible(False)
    return figure
