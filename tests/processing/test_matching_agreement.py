"""Agreement figures against direct computation and statsmodels called directly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats import inter_rater

from processing.matching import match_by_overlap
from processing.matching.agreement import (
    bland_altman,
    cohen_kappa,
    detection,
    dice_summary,
    fleiss_kappa,
    voxel_dice,
)
from processing.matching.clusters import cluster_sources


def line_labels(spans) -> np.ndarray:
    labels = np.zeros((60, 1, 1), np.int32)
    for value, (start, stop) in enumerate(spans, start=1):
        labels[start:stop] = value
    return labels


def test_detection_counts_and_f1_from_the_pairs():
    a = line_labels([(0, 4), (10, 14), (20, 24), (40, 42)])  # 4 lesions; the last is only A's
    b = line_labels([(0, 4), (11, 15), (20, 22), (30, 33), (50, 52)])  # 5; the last two only B's
    result = detection(match_by_overlap(a, b, np.eye(4)))
    assert (result.n_a, result.n_b, result.pairs) == (4, 5, 3)
    assert result.sensitivity_a == pytest.approx(3 / 5) and result.sensitivity_b == pytest.approx(
        3 / 4
    )
    assert result.f1 == pytest.approx(2 * 3 / (2 * 3 + 1 + 2))
    assert voxel_dice(a, b) == pytest.approx(2 * (4 + 3 + 2) / (14 + 15))


def test_dice_summary_is_median_and_quartiles():
    assert dice_summary([0.8, 1.0, 0.9, 0.6]) == pytest.approx((0.85, 0.75, 0.925))
    assert all(math.isnan(v) for v in dice_summary([]))


def test_cohen_kappa_equals_statsmodels_on_the_table():
    a = ["hyper"] * 12 + ["iso"] * 6 + ["hypo"] * 4 + [None]
    b = ["hyper"] * 10 + ["iso"] * 2 + ["iso"] * 5 + ["hypo"] + ["hypo"] * 4 + ["iso"]
    result = cohen_kappa(a, b)
    categories = sorted({"hyper", "iso", "hypo"})
    direct = np.zeros((3, 3))
    for x, y in zip(a, b, strict=True):
        if x is not None and y is not None:
            direct[categories.index(x), categories.index(y)] += 1
    expected = inter_rater.cohens_kappa(direct)
    assert result.n == 22 == direct.sum()
    assert result.kappa == pytest.approx(expected.kappa)
    assert (result.low, result.high) == pytest.approx(
        (max(expected.kappa_low, -1), min(expected.kappa_upp, 1))
    )
    assert (
        expected.kappa_upp > 1 and "clipped" in result.note
    )  # the asymptotic interval leaves [-1, 1]


def test_cohen_kappa_is_undefined_with_one_category_and_says_why():
    result = cohen_kappa(["yes"] * 5, ["yes"] * 5)
    assert math.isnan(result.kappa) and "one category" in result.note


def test_fleiss_kappa_equals_statsmodels_and_its_interval_contains_it():
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 3, 40)
    items = [[t if rng.random() < 0.8 else rng.integers(0, 3) for _ in range(3)] for t in truth]
    counts, _ = inter_rater.aggregate_raters(np.array(items), n_cat=3)
    result = fleiss_kappa([[f"c{v}" for v in item] for item in items])
    assert result.kappa == pytest.approx(inter_rater.fleiss_kappa(counts))
    assert result.low < result.kappa < result.high and result.n == 40
    assert fleiss_kappa([[f"c{v}" for v in item] for item in items]) == result  # seeded


def test_bland_altman_limits():
    result = bland_altman([10, 12, 14, 9], [9, 12, 12, 10])
    difference = np.array([1, 0, 2, -1])
    assert result.mean_difference == pytest.approx(difference.mean())
    assert result.upper_limit == pytest.approx(difference.mean() + 1.96 * difference.std(ddof=1))


def test_clusters_of_three_raters_and_completeness():
    a = line_labels([(0, 4), (10, 14), (20, 24)])
    b = line_labels([(1, 5), (10, 12), (12, 14)])  # b splits a's second lesion
    c = line_labels([(0, 3), (30, 33)])  # c misses two, adds one
    clusters = cluster_sources({"A": a, "B": b, "C": c})
    members = sorted(tuple(sorted((k, v) for k, v in cl.members.items())) for cl in clusters)
    assert (("A", (1,)), ("B", (1,)), ("C", (1,))) in members
    assert (("A", (2,)), ("B", (2, 3)), ("C", ())) in members
    assert (("A", (3,)), ("B", ()), ("C", ())) in members and (
        ("A", ()),
        ("B", ()),
        ("C", (2,)),
    ) in members
    assert sum(cl.complete() for cl in clusters) == 1
