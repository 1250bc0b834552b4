"""What a fused lesion inherits from the raters' lesions it overlaps.

For each lesion of the fused mask (a 26-connected component), every rater's
lesions that share a voxel with it are its sources. Its type, onset visit and
each rating field are carried over when every source that gives a value gives
the same one; otherwise the value is left empty (the type falls back to the
most frequent one) and the disagreement is listed as a conflict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from processing.consensus.sources import RaterLesions


@dataclass
class CarriedLesion:
    """A fused lesion's record: sources per rater, agreed values and the conflicts."""

    lesion_id: int
    sources: dict  # {rater: [lesion IDs]}
    type: str
    onset_visit: str | None
    ratings: dict = field(default_factory=dict)
    conflicts: dict = field(default_factory=dict)  # {what: {rater: [values]}}


def carry_records(fused: np.ndarray, raters: dict[str, RaterLesions]) -> list[CarriedLesion]:
    """Return a record of every lesion of ``fused`` (a label volume of components).

    Each record is carried over from the raters' lesions that overlap it.
    """
    carried = []
    for lesion_id in np.unique(fused[fused > 0]).tolist():
        inside = fused == lesion_id
        sources = {
            r: sorted(set(np.unique(lesions.labels[inside]).tolist()) - {0})
            for r, lesions in raters.items()
        }
        carried.append(carry_sources(lesion_id, sources, raters))
    return carried


def carry_sources(lesion_id: int, sources: dict, raters: dict[str, RaterLesions]) -> CarriedLesion:
    """Return the record ``lesion_id`` inherits from ``sources`` (``{rater: [lesion IDs]}``)."""
    by_rater = {
        r: [raters[r].rows[i] for i in ids if i in raters[r].rows] for r, ids in sources.items()
    }
    rows = [row for own in by_rater.values() for row in own]
    record = CarriedLesion(
        lesion_id,
        sources,
        type=_most_common([row["type"] for row in rows]) or "other",
        onset_visit=None,
    )
    for what, value_of in _properties(rows).items():
        values = {
            r: sorted({v for v in map(value_of, own) if v is not None})
            for r, own in by_rater.items()
        }
        distinct = {v for vs in values.values() for v in vs}
        if len(distinct) == 1:
            _set(record, what, distinct.pop())
        elif len(distinct) > 1:
            record.conflicts[what] = {r: vs for r, vs in values.items() if vs}
    return record


def _properties(rows: list[dict]) -> dict[str, Callable[[dict], Any]]:
    """``{name: function(row) -> value}`` for type, onset visit and every rating field present."""
    fields = sorted({f for row in rows for f in row["ratings"]})
    props: dict[str, Callable[[dict], Any]] = {
        "type": lambda row: row["type"],
        "onset_visit": lambda row: row.get("onset_visit"),
    }
    props.update({f"rating:{f}": _rating(f) for f in fields})
    return props


def _rating(field: str) -> Callable[[dict], Any]:
    """Return the function reading rating ``field`` of a row (None when absent)."""
    return lambda row: row["ratings"].get(field)


def _set(record: CarriedLesion, what: str, value) -> None:
    if what.startswith("rating:"):
        record.ratings[what[len("rating:") :]] = value
    else:
        setattr(record, what, value)


def _most_common(values: list) -> str | None:
    return Counter(values).most_common(1)[0][0] if values else None
