"""Per-lesion means at every visit: the raw half of the time course.

:func:`compute_timecourses` is the entry point: it builds each lesion's ROIs
once, takes the filtered means of every parameter at every visit, and hands the
rows to :mod:`processing.timecourses.realign` for onset alignment, baseline
normalisation, classes and exclusions.
"""

from __future__ import annotations

import datetime as _dt
from typing import Mapping, Sequence

import numpy as np

from processing.errors import FerretError
from processing.progress import Progress, null_progress
from processing.timecourses.model import (R2STAR_RANGE, LesionInfo, TimecourseRow, VisitVolumes,
                                          ordered_parameters)
from processing.timecourses.realign import realign_lesion
from processing.timecourses.rois import LesionRoi, lesion_rois, r2star_keep, roi_mean

NO_FILTER = "no R2* map at this visit for the voxel filter"
MISSING = "parameter not available at this visit"
EMPTY_LESION = "lesion ROI empty after R2* filter"
EMPTY_CONTROL = "control ROI empty after R2* filter"


def visits_from_dicts(maps: Mapping[str, Mapping[str, np.ndarray]], *,
                      r2star: Mapping[str, np.ndarray] | None = None,
                      dates: Mapping[str, _dt.date] | None = None) -> list[VisitVolumes]:
    """Build :class:`VisitVolumes` from plain dicts keyed by visit label, in ``maps`` order."""
    r2star, dates = r2star or {}, dates or {}
    return [VisitVolumes(label, dict(volumes), dates.get(label), r2star.get(label))
            for label, volumes in maps.items()]


def compute_timecourses(visits: Sequence[VisitVolumes], labels: np.ndarray,
                        lesions: Sequence[LesionInfo], *, participant: str = "", rater: str = "",
                        parameters: Sequence[str] | None = None,
                        r2star_range: tuple[float, float] = R2STAR_RANGE,
                        progress: Progress | None = None) -> list[TimecourseRow]:
    """Long table of lesion x visit x parameter for one participant and one rater.

    Parameters
    ----------
    visits : sequence of VisitVolumes
        The participant's visits in chronological order, maps in the grid of ``labels``.
    labels : ndarray of int, 3D
        Lesion label volume in the reference grid.
    lesions : sequence of LesionInfo
        The rater's lesions (ID, onset visit, exclusion flag).
    participant, rater : str
        Copied into every row.
    parameters : sequence of str, optional
        Parameters to report; default: every parameter present at any visit.
    r2star_range : (float, float)
        Voxel filter on R2* in 1/s, inclusive.
    progress : Progress, optional
        Reports per lesion; cancellation is checked between lesions.

    Returns
    -------
    list of TimecourseRow
        Ordered by lesion, parameter, visit.
    """
    progress = progress or null_progress()
    _check_shapes(visits, np.shape(labels))
    names = list(parameters) if parameters is not None else ordered_parameters(
        name for visit in visits for name in visit.maps)
    rois = lesion_rois(labels, [lesion.lesion_id for lesion in lesions])
    keeps = [_filter_mask(visit, r2star_range) for visit in visits]
    rows: list[TimecourseRow] = []
    for number, lesion in enumerate(lesions):
        progress.check()
        progress.update(number / max(len(lesions), 1), f"lesion {lesion.lesion_id}")
        raw = [_raw_row(lesion, rois[lesion.lesion_id], visits, keeps, index, name, participant, rater)
               for name in names for index in range(len(visits))]
        rows.extend(realign_lesion(raw, lesion, visits))
    progress.update(1.0, "time courses done")
    return rows


def _check_shapes(visits: Sequence[VisitVolumes], shape: tuple[int, ...]) -> None:
    for visit in visits:
        volumes = dict(visit.maps)
        if visit.r2star is not None:
            volumes["R2star (filter)"] = visit.r2star
        for name, volume in volumes.items():
            if np.shape(volume) != shape:
                raise FerretError(
                    f"the {name} map of {visit.label} has shape {np.shape(volume)} but the lesion "
                    f"labels have shape {shape}; they must share the reference grid.",
                    fix="resample the maps and the lesion masks into the reference space first.")


def _filter_mask(visit: VisitVolumes, r2star_range) -> np.ndarray | None:
    volume = visit.filter_volume
    return None if volume is None else r2star_keep(np.asarray(volume), r2star_range)


def _raw_row(lesion: LesionInfo, roi: LesionRoi, visits, keeps, index: int, name: str,
             participant: str, rater: str) -> TimecourseRow:
    visit, keep = visits[index], keeps[index]
    volume = visit.maps.get(name)
    lesion_mean, lesion_n, control_mean, control_n, note = float("nan"), 0, float("nan"), 0, ""
    if volume is None:
        note = MISSING
    elif keep is None:
        note = NO_FILTER
    else:
        values, passing = np.asarray(volume)[roi.box], keep[roi.box]
        lesion_mean, lesion_n = roi_mean(values, roi.lesion & passing)
        control_mean, control_n = roi_mean(values, roi.control & passing)
        note = "; ".join(text for text, empty in ((EMPTY_LESION, lesion_n == 0),
                                                  (EMPTY_CONTROL, control_n == 0)) if empty)
    return TimecourseRow(
        participant=participant, rater=rater, lesion_id=lesion.lesion_id, lesion_kind=lesion.kind,
        onset_visit=lesion.onset, visit=visit.label, visit_index=index,
        date=visit.date.isoformat() if visit.date is not None else "",
        visits_from_onset=None, weeks_from_onset=None, parameter=name,
        lesion_mean=lesion_mean, lesion_voxels=lesion_n, control_mean=control_mean,
        control_voxels=control_n, difference=lesion_mean - control_mean,
        baseline_difference=float("nan"), normalised_difference=float("nan"), note=note)
