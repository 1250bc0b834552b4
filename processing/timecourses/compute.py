"""Per-lesion means at every visit: the raw half of the time course.

:func:`compute_timecourses` is the entry point: it builds each lesion's ROIs
once, takes the filtered means of every parameter at every visit, and hands the
rows to :mod:`processing.timecourses.realign` for onset alignment, baseline
normalisation, classes and exclusions.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence

import numpy as np

from processing.errors import FerretError
from processing.progress import Progress, null_progress
from processing.timecourses.model import (
    R2STAR_RANGE,
    LesionInfo,
    TimecourseRow,
    VisitVolumes,
    ordered_parameters,
)
from processing.timecourses.realign import realign_lesion
from processing.timecourses.rois import LesionRoi, lesion_rois, r2star_keep, roi_mean

NO_FILTER = "no R2* map at this visit for the voxel filter"
MISSING = "parameter not available at this visit"
EMPTY_LESION = "lesion ROI empty after R2* filter"
EMPTY_CONTROL = "control ROI empty after R2* filter"


def visits_from_dicts(
    maps: Mapping[str, Mapping[str, np.ndarray]],
    *,
    r2star: Mapping[str, np.ndarray] | None = None,
    dates: Mapping[str, _dt.date] | None = None,
) -> list[VisitVolumes]:
    """Build :class:`VisitVolumes` from plain dicts keyed by visit label, in ``maps`` order."""
    r2star, dates = r2star or {}, dates or {}
    return [
        VisitVolumes(label, dict(volumes), dates.get(label), r2star.get(label))
        for label, volumes in maps.items()
    ]


def compute_timecourses(
    visits: Sequence[VisitVolumes],
    labels: np.ndarray,
    lesions: Sequence[LesionInfo],
    *,
    participant: str = "",
    rater: str = "",
    parameters: Sequence[str] | None = None,
    r2star_range: tuple[float, float] = R2STAR_RANGE,
    progress: Progress | None = None,
) -> list[TimecourseRow]:
    """Long table of lesion x visit x parameter for one participant and one rater.

    Volumes are read visit by visit and parameter by parameter, so ``maps`` may
    be lazy mappings that load a file on access (:mod:`.loader`): only one
    parameter volume and one filter volume are held at a time.

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
        Reports per visit; cancellation is checked between volumes.

    Returns
    -------
    list of TimecourseRow
        Ordered by lesion, parameter, visit.

    Raises
    ------
    FerretError
        When a volume's shape differs from the labels' (not in the reference grid).
    """
    progress = progress or null_progress()
    shape = np.shape(labels)
    names = (
        list(parameters)
        if parameters is not None
        else ordered_parameters(name for visit in visits for name in visit.maps)
    )
    rois = lesion_rois(labels, [lesion.lesion_id for lesion in lesions])
    raw: dict[tuple[int, str, int], TimecourseRow] = {}
    for index, visit in enumerate(visits):
        progress.update(index / max(len(visits), 1), f"time courses: {visit.label}")
        filter_volume = _checked(visit.filter_volume, "R2* (filter)", visit.label, shape)
        keep = (
            None if filter_volume is None else r2star_keep(np.asarray(filter_volume), r2star_range)
        )
        for name in names:
            progress.check()
            reuse = name == "R2star" and visit.r2star is None  # the filter volume is this map
            volume = (
                filter_volume if reuse else _checked(visit.maps.get(name), name, visit.label, shape)
            )
            for lesion in lesions:
                raw[(lesion.lesion_id, name, index)] = _raw_row(
                    lesion,
                    rois[lesion.lesion_id],
                    visit,
                    index,
                    volume,
                    keep,
                    name,
                    participant,
                    rater,
                )
    rows: list[TimecourseRow] = []
    for lesion in lesions:
        own = [
            raw[(lesion.lesion_id, name, index)] for name in names for index in range(len(visits))
        ]
        rows.extend(realign_lesion(own, lesion, visits))
    progress.update(1.0, "time courses done")
    return rows


def _checked(volume, name: str, visit: str, shape: tuple[int, ...]):
    if volume is not None and np.shape(volume) != shape:
        raise FerretError(
            f"the {name} map of {visit} has shape {np.shape(volume)} but the lesion labels have "
            f"shape {shape}; they must share the reference grid.",
            fix="resample the maps and the lesion masks into the reference space first.",
        )
    return volume


def _raw_row(
    lesion: LesionInfo,
    roi: LesionRoi,
    visit: VisitVolumes,
    index: int,
    volume,
    keep,
    name: str,
    participant: str,
    rater: str,
) -> TimecourseRow:
    lesion_mean, lesion_n, control_mean, control_n, note = float("nan"), 0, float("nan"), 0, ""
    if volume is None:
        note = MISSING
    elif keep is None:
        note = NO_FILTER
    else:
        values, passing = np.asarray(volume)[roi.box], keep[roi.box]
        lesion_mean, lesion_n = roi_mean(values, roi.lesion & passing)
        control_mean, control_n = roi_mean(values, roi.control & passing)
        note = "; ".join(
            text
            for text, empty in ((EMPTY_LESION, lesion_n == 0), (EMPTY_CONTROL, control_n == 0))
            if empty
        )
    return TimecourseRow(
        participant=participant,
        rater=rater,
        lesion_id=lesion.lesion_id,
        lesion_kind=lesion.kind,
        onset_visit=lesion.onset,
        visit=visit.label,
        visit_index=index,
        date=visit.date.isoformat() if visit.date is not None else "",
        visits_from_onset=None,
        weeks_from_onset=None,
        parameter=name,
        lesion_mean=lesion_mean,
        lesion_voxels=lesion_n,
        control_mean=control_mean,
        control_voxels=control_n,
        difference=lesion_mean - control_mean,
        baseline_difference=float("nan"),
        normalised_difference=float("nan"),
        note=note,
    )
