"""The screening queue's items: ranked candidates of one participant, or its visits in order.

:func:`candidate_items` reads the table of one kind the engine step
``candidates`` writes (:func:`processing.candidates.table.candidates_file`) and
returns one :class:`ScreeningItem` per row in rank order;
:func:`participant_items` joins every kind the participant has a table of
(:data:`~processing.screening.kinds.ACCEPT_RULES`: new A-CMI, new
microbleeds, then the microbleeds of every visit), each kind in rank order. The item ID
(:func:`candidate_id`: participant, visit, kind and the position rounded to
0.1 mm) stays the same when detection is run again and finds the same focus,
so a decision stays attached to its candidate. :func:`visit_items` is the
manual walk: one item per visit, decided as ``screened``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from processing.candidates.table import BASE_COLUMNS, candidates_file
from processing.errors import FerretError
from processing.screening.kinds import ACCEPT_RULES

#: Radius (mm) the grid zooms to at least: a 1-voxel candidate still shows its surroundings.
MIN_VIEW_RADIUS_MM = 3.0


@dataclass(frozen=True)
class ScreeningItem:
    """One thing to screen: a candidate (``centre`` set) or a whole visit (``centre`` None)."""

    item_id: str
    visit: str
    centre: tuple[float, float, float] | None = None
    diameter_mm: float = 0.0
    rank: int | None = None
    score: float | None = None
    cortical: bool | None = None
    kind: str | None = None  # the candidate table's kind (``acmi``, ``cmb``, ``cmb-new``)

    @property
    def is_candidate(self) -> bool:
        """True for a candidate, False for a visit of the visit-by-visit walk."""
        return self.centre is not None

    @property
    def radius_mm(self) -> float:
        """How far around the centre the grid shows (at least :data:`MIN_VIEW_RADIUS_MM`)."""
        return max(self.diameter_mm, MIN_VIEW_RADIUS_MM)

    def describe(self) -> str:
        """``"A-CMI candidate 3 at ses-03: score 4.20, 2.1 mm, cortical"`` or ``"visit ses-03"``."""
        if not self.is_candidate:
            return f"visit {self.visit}"
        where = {True: ", cortical", False: ", not cortical", None: ""}[self.cortical]
        score = "-" if self.score is None else f"{self.score:.2f}"
        return (
            f"{self.label} candidate {self.rank} at {self.visit}: score {score}, "
            f"{self.diameter_mm:.1f} mm{where}"
        )

    @property
    def label(self) -> str:
        """The kind as the rater reads it (``"A-CMI"``, ``"CMB"``, ``"new CMB"``); ``""`` for a visit."""
        rule = ACCEPT_RULES.get(self.kind or "")
        return rule.label if rule is not None else (self.kind or "")


def candidate_id(participant: str, visit: str, kind: str, position: Sequence[float]) -> str:
    """``"sub-01:ses-03:acmi:12.3,-40.0,8.5"`` (position rounded to 0.1 mm)."""
    x, y, z = (round(float(c), 1) + 0.0 for c in position)  # + 0.0: no "-0.0"
    return f"{participant}:{visit}:{kind}:{x:.1f},{y:.1f},{z:.1f}"


def visit_items(participant: str, sessions: Sequence[str]) -> list[ScreeningItem]:
    """One item per visit, in the order given (the visit-by-visit walk)."""
    return [ScreeningItem(f"{participant}:{session}:visit", session) for session in sessions]


def participant_items(study_root: str | Path, participant: str) -> list[ScreeningItem]:
    """Every candidate of ``participant``: each kind with a table, in :data:`ACCEPT_RULES` order.

    Raises
    ------
    FerretError
        No kind has a table, or a table is unreadable, lacks a column or has a bad value.
    """
    kinds = [k for k in ACCEPT_RULES if candidates_file(study_root, participant, k).is_file()]
    if not kinds:
        return candidate_items(study_root, participant, "acmi")  # the error naming the table
    return [item for kind in kinds for item in candidate_items(study_root, participant, kind)]


def candidate_items(study_root: str | Path, participant: str, kind: str) -> list[ScreeningItem]:
    """Read ``participant``'s candidates of ``kind``, rank 1 first.

    Raises
    ------
    FerretError
        The table is missing, unreadable, lacks a column, or has a bad value.
    """
    path = candidates_file(study_root, participant, kind)
    redo = f"run `ferret process STUDY --participant {participant} --steps candidates`"
    if not path.is_file():
        raise FerretError(
            f"{participant} has no {kind} candidates to screen.",
            path,
            f"{redo}, or screen visit by visit (--screen visits).",
        )
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows, columns = list(reader), reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise FerretError(f"the candidate table cannot be read ({error}).", path, redo) from None
    missing = [c for c in BASE_COLUMNS if c not in columns]
    if missing:
        raise FerretError(
            f"the candidate table lacks the column(s) {', '.join(missing)}.", path, f"{redo} again."
        )
    items = [_item(row, number, path, redo, kind) for number, row in enumerate(rows, start=2)]
    return sorted(
        (i for i in items if i.item_id.startswith(f"{participant}:")), key=lambda i: i.rank or 0
    )


def _item(row: dict, line: int, path: Path, redo: str, kind: str) -> ScreeningItem:
    try:
        position = tuple(float(row[axis]) for axis in "xyz")
        rank, score, diameter = int(row["rank"]), float(row["score"]), float(row["diameter_mm"])
        if not all(math.isfinite(v) for v in (*position, score, diameter)):
            raise ValueError("not a finite number")
    except (TypeError, ValueError) as error:
        raise FerretError(
            f"line {line} of the candidate table has a bad value ({error}).", path, f"{redo} again."
        ) from None
    cortical = {"true": True, "false": False}.get(str(row["cortical"]).strip().lower())
    return ScreeningItem(
        candidate_id(row["participant_id"], row["session_id"], kind, position),
        row["session_id"],
        (position[0], position[1], position[2]),
        diameter,
        rank,
        score,
        cortical,
        kind,
    )
