"""Detection metrics on synthetic rater stores with planted hits, misses and false positives.

Lesions are 3 x 3 x 1 voxel blocks on a 0.8 x 0.8 x 2 mm grid. Reference R and
test T per participant (``shift`` in voxels):

- sub-01: R1 = T exactly; R2 and T shifted by (1, 1, 0) (1.13 mm, overlapping);
  R4 and T shifted by 2 slices (4 mm, not overlapping); R3 missed, with a T
  false positive 3 slices (6 mm) from it; one R WMH (filtered out by type).
- sub-02: two lesions, both found exactly.
- sub-03: one lesion, missed (Dice 0).

Every count, ratio and Dice is checked against numbers derived by hand or
computed directly from the masks; the Dice interval against scipy's bootstrap.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from processing.annotations import Grid, RaterWorkspace
from processing.consensus.sources import LesionFilter
from processing.evaluation import evaluate_study
from processing.evaluation.detection import (
    BOOTSTRAP_SAMPLES,
    case_dice,
    case_record,
    summary_records,
)
from processing.evaluation.report import lesion_records

SHAPE = (30, 30, 12)
AFFINE = np.diag([0.8, 0.8, 2.0, 1.0])
#: participant -> rater -> [(corner voxel, type)]
PLANTED = {
    "sub-01": {
        "R": [((4, 4, 3), "CMB"), ((18, 4, 3), "CMB"), ((4, 18, 8), "CMB"), ((12, 12, 5), "CMB")]
        + [((24, 10, 2), "WMH")],
        "T": [((4, 4, 3), "CMB"), ((19, 5, 3), "CMB"), ((4, 18, 5), "CMB"), ((12, 12, 7), "CMB")],
    },
    "sub-02": {"R": [((6, 6, 4), "CMB"), ((20, 20, 4), "CMB")]},
    "sub-03": {"R": [((10, 10, 6), "CMB")], "T": []},
}
PLANTED["sub-02"]["T"] = list(PLANTED["sub-02"]["R"])


def block(corner) -> tuple[slice, ...]:
    i, j, k = corner
    return slice(i, i + 3), slice(j, j + 3), slice(k, k + 1)


def planted_mask(participant: str, rater: str) -> np.ndarray:
    mask = np.zeros(SHAPE, bool)
    for corner, kind in PLANTED[participant][rater]:
        mask[block(corner)] |= kind == "CMB"
    return mask


def write_rater(root, rater: str) -> None:
    with RaterWorkspace(root, rater) as workspace:
        for participant, raters in PLANTED.items():
            session = workspace.open_session(participant, Grid(SHAPE, AFFINE), visit="ses-01")
            for lesion, (corner, kind) in enumerate(raters[rater], start=1):
                where = block(corner)
                session.labels.write(where, np.full((3, 3, 1), lesion, np.int32), "import")
                session.set_lesion_type(lesion, kind)
            session.flush()


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluation") / "study"
    root.mkdir()
    write_rater(root, "R")
    write_rater(root, "T")
    return root


def direct_dice(participant: str) -> float:
    r, t = planted_mask(participant, "R"), planted_mask(participant, "T")
    return 2 * np.count_nonzero(r & t) / (np.count_nonzero(r) + np.count_nonzero(t))


def summary(evaluation) -> dict:
    return {row["metric"]: row for row in summary_records(evaluation.cases)}


@pytest.mark.parametrize(
    ("criterion", "distance", "per_case", "pooled"),
    [
        ("distance", 5.0, {"sub-01": (4, 4, 3), "sub-02": (2, 2, 2), "sub-03": (1, 0, 0)}, 5),
        ("distance", 3.0, {"sub-01": (4, 4, 2), "sub-02": (2, 2, 2), "sub-03": (1, 0, 0)}, 4),
        ("distance", 6.5, {"sub-01": (4, 4, 4), "sub-02": (2, 2, 2), "sub-03": (1, 0, 0)}, 6),
        ("overlap", 5.0, {"sub-01": (4, 4, 2), "sub-02": (2, 2, 2), "sub-03": (1, 0, 0)}, 4),
    ],
)
def test_counts_and_ratios_per_case_and_pooled(study, criterion, distance, per_case, pooled):
    evaluation = evaluate_study(study, "R", "T", LesionFilter("CMB"), criterion, distance)
    records = {r["participant_id"]: r for r in map(case_record, evaluation.cases)}
    for participant, (n_ref, n_test, tp) in per_case.items():
        row = records[participant]
        assert (row["n_reference"], row["n_test"], row["true_positives"]) == (n_ref, n_test, tp)
        assert row["false_negatives"] == n_ref - tp and row["false_positives"] == n_test - tp
        assert row["sensitivity"] == pytest.approx(tp / n_ref)
        assert row["precision"] == (tp / n_test if n_test else None)
        assert row["f1"] == pytest.approx(2 * tp / (n_ref + n_test))
        assert row["dice"] == pytest.approx(direct_dice(participant), abs=1e-12)
        assert row["count_difference"] == n_test - n_ref
    figures = summary(evaluation)
    assert figures["true_positives"]["value"] == pooled
    assert figures["sensitivity"]["value"] == pytest.approx(pooled / 7)
    assert figures["precision"]["value"] == pytest.approx(pooled / 6)
    assert figures["f1"]["value"] == pytest.approx(2 * pooled / 13)
    assert figures["false_positives_per_participant"]["value"] == pytest.approx((6 - pooled) / 3)


def test_dice_of_the_planted_cases_and_its_bootstrap_interval(study):
    evaluation = evaluate_study(study, "R", "T")
    dices = [direct_dice(p) for p in PLANTED]
    # sub-01: R and T share 9 + 4 voxels of 36 + 36; sub-02 identical; sub-03 nothing found
    assert dices == pytest.approx([26 / 72, 1.0, 0.0])
    assert [case_dice(c) for c in evaluation.cases] == pytest.approx(dices, abs=1e-12)
    row = summary(evaluation)["dice_mean"]
    expected = stats.bootstrap(
        (np.array(dices),),
        np.mean,
        n_resamples=BOOTSTRAP_SAMPLES,
        method="percentile",
        rng=np.random.default_rng(0),
    ).confidence_interval
    assert row["value"] == pytest.approx(np.mean(dices))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((expected.low, expected.high))
    assert row["ci_low"] < row["value"] < row["ci_high"]


def test_count_differences_have_limits_of_agreement(study):
    row = summary(evaluate_study(study, "R", "T"))["count_difference_mean"]
    differences = np.array([0, 0, -1])  # the WMH of sub-01 is not a microbleed
    sd = differences.std(ddof=1)
    assert row["value"] == pytest.approx(differences.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (differences.mean() - 1.96 * sd, differences.mean() + 1.96 * sd)
    )


def test_lesion_outcomes_add_up_to_the_counts(study):
    for criterion in ("distance", "overlap"):
        evaluation = evaluate_study(study, "R", "T", criterion=criterion)
        outcomes = [r["outcome"] for r in lesion_records(evaluation)]
        figures = summary(evaluation)
        assert outcomes.count("hit") == figures["true_positives"]["value"]
        assert outcomes.count("miss") == figures["false_negatives"]["value"]
        assert outcomes.count("false-positive") == figures["false_positives"]["value"]


def test_every_type_counts_the_wmh_lesion_too(study):
    evaluation = evaluate_study(study, "R", "T", LesionFilter(None))
    assert summary(evaluation)["reference_lesions"]["value"] == 8
