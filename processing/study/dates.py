"""Visit dates: from sessions.tsv, else scans.tsv, else the sidecars' AcquisitionDateTime.

BIDS keeps acquisition dates in ``sub-XX/sub-XX_sessions.tsv`` (column
``acq_time``, one row per ``session_id``) and in
``sub-XX/ses-YY/sub-XX_ses-YY_scans.tsv`` (one row per file). Converters also
write ``AcquisitionDateTime`` into the JSON sidecars. The first source that
gives a date wins; a visit's date from scans or sidecars is its earliest scan.
"""

from __future__ import annotations

import csv
import datetime as _dt
from collections.abc import Iterable
from pathlib import Path

from processing.errors import FerretError
from processing.study.bids_names import natural_key
from processing.study.model import ImageFile, Visit

_SECONDS_PER_WEEK = 7 * 24 * 3600.0


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a BIDS TSV file as dicts (``n/a`` kept as text).

    Raises
    ------
    FerretError
        When the file cannot be read or has no header line.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            rows = [dict(row) for row in reader]
            if not reader.fieldnames:
                raise ValueError("no header line")
    except UnicodeDecodeError:
        raise FerretError(
            "cannot read this table: it is not UTF-8 text.",
            path,
            "save it as UTF-8 text, tab-separated, with a header line.",
        ) from None
    except (OSError, ValueError, csv.Error) as exc:
        what = (
            "it has no header line"
            if "no header" in str(exc)
            else f"{getattr(exc, 'strerror', None) or 'not a readable tab-separated table'}"
        )
        raise FerretError(
            f"cannot read this table: {what}.",
            path,
            "write it as UTF-8 text, tab-separated, with a header line.",
        ) from None
    return rows


def parse_acq_time(text: str | None) -> _dt.datetime | None:
    """Parse a BIDS ``acq_time`` or ``AcquisitionDateTime``; None when absent or unparseable.

    Examples
    --------
    >>> parse_acq_time("2021-03-04T10:15:00")
    datetime.datetime(2021, 3, 4, 10, 15)
    >>> parse_acq_time("n/a") is None
    True
    """
    if not text or not isinstance(text, str) or text.strip().lower() in ("n/a", "na", ""):
        return None
    text = text.strip().replace("Z", "+00:00")
    try:
        value = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=None) if value.tzinfo else value


def sessions_table_path(participant_dir: Path) -> Path:
    """``sub-XX/sub-XX_sessions.tsv``."""
    return participant_dir / f"{participant_dir.name}_sessions.tsv"


def scans_table_path(session_dir: Path) -> Path:
    """``sub-XX/ses-YY/sub-XX_ses-YY_scans.tsv``."""
    return session_dir / f"{session_dir.parent.name}_{session_dir.name}_scans.tsv"


def dates_from_sessions_table(participant_dir: Path) -> dict[str, _dt.datetime]:
    """``session_id -> date`` from the participant's sessions.tsv ({} when absent or unreadable)."""
    path = sessions_table_path(participant_dir)
    if not path.is_file():
        return {}
    try:
        rows = read_tsv(path)
    except FerretError:
        return {}
    dates: dict[str, _dt.datetime] = {}
    for row in rows:
        date = parse_acq_time(row.get("acq_time"))
        if date is not None and row.get("session_id"):
            dates.setdefault(row["session_id"], date)
    return dates


def date_from_scans_table(session_dir: Path) -> _dt.datetime | None:
    """Return the earliest ``acq_time`` of a session's scans.tsv (None when absent)."""
    path = scans_table_path(session_dir)
    if not path.is_file():
        return None
    try:
        rows = read_tsv(path)
    except FerretError:
        return None
    return _earliest(parse_acq_time(row.get("acq_time")) for row in rows)


def date_from_sidecars(images: Iterable[ImageFile]) -> _dt.datetime | None:
    """Return the earliest ``AcquisitionDateTime`` among the images' JSON sidecars."""

    def read(image: ImageFile):
        try:
            return parse_acq_time(image.metadata.get("AcquisitionDateTime"))
        except (OSError, ValueError):
            return None

    return _earliest(read(image) for image in images)


def _earliest(dates: Iterable[_dt.datetime | None]) -> _dt.datetime | None:
    found = [d for d in dates if d is not None]
    return min(found) if found else None


def date_visit(visit: Visit, sessions_dates: dict[str, _dt.datetime]) -> None:
    """Set ``visit.date`` from the first source that has it."""
    visit.date = sessions_dates.get(visit.session) or date_from_scans_table(visit.path)
    if visit.date is None:
        images = [f for acq in visit.acquisitions.values() for f in acq.files]
        visit.date = date_from_sidecars(images)


def order_visits(visits: list[Visit]) -> list[Visit]:
    """Visits in chronological order (undated ones last, by label) with weeks since baseline."""
    dated = sorted(
        (v for v in visits if v.date is not None), key=lambda v: (v.date, natural_key(v.session))
    )
    undated = sorted((v for v in visits if v.date is None), key=lambda v: natural_key(v.session))
    baseline = dated[0].date if dated else None
    for visit in dated:
        if visit.date is not None and baseline is not None:  # always: these visits are dated
            visit.weeks_since_baseline = (visit.date - baseline).total_seconds() / _SECONDS_PER_WEEK
    return dated + undated
