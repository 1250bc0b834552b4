"""Agreement figures between sources: voxels, lesion detection, per-pair Dice, ratings, volumes.

Detection counts one-to-one pairs as true positives (TP): A's sensitivity
against B is ``TP / n_B``, B's against A is ``TP / n_A``, and the lesion-wise
``F1 = 2 TP / (n_A + n_B)`` (= 2TP / (2TP + FP + FN) with either as reference).
Kappas come from :mod:`statsmodels.stats.inter_rater`: Cohen's with its
asymptotic 95 % interval (clipped to [-1, 1] for few items), Fleiss' with a percentile bootstrap interval over
items (statsmodels gives none), seeded so that reruns agree.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from statsmodels.stats import inter_rater

from processing.matching.result import Matching

BOOTSTRAP_SAMPLES = 2000


@dataclass(frozen=True)
class Detection:
    """Lesion-wise detection of two sources against each other."""

    n_a: int
    n_b: int
    pairs: int
    sensitivity_a: float
    sensitivity_b: float
    f1: float


@dataclass(frozen=True)
class Kappa:
    """A kappa with its 95 % interval over ``n`` items (NaN when undefined, with the reason)."""

    kappa: float
    low: float
    high: float
    n: int
    note: str = ""


@dataclass(frozen=True)
class BlandAltman:
    """Mean difference (A - B) and the 95 % limits of agreement."""

    n: int
    mean_difference: float
    sd: float
    lower_limit: float
    upper_limit: float


def voxel_dice(labels_a: np.ndarray, labels_b: np.ndarray) -> float:
    """Dice of the two sources' lesion voxels (all lesions together); NaN when both are empty."""
    a, b = np.asarray(labels_a) != 0, np.asarray(labels_b) != 0
    total = int(a.sum()) + int(b.sum())
    return 2.0 * int(np.count_nonzero(a & b)) / total if total else math.nan


def detection(matching: Matching) -> Detection:
    """Sensitivity of each source against the other and the lesion-wise F1."""
    n_a, n_b, tp = len(matching.table_a), len(matching.table_b), len(matching.assigned)
    return Detection(n_a, n_b, tp, _ratio(tp, n_b), _ratio(tp, n_a), _ratio(2 * tp, n_a + n_b))


def dice_summary(dices) -> tuple[float, float, float]:
    """Median, first and third quartile of per-pair Dice values (NaN when there are none)."""
    values = np.asarray(list(dices), dtype=float)
    if not len(values):
        return math.nan, math.nan, math.nan
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return float(median), float(q1), float(q3)


def cohen_kappa(values_a, values_b) -> Kappa:
    """Cohen's kappa of two raters' categories on the same items (None = not answered, dropped)."""
    kept = [
        (a, b) for a, b in zip(values_a, values_b, strict=True) if a is not None and b is not None
    ]
    categories = sorted({v for pair in kept for v in pair})
    if len(kept) < 2 or len(categories) < 2:
        return Kappa(math.nan, math.nan, math.nan, len(kept), _undefined(len(kept), categories))
    code = {c: k for k, c in enumerate(categories)}
    table = np.zeros((len(categories),) * 2)
    for a, b in kept:
        table[code[a], code[b]] += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = inter_rater.cohens_kappa(table)
    low, high = max(float(result.kappa_low), -1.0), min(float(result.kappa_upp), 1.0)
    clipped = low != float(result.kappa_low) or high != float(result.kappa_upp)
    return Kappa(
        float(result.kappa), low, high, len(kept), "95 % CI clipped to [-1, 1]" if clipped else ""
    )


def fleiss_kappa(items, seed: int = 0) -> Kappa:
    """Fleiss' kappa of ``items``.

    Each item is a sequence of every rater's category; items with a gap are dropped.
    """
    kept = [list(item) for item in items if all(v is not None for v in item)]
    categories = sorted({v for item in kept for v in item})
    if len(kept) < 2 or len(categories) < 2:
        return Kappa(math.nan, math.nan, math.nan, len(kept), _undefined(len(kept), categories))
    code = {c: k for k, c in enumerate(categories)}
    codes = np.array([[code[v] for v in item] for item in kept])
    counts, _ = inter_rater.aggregate_raters(codes, n_cat=len(categories))
    kappa = _fleiss(counts)
    rng = np.random.default_rng(seed)
    draws = [
        _fleiss(counts[rng.integers(0, len(counts), len(counts))]) for _ in range(BOOTSTRAP_SAMPLES)
    ]
    low, high = np.nanpercentile(draws, [2.5, 97.5])
    return Kappa(
        kappa, float(low), float(high), len(kept), "95 % CI: percentile bootstrap over items"
    )


def bland_altman(values_a, values_b) -> BlandAltman:
    """Mean difference and limits of agreement (mean +- 1.96 SD) of paired measurements."""
    a, b = np.asarray(values_a, dtype=float), np.asarray(values_b, dtype=float)
    difference = a - b
    if len(difference) < 2:
        mean = float(difference.mean()) if len(difference) else math.nan
        return BlandAltman(len(difference), mean, math.nan, math.nan, math.nan)
    mean, sd = float(difference.mean()), float(difference.std(ddof=1))
    return BlandAltman(len(difference), mean, sd, mean - 1.96 * sd, mean + 1.96 * sd)


def _fleiss(counts: np.ndarray) -> float:
    """Statsmodels' Fleiss' kappa, NaN (not a warning) where it is undefined."""
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(inter_rater.fleiss_kappa(counts))


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else math.nan


def _undefined(n: int, categories: list) -> str:
    if n < 2:
        return f"undefined: {n} item(s) rated by every rater"
    return f"undefined: only one category used ({categories[0]!r})"
