"""Overlap and distance pairing against direct computation on planted differences."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from processing.matching import LesionTable, label_components, match_by_distance, match_by_overlap
from processing.matching.overlap import overlap_counts

AFFINE = np.diag([0.8, 0.8, 2.0, 1.0])
SHAPE = (40, 40, 20)


def ball(labels: np.ndarray, centre, radius_vox: float, value: int) -> None:
    grid = np.indices(labels.shape).transpose(1, 2, 3, 0)
    labels[np.linalg.norm(grid - np.asarray(centre), axis=-1) <= radius_vox] = value


def direct_dice(a: np.ndarray, b: np.ndarray) -> float:
    return 2 * np.count_nonzero(a & b) / (np.count_nonzero(a) + np.count_nonzero(b))


@pytest.fixture
def truth() -> np.ndarray:
    labels = np.zeros(SHAPE, np.int32)
    for value, centre in enumerate(
        [(8, 8, 5), (30, 8, 5), (8, 30, 12), (30, 30, 12), (20, 20, 9)], start=1
    ):
        ball(labels, centre, 2.5, value)
    return labels


def test_identical_sources_match_every_lesion_with_dice_one(truth):
    matching = match_by_overlap(truth, truth, AFFINE)
    assert [r.status for r in matching.rows] == ["matched"] * 5
    assert all(r.dice == 1.0 and r.distance_mm == 0.0 and r.assigned for r in matching.rows)


def test_planted_differences_give_the_right_status_and_dice(truth):
    rater = truth.copy()
    rater[rater == 2] = 0  # dropped by the rater
    ball(rater, (20, 35, 3), 1.5, 9)  # added far from every lesion
    rater = np.where(rater == 3, 0, rater)
    ball(rater, (9, 30, 12), 2.5, 3)  # lesion 3 shifted by one voxel
    ball(rater, (30, 30, 12), 3.5, 4)  # lesion 4 dilated
    rater[(rater == 5) & (np.indices(SHAPE)[0] >= 20)] = 7  # lesion 5 split in two
    matching = match_by_overlap(rater, truth, AFFINE)
    by_pair = {(r.a, r.b): r for r in matching.rows}
    assert by_pair[(None, 2)].status == "only-b" and by_pair[(9, None)].status == "only-a"
    assert by_pair[(1, 1)].status == "matched" and by_pair[(1, 1)].dice == 1.0
    assert by_pair[(3, 3)].dice == pytest.approx(direct_dice(rater == 3, truth == 3))
    assert by_pair[(3, 3)].distance_mm == pytest.approx(
        0.8, abs=1e-9
    )  # one voxel of 0.8 mm along i
    assert by_pair[(4, 4)].dice == pytest.approx(direct_dice(rater == 4, truth == 4))
    assert {by_pair[(5, 5)].status, by_pair[(7, 5)].status} == {
        "merged"
    }  # truth's 5 is two of the rater's
    assert by_pair[(5, 5)].assigned != by_pair[(7, 5)].assigned
    assert matching.only_a == [9] and matching.only_b == [2]
    assert len(matching.assigned) == 4 and matching.split_merged_groups() == 1
    reverse = match_by_overlap(truth, rater, AFFINE)
    assert {r.status for r in reverse.rows if r.a == 5} == {"split"}


def test_assignment_maximises_total_dice_where_greedy_would_not():
    a = np.zeros((30, 1, 1), np.int32)
    b = np.zeros_like(a)
    a[0:10], a[10:20] = 1, 2
    b[0:6], b[6:16] = 1, 2  # A1 overlaps B1 (6 voxels) and B2 (4); A2 overlaps B2 (6)
    matching = match_by_overlap(a, b, np.eye(4))
    kept = {(r.a, r.b) for r in matching.assigned}
    assert kept == {(1, 1), (2, 2)}
    brute = max(
        itertools.permutations([1, 2]),
        key=lambda perm: sum(
            direct_dice(a == i, b == j) for i, j in zip([1, 2], perm, strict=True)
        ),
    )
    assert kept == set(zip([1, 2], brute, strict=True))


def test_overlap_counts_equal_a_direct_loop_on_random_blobs():
    rng = np.random.default_rng(3)
    a = label_components(rng.random((30, 30, 12)) > 0.8)
    b = label_components(rng.random((30, 30, 12)) > 0.8)
    ids_a, ids_b, shared = overlap_counts(a, b)
    direct = {
        (i, j): int(np.count_nonzero((a == i) & (b == j)))
        for i in np.unique(a[a > 0])
        for j in np.unique(b[(a == i) & (b > 0)])
    }
    assert (
        dict(zip(zip(ids_a.tolist(), ids_b.tolist(), strict=True), shared.tolist(), strict=True))
        == direct
    )
    matching = match_by_overlap(a, b, AFFINE)
    seen_a = {r.a for r in matching.rows if r.a is not None}
    seen_b = {r.b for r in matching.rows if r.b is not None}
    assert seen_a == set(np.unique(a[a > 0]).tolist()) and seen_b == set(
        np.unique(b[b > 0]).tolist()
    )
    assigned = matching.assigned
    assert len({r.a for r in assigned}) == len(assigned) == len({r.b for r in assigned})


def test_lesion_table_centres_and_volumes_are_in_millimetres(truth):
    table = LesionTable.from_labels(truth, AFFINE)
    for row, lesion in enumerate(table.ids):
        ijk = np.argwhere(truth == lesion).mean(axis=0)
        assert np.allclose(table.centres[row], AFFINE[:3, :3] @ ijk + AFFINE[:3, 3])
        assert table.volumes_mm3[row] == pytest.approx(
            np.count_nonzero(truth == lesion) * 0.8 * 0.8 * 2.0
        )


def test_distance_pairing_is_one_to_one_nearest_first_in_mm():
    a = np.zeros((20, 20, 10), np.int32)
    b = np.zeros_like(a)
    a[5, 5, 2], a[5, 7, 2] = 1, 2  # 1.6 mm apart
    b[5, 6, 2] = 1  # 0.8 mm from both of A's
    b[15, 15, 2] = 2  # far: a false positive of B
    b[5, 5, 4] = 3  # 4 mm above A1 along the 2 mm axis: beyond 3 mm
    matching = match_by_distance(
        LesionTable.from_labels(a, AFFINE), LesionTable.from_labels(b, AFFINE), 3.0
    )
    matched = [(r.a, r.b) for r in matching.rows if r.status == "matched"]
    assert len(matched) == 1 and matched[0][1] == 1
    assert math.isclose(matching.rows[0].distance_mm, 0.8)
    assert sorted(matching.only_b) == [2, 3] and len(matching.only_a) == 1


def test_hungarian_distance_pairing_pairs_both_where_nearest_first_pairs_one():
    grid = np.diag([0.5, 0.5, 0.5, 1.0])
    a = np.zeros((16, 3, 3), np.int32)
    b = np.zeros_like(a)
    a[0, 1, 1], a[7, 1, 1] = 1, 2  # 0 and 3.5 mm
    b[4, 1, 1], b[11, 1, 1] = 1, 2  # 2 and 5.5 mm: A2-B1 (1.5 mm) is the nearest pair
    tables = LesionTable.from_labels(a, grid), LesionTable.from_labels(b, grid)
    nearest = match_by_distance(*tables, 2.5)
    optimal = match_by_distance(*tables, 2.5, method="hungarian")
    assert [(r.a, r.b) for r in nearest.assigned] == [(2, 1)]
    assert sorted((r.a, r.b) for r in optimal.assigned) == [(1, 1), (2, 2)]
    assert [r.distance_mm for r in optimal.assigned] == pytest.approx([2.0, 2.0])
    assert not optimal.only_a and not optimal.only_b


def test_hungarian_distance_pairing_equals_brute_force_on_random_points():
    rng = np.random.default_rng(3)
    for _ in range(30):
        centres_a, centres_b = rng.uniform(0, 10, (4, 3)), rng.uniform(0, 10, (5, 3))
        tables = [
            LesionTable(np.arange(1, len(c) + 1), np.ones(len(c), int), c, 1.0)
            for c in (centres_a, centres_b)
        ]
        matching = match_by_distance(*tables, 4.0, method="hungarian")
        distances = np.linalg.norm(centres_a[:, None] - centres_b[None], axis=-1)
        best = min(
            (-sum(d <= 4.0 for d in ds), sum(d for d in ds if d <= 4.0))
            for perm in itertools.permutations(range(5), 4)
            for ds in [[distances[i, j] for i, j in enumerate(perm)]]
        )
        got = matching.assigned
        assert len(got) == -best[0]
        assert sum(r.distance_mm for r in got) == pytest.approx(best[1])
        assert all(r.distance_mm <= 4.0 for r in got)
