"""Overlap pairing: lesions that share voxels, one to one by maximal total Dice.

The shared-voxel counts of every pair of overlapping lesions come from one
pass over A's lesion voxels. Lesions connected by overlaps form groups
(connected components of the bipartite overlap graph); within each group
:func:`scipy.optimize.linear_sum_assignment` picks the one-to-one pairing with
the largest total Dice. Overlaps left outside the assignment are kept as
``split`` or ``merged`` rows, so nothing that overlaps is hidden.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from processing.errors import FerretError
from processing.matching.lesions import LesionTable
from processing.matching.result import Matching, Pair


def overlap_counts(
    labels_a: np.ndarray, labels_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(ids_a, ids_b, shared_voxels)`` of every pair of lesions that share at least one voxel."""
    if np.shape(labels_a) != np.shape(labels_b):
        raise FerretError(
            f"the two label volumes have different shapes ({np.shape(labels_a)} and "
            f"{np.shape(labels_b)}).",
            fix="resample both into the reference space first.",
        )
    flat = np.flatnonzero(labels_a)
    a = np.asarray(labels_a).reshape(-1)[flat].astype(np.int64)
    b = np.asarray(labels_b).reshape(-1)[flat].astype(np.int64)
    both = b != 0
    a, b = a[both], b[both]
    if not len(a):
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    base = int(b.max()) + 1
    keys, counts = np.unique(a * base + b, return_counts=True)
    return keys // base, keys % base, counts


def match_by_overlap(labels_a: np.ndarray, labels_b: np.ndarray, affine: np.ndarray) -> Matching:
    """Pair the lesions of two label volumes on one grid (see the module overview).

    Parameters
    ----------
    labels_a, labels_b : ndarray of int
        Label volumes of sources A and B (0 background), same shape.
    affine : ndarray, shape (4, 4)
        Voxel-to-RAS affine of their grid (for centres and volumes).

    Returns
    -------
    Matching
        One row per overlapping pair and per lesion that overlaps nothing.
    """
    table_a, table_b = (
        LesionTable.from_labels(labels_a, affine),
        LesionTable.from_labels(labels_b, affine),
    )
    ids_a, ids_b, shared = overlap_counts(labels_a, labels_b)
    rows_a = np.searchsorted(table_a.ids, ids_a)
    rows_b = np.searchsorted(table_b.ids, ids_b)
    dice = 2.0 * shared / (table_a.voxels[rows_a] + table_b.voxels[rows_b])
    assigned = _assign(rows_a, rows_b, dice, len(table_a), len(table_b))
    partners_a = np.bincount(rows_a, minlength=len(table_a))
    partners_b = np.bincount(rows_b, minlength=len(table_b))
    rows = []
    for k in range(len(shared)):
        ra, rb = rows_a[k], rows_b[k]
        status = "split" if partners_a[ra] >= 2 else "merged" if partners_b[rb] >= 2 else "matched"
        distance = float(np.linalg.norm(table_a.centres[ra] - table_b.centres[rb]))
        rows.append(
            Pair(
                int(ids_a[k]),
                int(ids_b[k]),
                status,
                int(shared[k]),
                float(dice[k]),
                distance,
                assigned=bool(assigned[k]),
            )
        )
    rows += [
        Pair(int(i), None, "only-a") for i, n in zip(table_a.ids, partners_a, strict=True) if n == 0
    ]
    rows += [
        Pair(None, int(i), "only-b") for i, n in zip(table_b.ids, partners_b, strict=True) if n == 0
    ]
    return Matching(table_a, table_b, sorted(rows, key=_row_order))


def _assign(
    rows_a: np.ndarray, rows_b: np.ndarray, dice: np.ndarray, n_a: int, n_b: int
) -> np.ndarray:
    """Which overlap edges the one-to-one, maximal-total-Dice assignment keeps (per group)."""
    kept = np.zeros(len(dice), dtype=bool)
    if not len(dice):
        return kept
    graph = coo_matrix((np.ones(len(dice)), (rows_a, n_a + rows_b)), shape=(n_a + n_b,) * 2)
    _, group = connected_components(graph, directed=False)
    edge_group = group[rows_a]
    for g in np.unique(edge_group):
        edges = np.flatnonzero(edge_group == g)
        if len(edges) == 1:
            kept[edges] = True
            continue
        local_a, ia = np.unique(rows_a[edges], return_inverse=True)
        local_b, ib = np.unique(rows_b[edges], return_inverse=True)
        weights = np.zeros((len(local_a), len(local_b)))
        weights[ia, ib] = dice[edges]
        chosen_a, chosen_b = linear_sum_assignment(weights, maximize=True)
        chosen = {(x, y) for x, y in zip(chosen_a, chosen_b, strict=True) if weights[x, y] > 0}
        kept[edges] = [(x, y) in chosen for x, y in zip(ia, ib, strict=True)]
    return kept


def _row_order(row: Pair) -> tuple:
    """Rows sorted by A's lesion, then B's; unpaired B lesions last."""
    return (row.a is None, row.a or 0, row.b or 0)
