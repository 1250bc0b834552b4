"""One rater's lesions of one participant, as the agreement computations need them.

Lesions are filtered by type and by visit (the onset visit, else the visit the
lesion was drawn on); lesions filtered out are removed from the label volume
too, so that they neither pair nor count in voxel Dice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from processing.annotations.workspace import ReviewWorkspace
from processing.errors import FerretError
from processing.matching.lesions import keep_lesions


@dataclass(frozen=True)
class LesionFilter:
    """Which lesions take part: one type and/or one visit (None = all)."""

    lesion_type: str | None = None
    visit: str | None = None

    def keeps(self, row: Mapping[str, Any]) -> bool:
        """Return True when the lesion row passes the filter."""
        visit = row.get("onset_visit") or row.get("visit")
        return (self.lesion_type is None or row["type"] == self.lesion_type) and (
            self.visit is None or visit == self.visit
        )


#: Every lesion (the filter keeping all; a frozen value shared as a default).
ALL_LESIONS = LesionFilter()


@dataclass(frozen=True)
class RaterLesions:
    """A rater's kept lesions of one participant: label volume, its affine, rows by lesion ID."""

    rater: str
    participant: str
    labels: np.ndarray
    affine: np.ndarray
    rows: dict

    def same_grid(self, other: RaterLesions) -> bool:
        """Return True when both label volumes lie on the same grid."""
        return self.labels.shape == other.labels.shape and np.allclose(
            self.affine, other.affine, atol=1e-4
        )


def load_rater_lesions(
    review: ReviewWorkspace, rater: str, participant: str, selection: LesionFilter = LesionFilter()
) -> RaterLesions:
    """Read one rater's annotations of ``participant`` (read-only) and apply ``selection``."""
    labels, rows = review.read(rater, participant)
    kept = {row["lesion_id"]: row for row in rows if selection.keeps(row)}
    data = keep_lesions(labels.data, kept) if len(kept) < len(rows) else np.asarray(labels.data)
    return RaterLesions(rater, participant, data, labels.grid.affine, kept)


def common_participants(
    review: ReviewWorkspace, raters: list[str]
) -> tuple[list[str], dict[str, list[str]]]:
    """Participants annotated by every rater, and ``{participant: raters without it}`` for the rest."""
    known = set(review.raters())
    absent = [r for r in raters if r not in known]
    if absent:
        raise FerretError(
            f"no annotations of rater(s) {', '.join(absent)} in this study.",
            review.study_root / "derivatives",
            f"use raters that exist: {', '.join(sorted(known))}.",
        )
    done = {rater: set(review.participants_of(rater)) for rater in raters}
    everyone = set.union(*done.values()) if done else set()
    common = sorted(set.intersection(*done.values())) if done else []
    partial = {p: [r for r in raters if p not in done[r]] for p in sorted(everyone - set(common))}
    return common, partial


def check_same_grid(first: RaterLesions, second: RaterLesions, review: ReviewWorkspace) -> None:
    """Raise a FerretError when two raters' labels of a participant are on different grids."""
    if not first.same_grid(second):
        raise FerretError(
            f"raters {first.rater} and {second.rater} annotated {first.participant} on different "
            "grids.",
            review.study_root / "derivatives",
            "open the participant in each rater's session once so that both use its reference space.",
        )
