"""The outcome of matching two lesion sources: one row per pair or unpaired lesion.

Statuses (A and B are the two sources in the order given):

``matched``
    a one-to-one pair;
``split``
    A's lesion overlaps two or more of B's (B split it); every overlap is a row,
    the one kept by the one-to-one assignment has ``assigned=True``;
``merged``
    B's lesion overlaps two or more of A's (B merged them), likewise;
``only-a`` / ``only-b``
    a lesion that no lesion of the other source overlaps (or, for distance
    pairing, none within the tolerance).

A lesion of a group that is both split and merged is reported as ``split``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from processing.matching.lesions import LesionTable

STATUSES = ("matched", "split", "merged", "only-a", "only-b")


@dataclass(frozen=True)
class Pair:
    """One row of a matching.

    Attributes
    ----------
    a, b : int or None
        Lesion IDs in source A and B (None on the side that has none).
    status : str
        One of :data:`STATUSES`.
    overlap : int
        Shared voxels (0 for distance pairing and unpaired lesions).
    dice : float
        ``2 * overlap / (voxels_a + voxels_b)``; NaN when unpaired or paired by distance.
    distance_mm : float
        Distance between the two centres; NaN when unpaired.
    assigned : bool
        Part of the one-to-one assignment (False for a split's or merge's further overlaps
        and for unpaired lesions).
    """

    a: int | None
    b: int | None
    status: str
    overlap: int = 0
    dice: float = math.nan
    distance_mm: float = math.nan
    assigned: bool = False


@dataclass
class Matching:
    """Every pair and unpaired lesion of sources A and B, with both lesion tables."""

    table_a: LesionTable
    table_b: LesionTable
    rows: list[Pair] = field(default_factory=list)

    @property
    def assigned(self) -> list[Pair]:
        """The one-to-one pairs (true positives of either source against the other)."""
        return [row for row in self.rows if row.assigned]

    @property
    def only_a(self) -> list[int]:
        """IDs of A's lesions that nothing of B overlaps."""
        return [row.a for row in self.rows if row.status == "only-a" and row.a is not None]

    @property
    def only_b(self) -> list[int]:
        """IDs of B's lesions that nothing of A overlaps."""
        return [row.b for row in self.rows if row.status == "only-b" and row.b is not None]

    def count(self, status: str) -> int:
        """Return the number of rows with ``status``."""
        return sum(row.status == status for row in self.rows)

    def split_merged_groups(self) -> int:
        """Lesions of A with two or more partners plus lesions of B with two or more partners."""
        overlaps = [row for row in self.rows if row.overlap > 0]
        a_ids, a_counts = np.unique([row.a for row in overlaps], return_counts=True)
        b_ids, b_counts = np.unique([row.b for row in overlaps], return_counts=True)
        return int(np.sum(a_counts >= 2) + np.sum(b_counts >= 2))

    def dices(self) -> np.ndarray:
        """Dice of every one-to-one pair matched by overlap."""
        return np.array([row.dice for row in self.assigned if row.overlap > 0], dtype=float)
