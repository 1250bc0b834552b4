"""A rater's microbleeds per visit, between the reference grid and each visit's native GRE grid.

A rater's lesions of a participant share one label volume in the reference
space; a CMB lesion records the visit it was marked at. A microbleed persists
(its haemosiderin stays), so at a visit a CMB is present when it was marked at
that visit or an earlier one; a CMB without a recorded visit (or with one no
longer in the study) counts from the first visit. Masks travel by nearest
neighbour through the visit's GRE ``to-ref`` transform
(:func:`processing.spaces.reference.reference_from_native` of ``MEGRE``) and
its inverse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from processing.annotations.grid import resample_labels
from processing.annotations.labels import LabelVolume
from processing.annotations.rows import LesionRow
from processing.annotations.workspace import ReviewWorkspace, existing_rater_folder
from processing.errors import FerretError
from processing.nnunet.cases import GRE_KEY
from processing.spaces import reference
from processing.spaces.grid import Grid
from processing.study.model import Study


@dataclass
class RaterCMB:
    """One participant's CMB lesions as a rater stored them (reference space)."""

    labels: LabelVolume
    rows: list[LesionRow]

    def present_at(self, sessions: Sequence[str], session: str) -> list[int]:
        """Return the IDs of the CMBs present at ``session`` (marked then or at an earlier visit)."""
        order = {s: n for n, s in enumerate(sessions)}
        now = order[session]
        return [r.lesion_id for r in self.rows if order.get(r.visit or sessions[0], 0) <= now]


def rater_cmb(study_root: str | Path, rater: str) -> dict[str, RaterCMB]:
    """Return every participant's CMB lesions of ``rater`` (participants without any are left out).

    Raises
    ------
    FerretError
        No such rater, or the rater has no CMB lesion at all.
    """
    folder = existing_rater_folder(study_root, rater)
    review, found = ReviewWorkspace(study_root), {}
    for participant in review.participants_of(rater):
        labels, rows = review.read(rater, participant)
        cmb = [row for row in rows if row.type == "CMB"]
        if cmb:
            found[participant] = RaterCMB(labels, cmb)
    if not found:
        raise FerretError(
            f"rater {rater} has no CMB lesion in this study: there is nothing to train on.",
            folder,
            "choose the rater who marked the microbleeds (lesions of type CMB).",
        )
    return found


def gre_to_reference(study: Study, participant: str, session: str) -> np.ndarray:
    """Return the 4x4 RAS transform from the visit's GRE world to the reference world."""
    return reference.reference_from_native(
        study.root, participant, session, acquisition=GRE_KEY, study=study
    )


def to_native(
    mask: np.ndarray, ref_grid: Grid, native: Grid, ref_from_gre: np.ndarray
) -> np.ndarray:
    """Return a reference-space boolean mask on the native GRE grid (nearest neighbour)."""
    placed = resample_labels(
        np.asarray(mask, np.int32), ref_grid, native, np.linalg.inv(ref_from_gre)
    )
    return placed > 0


def to_reference(
    mask: np.ndarray, native: Grid, ref_grid: Grid, ref_from_gre: np.ndarray
) -> np.ndarray:
    """Return a native GRE boolean mask on the reference grid (nearest neighbour)."""
    return resample_labels(np.asarray(mask, np.int32), native, ref_grid, ref_from_gre) > 0
