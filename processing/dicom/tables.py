"""The study's tables an imported visit updates: participants, sessions, dataset description.

Each table is rewritten atomically (:mod:`processing.fileio.atomic`); rows and
columns already there are kept as they are, a new participant gets ``n/a`` in
the other columns, and a re-imported session gets its new ``acq_time``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from processing.fileio.atomic import write_json, write_text
from processing.study.dates import parse_acq_time, read_tsv, sessions_table_path

BIDS_VERSION = "1.9.0"


def acquisition_time(sidecars: Iterable[dict[str, Any]]) -> _dt.datetime | None:
    """Return the earliest ``AcquisitionDateTime`` of the sidecars (None when none has one).

    Examples
    --------
    >>> acquisition_time([{"AcquisitionDateTime": "2021-10-06T15:41:43.000000"}, {}])
    datetime.datetime(2021, 10, 6, 15, 41, 43)
    """
    dates = [parse_acq_time(s.get("AcquisitionDateTime")) for s in sidecars]
    known = [d for d in dates if d is not None]
    return min(known) if known else None


def first_other_visit(
    study: Path, participant: str, session: str
) -> tuple[str, _dt.datetime] | None:
    """Return the earliest dated session of ``participant`` other than ``session``, or None."""
    path = sessions_table_path(study / participant)
    if not path.is_file():
        return None
    dated = [
        (row.get("session_id", ""), parse_acq_time(row.get("acq_time")))
        for row in read_tsv(path)
        if row.get("session_id") != session
    ]
    known = [(name, when) for name, when in dated if when is not None]
    return min(known, key=lambda item: item[1]) if known else None


def _write_tsv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    lines = ["\t".join(header)]
    lines += ["\t".join(row.get(k) or "n/a" for k in header) for row in rows]
    write_text(path, "\n".join(lines) + "\n")


def _upsert(path: Path, key: str, row: dict[str, str], replace: bool) -> None:
    """Add ``row`` to the TSV at ``path`` (keyed by ``key``), creating the file if needed."""
    rows = read_tsv(path) if path.is_file() else []
    header = list(rows[0].keys()) if rows else []
    if path.is_file() and not rows:  # a header line only
        header = path.read_text(encoding="utf-8-sig").splitlines()[0].split("\t")
    header = [h for h in header if h] or list(row)
    for column in row:
        if column not in header:
            header.append(column)
    existing = [r for r in rows if r.get(key) == row[key]]
    if existing and not replace:
        return
    if existing:
        existing[0].update(row)
    else:
        rows.append(row)
    _write_tsv(path, header, rows)


def update_participants(study: Path, participant: str) -> None:
    """List ``participant`` in ``participants.tsv`` (kept as is when already listed)."""
    _upsert(study / "participants.tsv", "participant_id", {"participant_id": participant}, False)


def update_sessions(study: Path, participant: str, session: str, when: _dt.datetime | None) -> None:
    """Set the session's ``acq_time`` in ``sub-XX/sub-XX_sessions.tsv`` (``n/a`` when unknown)."""
    acq_time = when.strftime("%Y-%m-%dT%H:%M:%S") if when else "n/a"
    path = sessions_table_path(study / participant)
    _upsert(path, "session_id", {"session_id": session, "acq_time": acq_time}, True)


def ensure_dataset_description(study: Path, generated_by: list[dict[str, str]]) -> bool:
    """Write ``dataset_description.json`` when the study has none; return True when written."""
    path = study / "dataset_description.json"
    if path.exists():
        return False
    write_json(
        path,
        {
            "Name": study.name,
            "BIDSVersion": BIDS_VERSION,
            "DatasetType": "raw",
            "GeneratedBy": generated_by,
        },
    )
    return True
