"""Per-lesion time courses on small volumes whose answers are computed by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from processing.errors import Cancelled, FerretError
from processing.progress import Progress
from processing.timecourses import (
    ONSET,
    POST,
    PRE,
    LesionInfo,
    VisitVolumes,
    compute_timecourses,
    lesion_rois,
    visits_from_dicts,
)
from processing.timecourses.compute import EMPTY_CONTROL, EMPTY_LESION, MISSING

SHAPE = (7, 7, 7)
CENTRE = (3, 3, 3)
DATES = [dt.date(2024, 1, 1), dt.date(2024, 1, 29), dt.date(2024, 3, 4), dt.date(2024, 4, 1)]
# Lesion and ring values per visit: differences 1, 3, 9, 4; baseline (1+3)/2 = 2.
LESION_VALUES = [2.0, 4.0, 10.0, 6.0]
RING_VALUES = [1.0, 1.0, 1.0, 2.0]


def single_voxel_labels() -> np.ndarray:
    labels = np.zeros(SHAPE, dtype=np.int16)
    labels[CENTRE] = 1
    return labels


def md_volume(lesion_value: float, ring_value: float) -> np.ndarray:
    volume = np.full(SHAPE, 100.0)  # far outside the ring: must never count
    volume[2:5, 2:5, 2:5] = ring_value
    volume[CENTRE] = lesion_value
    return volume


def four_visits(r2star_value: float = 15.0) -> list[VisitVolumes]:
    return [
        VisitVolumes(
            f"ses-0{i + 1}",
            {"MD": md_volume(LESION_VALUES[i], RING_VALUES[i])},
            DATES[i],
            np.full(SHAPE, r2star_value),
        )
        for i in range(4)
    ]


def rows_of(rows, parameter="MD", lesion_id=1):
    return [r for r in rows if r.parameter == parameter and r.lesion_id == lesion_id]


def test_hand_computed_single_voxel_lesion():
    rows = compute_timecourses(
        four_visits(),
        single_voxel_labels(),
        [LesionInfo(1, "ses-03")],
        participant="sub-01",
        rater="A",
    )
    assert len(rows) == 4
    assert [r.lesion_mean for r in rows] == LESION_VALUES
    assert [r.control_mean for r in rows] == RING_VALUES
    assert [r.lesion_voxels for r in rows] == [1] * 4
    assert [r.control_voxels for r in rows] == [26] * 4
    assert [r.difference for r in rows] == [1.0, 3.0, 9.0, 4.0]
    assert all(r.baseline_difference == 2.0 for r in rows)
    assert [r.normalised_difference for r in rows] == [-1.0, 1.0, 7.0, 2.0]
    assert [r.visits_from_onset for r in rows] == [-2, -1, 0, 1]
    assert [r.weeks_from_onset for r in rows] == [-9.0, -5.0, 0.0, 4.0]
    assert [r.visit_class for r in rows] == ["", PRE, ONSET, POST]
    assert not any(r.excluded for r in rows)
    assert rows[0].participant == "sub-01" and rows[0].rater == "A" and rows[0].date == "2024-01-01"


def test_multi_voxel_mean_and_other_lesion_kept_out_of_ring():
    labels = single_voxel_labels()
    labels[3, 3, 4] = 1  # lesion 1 has two voxels
    labels[3, 3, 5] = 2  # lesion 2 touches lesion 1's ring
    volume = np.full(SHAPE, 1.0)
    volume[3, 3, 3], volume[3, 3, 4], volume[3, 3, 5] = 3.0, 5.0, 1000.0
    visits = visits_from_dicts(
        {"ses-01": {"MD": volume}, "ses-02": {"MD": volume}, "ses-03": {"MD": volume}},
        r2star={f"ses-0{i}": np.full(SHAPE, 15.0) for i in (1, 2, 3)},
    )
    rows = rows_of(
        compute_timecourses(visits, labels, [LesionInfo(1, "ses-02"), LesionInfo(2, "ses-02")])
    )
    # Dilating a 1x1x2 bar by 3x3x3 gives 3x3x4 = 36 voxels; minus 2 lesion voxels, minus lesion 2's voxel.
    assert rows[0].lesion_mean == 4.0 and rows[0].lesion_voxels == 2
    assert rows[0].control_voxels == 33 and rows[0].control_mean == 1.0


def test_lesion_at_volume_edge_uses_the_voxels_that_exist():
    labels = np.zeros(SHAPE, dtype=np.int16)
    labels[0, 0, 0] = 1
    rois = lesion_rois(labels, [1])
    assert rois[1].lesion.sum() == 1 and rois[1].control.sum() == 7
    assert lesion_rois(labels, [5])[5].lesion.sum() == 0  # an absent ID has empty masks


def test_r2star_filter_drops_voxels_and_reports_counts():
    visits = four_visits()
    for visit in visits:
        visit.r2star[2, 2, 2:5] = 40.0  # three ring voxels out of range (high)
        visit.r2star[4, 4, 4] = 2.0  # one out of range (low)
        visit.maps["MD"][2, 2, 2:5] = 500.0  # would spoil the mean if counted
    rows = compute_timecourses(visits, single_voxel_labels(), [LesionInfo(1, "ses-03")])
    assert [r.control_voxels for r in rows] == [22] * 4
    assert [r.control_mean for r in rows] == RING_VALUES


def test_ring_emptied_by_filter_at_onset_excludes_lesion_with_reason():
    visits = four_visits()
    ring = np.ones(SHAPE, dtype=bool)
    ring[2:5, 2:5, 2:5] = False
    onset_r2 = np.full(SHAPE, 50.0)
    onset_r2[CENTRE] = 15.0  # lesion passes, whole ring fails
    visits[2].r2star = onset_r2
    rows = compute_timecourses(visits, single_voxel_labels(), [LesionInfo(1, "ses-03")])
    onset = rows[2]
    assert (
        onset.control_voxels == 0
        and math.isnan(onset.control_mean)
        and math.isnan(onset.difference)
    )
    assert onset.note == EMPTY_CONTROL and onset.visit_class == ""
    assert all(r.excluded for r in rows)
    assert "no MD value at onset (ses-03: control ROI empty" in rows[0].exclusion_reason


def test_lesion_emptied_by_filter_is_noted():
    visits = four_visits()
    visits[3].r2star[CENTRE] = 35.0
    rows = compute_timecourses(visits, single_voxel_labels(), [LesionInfo(1, "ses-02")])
    assert rows[3].note == EMPTY_LESION and rows[3].lesion_voxels == 0
    assert rows[2].visit_class == POST  # last available follow-up falls back to ses-03
    assert not rows[0].excluded


@pytest.mark.parametrize(
    "onset, reason", [("ses-01", "no visit before onset"), ("ses-04", "no follow-up after onset")]
)
def test_lesion_at_first_or_last_visit_is_kept_but_excluded(onset, reason):
    rows = compute_timecourses(four_visits(), single_voxel_labels(), [LesionInfo(1, onset)])
    assert len(rows) == 4 and all(r.excluded and r.exclusion_reason == reason for r in rows)
    if onset == "ses-01":
        assert all(math.isnan(r.normalised_difference) for r in rows)
        assert [r.visits_from_onset for r in rows] == [0, 1, 2, 3]
    else:
        baseline = (1.0 + 3.0 + 9.0) / 3  # every visit but the last is before onset
        assert [r.normalised_difference for r in rows] == pytest.approx(
            [1 - baseline, 3 - baseline, 9 - baseline, 4 - baseline]
        )
        assert rows[3].visit_class == ONSET and not any(r.visit_class == POST for r in rows)


def test_rater_flag_and_unknown_onset():
    lesions = [LesionInfo(1, "ses-03", excluded=True, exclusion_reason="close to pial surface")]
    rows = compute_timecourses(four_visits(), single_voxel_labels(), lesions)
    assert all(r.exclusion_reason == "excluded by rater: close to pial surface" for r in rows)
    rows = compute_timecourses(four_visits(), single_voxel_labels(), [LesionInfo(1, "ses-09")])
    assert all(
        r.excluded and "ses-09" in r.exclusion_reason and r.visits_from_onset is None for r in rows
    )


def test_modality_missing_at_one_visit():
    visits = four_visits()
    for visit in visits:
        visit.maps["FA"] = md_volume(0.5, 0.25)
    del visits[1].maps["MD"]
    rows = compute_timecourses(visits, single_voxel_labels(), [LesionInfo(1, "ses-03")])
    md, fa = rows_of(rows, "MD"), rows_of(rows, "FA")
    assert [r.parameter for r in rows[:4]] == ["MD"] * 4  # known order: MD before FA
    assert md[1].note == MISSING and math.isnan(md[1].lesion_mean) and md[1].lesion_voxels == 0
    assert md[0].baseline_difference == 1.0  # only ses-01 before onset has MD
    assert [r.visit_class for r in md] == [PRE, "", ONSET, POST]
    assert [r.normalised_difference for r in fa] == [0.0] * 4
    assert not any(r.excluded for r in rows)


def test_missing_filter_volume_noted_and_shape_mismatch_refused():
    visits = four_visits()
    visits[0].r2star = None
    rows = compute_timecourses(visits, single_voxel_labels(), [LesionInfo(1, "ses-03")])
    assert "R2*" in rows[0].note and math.isnan(rows[0].lesion_mean)
    assert rows[1].visit_class == PRE and rows[1].baseline_difference == 3.0
    visits[1].maps["MD"] = np.zeros((3, 3, 3))
    with pytest.raises(FerretError, match="MD map of ses-02"):
        compute_timecourses(visits, single_voxel_labels(), [LesionInfo(1, "ses-03")])


def test_datetime_weeks_and_cancellation():
    visits = four_visits()
    visits[2].date = dt.datetime(2024, 3, 4, 12, 0)
    visits[3].date = dt.datetime(2024, 3, 8, 0, 0)
    rows = compute_timecourses(visits, single_voxel_labels(), [LesionInfo(1, "ses-03")])
    assert rows[3].weeks_from_onset == pytest.approx(3.5 / 7, abs=1e-4)
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        compute_timecourses(
            visits, single_voxel_labels(), [LesionInfo(1, "ses-03")], progress=progress
        )
