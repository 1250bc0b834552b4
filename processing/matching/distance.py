"""Distance pairing of point-like lesions (microbleeds, candidates) by their centres.

Two lesions may pair when their centres (RAS mm, so anisotropic voxels count
right) are closer than a tolerance; pairs are taken nearest first, each lesion
at most once (a greedy one-to-one matching, the convention of detection
challenges such as VALDO's microbleed task). What is left unpaired is
``only-a`` / ``only-b``: false positives and misses when B is the truth.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from processing.matching.lesions import LesionTable
from processing.matching.result import Matching, Pair


def match_by_distance(table_a: LesionTable, table_b: LesionTable, tolerance_mm: float) -> Matching:
    """Pair lesions of two tables whose centres lie within ``tolerance_mm``, nearest first.

    Parameters
    ----------
    table_a, table_b : LesionTable
        The two sources (their grids may differ: only centres are used).
    tolerance_mm : float
        Largest centre distance of a pair (inclusive).

    Returns
    -------
    Matching
        ``matched`` rows with their distance, then ``only-a`` and ``only-b`` rows.
    """
    rows, used_a, used_b = [], set(), set()
    for distance, ra, rb in _candidate_pairs(table_a.centres, table_b.centres, tolerance_mm):
        if ra in used_a or rb in used_b:
            continue
        used_a.add(ra)
        used_b.add(rb)
        rows.append(
            Pair(
                int(table_a.ids[ra]),
                int(table_b.ids[rb]),
                "matched",
                distance_mm=distance,
                assigned=True,
            )
        )
    rows += [Pair(int(i), None, "only-a") for r, i in enumerate(table_a.ids) if r not in used_a]
    rows += [Pair(None, int(i), "only-b") for r, i in enumerate(table_b.ids) if r not in used_b]
    return Matching(table_a, table_b, rows)


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
