"""Distance pairing of point-like lesions (microbleeds, candidates) by their centres.

Two lesions may pair when their centres (RAS mm, so anisotropic voxels count
right) are at most a tolerance apart; each lesion pairs at most once. Two
one-to-one rules:

``nearest`` (default)
    pairs are taken nearest first (a greedy matching, the convention of
    detection challenges such as VALDO's microbleed task);
``hungarian``
    the assignment with the most pairs and, among those, the smallest total
    distance (:func:`scipy.optimize.linear_sum_assignment`); nearest-first can
    leave a lesion unpaired where another choice would pair both.

What is left unpaired is ``only-a`` / ``only-b``: false positives and misses
when B is the truth.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial import cKDTree

from processing.errors import FerretError
from processing.matching.lesions import LesionTable
from processing.matching.result import Matching, Pair

METHODS = ("nearest", "hungarian")


def match_by_distance(
    table_a: LesionTable, table_b: LesionTable, tolerance_mm: float, method: str = "nearest"
) -> Matching:
    """Pair lesions of two tables whose centres lie within ``tolerance_mm``, one to one.

    Parameters
    ----------
    table_a, table_b : LesionTable
        The two sources (their grids may differ: only centres are used).
    tolerance_mm : float
        Largest centre distance of a pair (inclusive).
    method : {"nearest", "hungarian"}
        Nearest first, or the optimal assignment (see the module overview).

    Returns
    -------
    Matching
        ``matched`` rows with their distance, then ``only-a`` and ``only-b`` rows.
    """
    if method not in METHODS:
        raise FerretError(f"unknown distance pairing {method!r}.", fix=f"use one of {METHODS}.")
    near = _candidate_pairs(table_a.centres, table_b.centres, tolerance_mm)
    chosen = _nearest_first(near) if method == "nearest" else _optimal(near, tolerance_mm)
    rows = [
        Pair(int(table_a.ids[ra]), int(table_b.ids[rb]), "matched", distance_mm=d, assigned=True)
        for d, ra, rb in chosen
    ]
    used_a, used_b = {ra for _, ra, _ in chosen}, {rb for _, _, rb in chosen}
    rows += [Pair(int(i), None, "only-a") for r, i in enumerate(table_a.ids) if r not in used_a]
    rows += [Pair(None, int(i), "only-b") for r, i in enumerate(table_b.ids) if r not in used_b]
    return Matching(table_a, table_b, rows)


def _nearest_first(near: list[tuple]) -> list[tuple]:
    """Pairs taken in order of distance, skipping lesions already paired."""
    chosen, used_a, used_b = [], set(), set()
    for distance, ra, rb in near:
        if ra not in used_a and rb not in used_b:
            used_a.add(ra)
            used_b.add(rb)
            chosen.append((distance, ra, rb))
    return chosen


def _optimal(near: list[tuple], tolerance: float) -> list[tuple]:
    """Most pairs within ``tolerance``, then the least total distance (Hungarian assignment).

    Pairs beyond the tolerance cost more than any set of admissible pairs
    together, so the assignment never trades a pair for a shorter total.
    """
    if not near:
        return []
    rows_a = sorted({ra for _, ra, _ in near})
    rows_b = sorted({rb for _, _, rb in near})
    too_far = tolerance * (min(len(rows_a), len(rows_b)) + 1) + 1.0
    cost = np.full((len(rows_a), len(rows_b)), too_far)
    index_a = {r: k for k, r in enumerate(rows_a)}
    index_b = {r: k for k, r in enumerate(rows_b)}
    for distance, ra, rb in near:
        cost[index_a[ra], index_b[rb]] = distance
    picked_a, picked_b = linear_sum_assignment(cost)
    chosen = [
        (float(cost[x, y]), rows_a[x], rows_b[y])
        for x, y in zip(picked_a, picked_b, strict=True)
        if cost[x, y] <= tolerance
    ]
    return sorted(chosen)


def _candidate_pairs(centres_a: np.ndarray, centres_b: np.ndarray, tolerance: float) -> list[tuple]:
    """``(distance, row_a, row_b)`` of every pair within ``tolerance``, nearest first.

    Ties are ordered by rows.
    """
    if not len(centres_a) or not len(centres_b):
        return []
    near = cKDTree(centres_a).sparse_distance_matrix(
        cKDTree(centres_b), tolerance, output_type="ndarray"
    )
    return sorted((float(d), int(i), int(j)) for i, j, d in near)
