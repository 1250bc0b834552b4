"""The candidate table shared by every kind: one row per candidate, ranked per participant.

Columns: ``participant_id, session_id, kind, rank, score, x, y, z`` (reference
RAS mm), ``diameter_mm`` (equivalent-sphere diameter of the focus above half
its peak z), ``cortical``, then the features (``z`` combined, ``z_<channel>``,
``z_previous``, ``z_next1``, ``z_next2``, the confirming map's relative change
and baseline, ``cortex_distance_mm``, ``voxels``, ``findings``: the
down-ranking findings of :mod:`~processing.candidates.score`). Written as CSV or
XLSX (atomically) by :func:`write_candidates`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from processing.errors import FerretError

BASE_COLUMNS = (
    "participant_id",
    "session_id",
    "kind",
    "rank",
    "score",
    "x",
    "y",
    "z",
    "diameter_mm",
    "cortical",
)


@dataclass
class Candidate:
    """One ranked candidate."""

    participant_id: str
    session_id: str
    kind: str
    score: float
    position: tuple[float, float, float]
    diameter_mm: float
    cortical: bool | None
    features: dict = field(default_factory=dict)
    rank: int = 0

    def record(self) -> dict:
        """Return the table row."""
        x, y, z = (round(float(c), 2) for c in self.position)
        row = {
            "participant_id": self.participant_id,
            "session_id": self.session_id,
            "kind": self.kind,
            "rank": self.rank,
            "score": round(self.score, 3),
            "x": x,
            "y": y,
            "z": z,
            "diameter_mm": round(self.diameter_mm, 2),
            "cortical": self.cortical,
        }
        for name, value in self.features.items():
            if name in row:
                raise ValueError(f"feature {name!r} would overwrite the column of the same name")
            row[name] = _cell(value)
        return row


def columns_of(candidates: list[Candidate]) -> list[str]:
    """Return the base columns, then every feature in first-seen order."""
    names: dict[str, None] = {}
    for candidate in candidates:
        names.update(dict.fromkeys(candidate.features))
    return list(BASE_COLUMNS) + [n for n in names if n not in BASE_COLUMNS]


def candidates_file(study_root: str | Path, participant: str, kind: str) -> Path:
    """``derivatives/ferret/sub-XX/candidates/sub-XX_kind-<kind>_candidates.csv``.

    The engine step's output.
    """
    return (
        Path(study_root)
        / "derivatives"
        / "ferret"
        / participant
        / "candidates"
        / f"{participant}_kind-{kind}_candidates.csv"
    )


def write_candidates(candidates: list[Candidate], out: str | Path) -> Path:
    """Write the table as ``.csv`` or ``.xlsx`` (by the file's extension)."""
    from processing.annotations.spreadsheet import write_csv, write_xlsx

    out = Path(out)
    columns, records = columns_of(candidates), [c.record() for c in candidates]
    if out.suffix.lower() == ".csv":
        return write_csv(out, columns, records)
    if out.suffix.lower() == ".xlsx":
        return write_xlsx(out, {"candidates": (columns, records)})
    raise FerretError(
        f"unknown table format {out.suffix!r}.", out, "end the file name in .csv or .xlsx."
    )


def _cell(value):
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    if isinstance(value, (list, tuple)):
        return ";".join(map(str, value))
    return value
