"""Two raters on one participant: matched lesions, per-lesion records and summary figures.

Columns of the lesion records (``agreement_lesions.csv``): ``participant_id``,
``rater_A``, ``rater_B``, ``status`` (``matched``, ``only-<A>``, ``only-<B>``,
``split``, ``merged``, with the real rater IDs), ``lesion_A``, ``lesion_B``,
``assigned`` (part of the one-to-one pairing), ``dice``, ``volume_A_mm3``,
``volume_B_mm3``, ``centre_distance_mm``, ``type_A``, ``type_B``,
``onset_visit_A``, ``onset_visit_B``, then ``<field>_A`` and ``<field>_B`` for
every rating field. The summary (``agreement_summary.csv``) has one row per
participant and a last row ``all`` pooled over participants (voxel Dice from
the summed voxel counts, Dice quartiles over every pair).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from processing.consensus.sources import RaterLesions
from processing.matching import Matching, Pair, match_by_overlap
from processing.matching.agreement import dice_summary

LESION_COLUMNS = (
    "participant_id",
    "rater_A",
    "rater_B",
    "status",
    "lesion_A",
    "lesion_B",
    "assigned",
    "dice",
    "volume_A_mm3",
    "volume_B_mm3",
    "centre_distance_mm",
    "type_A",
    "type_B",
    "onset_visit_A",
    "onset_visit_B",
)
SUMMARY_COLUMNS = (
    "participant_id",
    "rater_A",
    "rater_B",
    "n_A",
    "n_B",
    "matched",
    "only_A",
    "only_B",
    "split_merged",
    "lesion_f1",
    "voxel_dice",
    "dice_median",
    "dice_q1",
    "dice_q3",
)


@dataclass(frozen=True)
class PairAgreement:
    """The matching of raters A and B on one participant, with the voxel counts for Dice."""

    a: RaterLesions
    b: RaterLesions
    matching: Matching
    shared_voxels: int
    total_voxels: int

    @property
    def participant(self) -> str:
        """The participant compared."""
        return self.a.participant


def compare(a: RaterLesions, b: RaterLesions, matching: Matching | None = None) -> PairAgreement:
    """Match two raters' lesions of one participant (same grid) by overlap.

    A ``matching`` made otherwise (e.g. by centre distance) is taken as given;
    the voxel counts for Dice are those of the two label volumes either way.
    """
    if matching is None:
        matching = match_by_overlap(a.labels, b.labels, a.affine)
    in_a, in_b = a.labels != 0, b.labels != 0
    return PairAgreement(
        a,
        b,
        matching,
        int(np.count_nonzero(in_a & in_b)),
        int(np.count_nonzero(in_a)) + int(np.count_nonzero(in_b)),
    )


def lesion_records(agreement: PairAgreement, fields: list[str]) -> list[dict]:
    """One record per row of the matching (see the module overview for the columns)."""
    return [_lesion_record(agreement, row, fields) for row in agreement.matching.rows]


def summary_record(agreements: list[PairAgreement], participant_id: str) -> dict:
    """Return the summary row of several participants' agreements of one rater pair.

    Given one participant's agreement, it is that participant's row.
    """
    n_a = sum(len(g.matching.table_a) for g in agreements)
    n_b = sum(len(g.matching.table_b) for g in agreements)
    pairs = sum(len(g.matching.assigned) for g in agreements)
    shared, total = (
        sum(g.shared_voxels for g in agreements),
        sum(g.total_voxels for g in agreements),
    )
    median, q1, q3 = dice_summary(
        np.concatenate([g.matching.dices() for g in agreements]) if agreements else []
    )
    first = agreements[0] if agreements else None
    return {
        "participant_id": participant_id,
        "rater_A": first.a.rater if first else None,
        "rater_B": first.b.rater if first else None,
        "n_A": n_a,
        "n_B": n_b,
        "matched": sum(g.matching.count("matched") for g in agreements),
        "only_A": sum(len(g.matching.only_a) for g in agreements),
        "only_B": sum(len(g.matching.only_b) for g in agreements),
        "split_merged": sum(g.matching.split_merged_groups() for g in agreements),
        "lesion_f1": _ratio(2 * pairs, n_a + n_b),
        "voxel_dice": _ratio(2 * shared, total),
        "dice_median": median,
        "dice_q1": q1,
        "dice_q3": q3,
    }


def assigned_rows(agreement: PairAgreement) -> list[tuple[dict, dict]]:
    """``(row of A, row of B)`` of every one-to-one pair (for rating agreement and volumes)."""
    return [(agreement.a.rows[p.a], agreement.b.rows[p.b]) for p in agreement.matching.assigned]


def _lesion_record(agreement: PairAgreement, row: Pair, fields: list[str]) -> dict:
    a = agreement.a.rows.get(row.a) if row.a is not None else None
    b = agreement.b.rows.get(row.b) if row.b is not None else None
    status = {"only-a": f"only-{agreement.a.rater}", "only-b": f"only-{agreement.b.rater}"}.get(
        row.status, row.status
    )
    record = {
        "participant_id": agreement.participant,
        "rater_A": agreement.a.rater,
        "rater_B": agreement.b.rater,
        "status": status,
        "lesion_A": row.a,
        "lesion_B": row.b,
        "assigned": row.assigned,
        "dice": _number(row.dice),
        "centre_distance_mm": _number(row.distance_mm),
    }
    for side, lesion in (("A", a), ("B", b)):
        record[f"volume_{side}_mm3"] = lesion["volume_mm3"] if lesion else None
        record[f"type_{side}"] = lesion["type"] if lesion else None
        record[f"onset_visit_{side}"] = (
            (lesion.get("onset_visit") or lesion.get("visit")) if lesion else None
        )
        for field in fields:
            record[f"{field}_{side}"] = lesion["ratings"].get(field) if lesion else None
    return record


def _number(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 6)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None
