"""nnU-Net cases: one visit of one participant, its channels, and the ``cases.tsv`` map.

A case is a visit's GRE maps in their native grid. Its ID is
``<dataset name>_<participant>_<session>`` (e.g. ``FerretCMB_sub-01_ses-02``);
``cases.tsv`` (tab-separated, one row per case) maps it back:

========== ===========================================================
case_id    the nnU-Net case identifier (file names start with it)
participant_id, session_id   the visit
image      the case's first channel, relative to the study root: the
           grid every prediction of the case must be on
========== ===========================================================

>>> case_id("FerretCMB", "sub-01", "ses-02")
'FerretCMB_sub-01_ses-02'
>>> parse_channels("swi, R2star")
('swi', 'r2star')
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from processing.errors import FerretError
from processing.fileio import write_text

#: channel option -> (name in dataset.json, the visit's derivative map; see processing.maps)
CHANNELS = {
    "swi": ("SWI", "desc-swi_GRE.nii.gz"),
    "r2star": ("R2star", "R2starmap.nii.gz"),
    "t2star": ("T2star", "T2starmap.nii.gz"),
}
DEFAULT_CHANNELS = ("swi", "r2star")
DATASET_NAME = "FerretCMB"
COLUMNS = ("case_id", "participant_id", "session_id", "image")
#: the acquisition whose world the GRE maps are in (its ``to-ref`` transform places them)
GRE_KEY = "MEGRE"


@dataclass(frozen=True)
class Case:
    """One exported visit: its ID, participant, session and first channel's image (study-relative)."""

    case_id: str
    participant: str
    session: str
    image: str


def case_id(dataset_name: str, participant: str, session: str) -> str:
    """Return the nnU-Net case identifier of a visit."""
    return f"{dataset_name}_{participant}_{session}"


def parse_channels(text: str | None) -> tuple[str, ...]:
    """Return the channel options of ``--channels`` (comma-separated), checked.

    Raises
    ------
    FerretError
        An unknown, repeated or empty channel list.
    """
    names = tuple(n.strip().lower() for n in (text or ",".join(DEFAULT_CHANNELS)).split(","))
    unknown = [n for n in names if n not in CHANNELS]
    if unknown or not names or len(set(names)) != len(names):
        raise FerretError(
            f"bad --channels {text!r}: give each channel once.",
            None,
            f"use a comma-separated list of {', '.join(CHANNELS)} (default swi,r2star).",
        )
    return names


def write_cases(path: Path, cases: list[Case]) -> Path:
    """Write ``cases.tsv`` atomically and return its path."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for case in cases:
        writer.writerow((case.case_id, case.participant, case.session, case.image))
    return write_text(path, buffer.getvalue())


def read_cases(path: str | Path) -> dict[str, Case]:
    """Return the cases of a ``cases.tsv`` by case ID.

    Raises
    ------
    FerretError
        A missing or unreadable file, a missing column, or a case ID listed twice.
    """
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except OSError as exc:
        raise FerretError(
            f"cannot read the case map ({exc.strerror or exc}).",
            path,
            "give the cases.tsv that ferret cmb export-nnunet wrote beside dataset.json.",
        ) from None
    missing = [c for c in COLUMNS[:3] if rows and c not in rows[0]]
    if not rows or missing:
        raise FerretError(
            f"the case map has no rows or lacks the columns {', '.join(missing or COLUMNS[:3])}.",
            path,
            "give a tab-separated file with case_id, participant_id, session_id (and image).",
        )
    cases: dict[str, Case] = {}
    for row in rows:
        case = Case(
            row["case_id"], row["participant_id"], row["session_id"], row.get("image") or ""
        )
        if case.case_id in cases:
            raise FerretError(f"case {case.case_id} is listed twice.", path, "list each case once.")
        cases[case.case_id] = case
    return cases
