"""Detection figures of a test source against a reference, per case and pooled over cases.

A case is one participant. The matching pairs the reference's lesions (A)
with the test's (B) one to one (:mod:`processing.matching`); each pair is a
hit (true positive, TP), each reference lesion left unpaired a miss (false
negative, FN), each test lesion left unpaired a false positive (FP), including
a second test lesion that overlaps an already paired reference lesion. Then
sensitivity = TP / (TP + FN), precision = TP / (TP + FP) and
F1 = 2 TP / (2 TP + FP + FN). Dice is the voxel Dice of the case (every kept
lesion of both sources together); its mean over cases has a 95 % percentile
bootstrap interval over cases (:func:`scipy.stats.bootstrap`, seeded).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats

from processing.consensus.pairs import PairAgreement
from processing.matching.agreement import bland_altman

BOOTSTRAP_SAMPLES = 9999
CASE_COLUMNS = (
    "participant_id",
    "reference",
    "test",
    "n_reference",
    "n_test",
    "true_positives",
    "false_negatives",
    "false_positives",
    "sensitivity",
    "precision",
    "f1",
    "dice",
    "count_difference",
)
SUMMARY_COLUMNS = ("metric", "value", "ci_low", "ci_high", "method")


def counts(case: PairAgreement) -> tuple[int, int, int]:
    """``(n_reference, n_test, true_positives)`` of one case."""
    matching = case.matching
    return len(matching.table_a), len(matching.table_b), len(matching.assigned)


def case_dice(case: PairAgreement) -> float:
    """Voxel Dice of one case; NaN when neither source has a lesion voxel."""
    return 2 * case.shared_voxels / case.total_voxels if case.total_voxels else math.nan


def case_record(case: PairAgreement) -> dict:
    """One row of ``evaluation_cases.csv`` (columns :data:`CASE_COLUMNS`)."""
    n_ref, n_test, tp = counts(case)
    return {
        "participant_id": case.participant,
        "reference": case.a.rater,
        "test": case.b.rater,
        "n_reference": n_ref,
        "n_test": n_test,
        "true_positives": tp,
        "false_negatives": n_ref - tp,
        "false_positives": n_test - tp,
        "sensitivity": _ratio(tp, n_ref),
        "precision": _ratio(tp, n_test),
        "f1": _ratio(2 * tp, n_ref + n_test),
        "dice": _finite(case_dice(case)),
        "count_difference": n_test - n_ref,
    }


def summary_records(cases: list[PairAgreement], seed: int = 0) -> list[dict]:
    """Pooled figures over ``cases``, one row per metric (columns :data:`SUMMARY_COLUMNS`)."""
    n_ref, n_test, tp = (sum(column) for column in zip(*map(counts, cases), strict=True))
    pooled = "pooled over lesions of every case"
    rows = [
        _row("participants", len(cases)),
        _row("reference_lesions", n_ref),
        _row("test_lesions", n_test),
        _row("true_positives", tp),
        _row("false_negatives", n_ref - tp),
        _row("false_positives", n_test - tp),
        _row("sensitivity", _ratio(tp, n_ref), method=pooled),
        _row("precision", _ratio(tp, n_test), method=pooled),
        _row("f1", _ratio(2 * tp, n_ref + n_test), method=pooled),
        _row("false_positives_per_participant", (n_test - tp) / len(cases), method="mean"),
    ]
    dices = [d for d in map(case_dice, cases) if not math.isnan(d)]
    rows.append(_row("dice_mean", *mean_interval(dices, seed)))
    differences = bland_altman([counts(c)[1] for c in cases], [counts(c)[0] for c in cases])
    rows.append(
        _row(
            "count_difference_mean",
            differences.mean_difference,
            differences.lower_limit,
            differences.upper_limit,
            "test - reference per case; interval: 95 % limits of agreement (mean +- 1.96 SD)",
        )
    )
    return rows


def mean_interval(values, seed: int = 0) -> tuple[float, float, float, str]:
    """Mean of ``values`` with its 95 % percentile bootstrap interval, and how it was made."""
    values = np.asarray(values, dtype=float)
    method = f"mean over {len(values)} case(s); 95 % CI: percentile bootstrap over cases"
    if len(values) < 2:
        return (
            (float(values.mean()) if len(values) else math.nan),
            math.nan,
            math.nan,
            (f"mean over {len(values)} case(s); no interval from fewer than two cases"),
        )
    if np.ptp(values) == 0:
        return float(values[0]), float(values[0]), float(values[0]), method + " (all equal)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.bootstrap(
            (values,),
            np.mean,
            n_resamples=BOOTSTRAP_SAMPLES,
            method="percentile",
            rng=np.random.default_rng(seed),
        )
    interval = result.confidence_interval
    return float(values.mean()), float(interval.low), float(interval.high), method


def _row(metric: str, value, low=None, high=None, method: str = "") -> dict:
    return {
        "metric": metric,
        "value": _finite(value),
        "ci_low": _finite(low),
        "ci_high": _finite(high),
        "method": method,
    }


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _finite(value):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value
