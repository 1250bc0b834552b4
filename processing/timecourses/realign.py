"""Onset alignment, baseline normalisation, classes and exclusions of one lesion.

For each parameter of a lesion:

* ``visits_from_onset`` is the visit index minus the onset's index ("MRI 0");
  ``weeks_from_onset`` is the date difference in weeks (when both dates exist).
* ``baseline_difference`` is the mean lesion-minus-control difference over all
  visits before onset that have one; ``normalised_difference`` is the
  difference minus that baseline.
* Classes: *pre-lesional* is the latest visit before onset with a normalised
  value (the visit just before onset unless that one lacks the parameter),
  *lesional* is the onset visit, *post-lesional* the last visit after onset
  with a value (the last available follow-up).
* A lesion is excluded from the statistics, with the reason kept in every row,
  when the rater flagged it, when onset is the first visit (no visit before
  onset) or the last (no follow-up), or, per parameter, when a class has no
  value (e.g. the ROI was emptied by the R2* filter at onset).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from processing.timecourses.model import ONSET, POST, PRE, LesionInfo, TimecourseRow, VisitVolumes

NO_PRE_VISIT = "no visit before onset"
NO_FOLLOW_UP = "no follow-up after onset"


def realign_lesion(
    rows: Sequence[TimecourseRow], lesion: LesionInfo, visits: Sequence[VisitVolumes]
) -> list[TimecourseRow]:
    """Fill the onset-relative fields, classes and exclusions of one lesion's rows (in place)."""
    labels = [visit.label for visit in visits]
    onset = labels.index(lesion.onset) if lesion.onset in labels else None
    common = _lesion_reasons(lesion, onset, len(labels))
    by_parameter: dict[str, list[TimecourseRow]] = defaultdict(list)
    for row in rows:
        by_parameter[row.parameter].append(row)
    for group in by_parameter.values():
        group.sort(key=lambda row: row.visit_index)
        _align_time(group, onset, visits)
        reasons = list(common)
        if onset is not None:
            _normalise(group, onset)
            if onset > 0:  # with no visit before onset there is no baseline to miss
                reasons += _class_reasons(group, onset)
        for row in group:
            row.excluded = bool(reasons)
            row.exclusion_reason = "; ".join(reasons)
    return list(rows)


def _lesion_reasons(lesion: LesionInfo, onset: int | None, n_visits: int) -> list[str]:
    reasons = []
    if lesion.excluded:
        reasons.append(
            "excluded by rater"
            + (f": {lesion.exclusion_reason}" if lesion.exclusion_reason else "")
        )
    if not lesion.onset:
        reasons.append("no onset visit rated")
    elif onset is None:
        reasons.append(f"onset visit {lesion.onset!r} is not one of the participant's visits")
    elif onset == 0:
        reasons.append(NO_PRE_VISIT)
    elif onset == n_visits - 1:
        reasons.append(NO_FOLLOW_UP)
    return reasons


def _align_time(
    group: list[TimecourseRow], onset: int | None, visits: Sequence[VisitVolumes]
) -> None:
    onset_date = visits[onset].date if onset is not None else None
    for row in group:
        if onset is None:
            continue
        row.visits_from_onset = row.visit_index - onset
        row.weeks_from_onset = weeks_between(onset_date, visits[row.visit_index].date)


def weeks_between(start: _dt.date | None, end: _dt.date | None) -> float | None:
    """``end - start`` in weeks (fractional), or None when a date is missing."""
    if start is None or end is None:
        return None
    return round((_as_datetime(end) - _as_datetime(start)).total_seconds() / 604800.0, 4)


def _as_datetime(value: _dt.date) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_dt.UTC)
    return _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.UTC)


def _normalise(group: list[TimecourseRow], onset: int) -> None:
    before = [row.difference for row in group[:onset] if math.isfinite(row.difference)]
    baseline = float(np.mean(before)) if before else float("nan")
    for row in group:
        row.baseline_difference = baseline
        row.normalised_difference = row.difference - baseline


def _class_reasons(group: list[TimecourseRow], onset: int) -> list[str]:
    reasons = []
    chosen = {
        PRE: _last_with_value(group[:onset]),
        ONSET: group[onset] if math.isfinite(group[onset].normalised_difference) else None,
        POST: _last_with_value(group[onset + 1 :]),
    }
    for name, row in chosen.items():
        if row is not None:
            row.visit_class = name
    parameter = group[0].parameter
    if onset > 0 and chosen[PRE] is None:
        reasons.append(f"no {parameter} value before onset ({_why(group[onset - 1])})")
    if chosen[ONSET] is None:
        reasons.append(f"no {parameter} value at onset ({_why(group[onset])})")
    if onset < len(group) - 1 and chosen[POST] is None:
        reasons.append(f"no {parameter} value after onset ({_why(group[-1])})")
    return reasons


def _last_with_value(rows: Sequence[TimecourseRow]) -> TimecourseRow | None:
    for row in reversed(rows):
        if math.isfinite(row.normalised_difference):
            return row
    return None


def _why(row: TimecourseRow) -> str:
    if row.note:
        return f"{row.visit}: {row.note}"
    return f"{row.visit}: no baseline before onset"
