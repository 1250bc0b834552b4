"""Validation of participants and sessions: the participants table, visit dates, duplicates."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from processing.errors import FerretError
from processing.fileio.regular import require_regular_file
from processing.study.bids_names import is_valid_label
from processing.study.dates import parse_acq_time, read_tsv, sessions_table_path
from processing.study.model import Participant, Study
from processing.study.problems import Problem, error, warning


def read_table(path: Path) -> tuple[list[dict[str, str]] | None, list[Problem]]:
    """Return a TSV table's rows (None when absent or unreadable) and the problems found reading it.

    A row with more or fewer fields than the header is an error: its values
    would land under the wrong column.
    """
    if not os.path.lexists(path):
        return None, []
    try:
        require_regular_file(path, "a tab-separated table")
        rows = read_tsv(path)
    except FerretError as exc:
        return None, [error(path, exc.problem, exc.fix or "")]
    problems = []
    for line, row in enumerate(rows, start=2):
        columns = [key for key in row if key is not None]
        # csv.DictReader (under read_tsv) files the fields past the header under the key None
        overflow = cast("dict[str | None, Any]", row).get(None)
        fields = sum(row[key] is not None for key in columns) + len(overflow or [])
        if fields != len(columns):
            problems.append(
                error(
                    path,
                    f"line {line} has {fields} field(s) but the header has {len(columns)}.",
                    "separate the columns with single tabs, one value per column (n/a when unknown).",
                )
            )
    return rows, problems


def check_participants_table(study: Study) -> Iterator[Problem]:
    """participants.tsv readable, with participant_id, matching the sub-* folders."""
    path = study.root / "participants.tsv"
    rows, problems = read_table(path)
    yield from problems
    if rows is None:
        return
    if rows and "participant_id" not in rows[0]:
        yield error(
            path,
            "participants.tsv has no participant_id column.",
            "name the first column participant_id, with values sub-<label>.",
        )
        return
    listed = [row.get("participant_id") or "" for row in rows]
    for label, count in Counter(listed).items():
        if count > 1:
            yield error(path, f"{label} is listed {count} times.", "keep one row per participant.")
    for label in listed:
        if not is_valid_label(label, "sub"):
            yield error(
                path,
                f"participant_id {label!r} is not a BIDS label (sub-<letters and digits>).",
                "correct the row, e.g. sub-01 (no '/', '.', '_' or '-' in the label).",
            )
    for label in study.participants:
        if label not in listed:
            yield warning(
                study.root / label,
                f"{label} is not listed in participants.tsv.",
                f"add a row for {label} (its clinical variables).",
            )
    for label in study.listed_without_folder:
        if is_valid_label(label, "sub"):
            yield warning(
                path,
                f"{label} is listed but has no folder: it is skipped.",
                f"add {label}/ with its visits, or remove the row.",
            )


def check_sessions(study: Study) -> Iterator[Problem]:
    """Per participant: the sessions table, duplicate sessions, sessions without a date."""
    for participant in study.participants.values():
        folder = study.root / participant.label
        if folder.is_dir():
            yield from _check_sessions_table(participant, sessions_table_path(folder))
            yield from _check_duplicates(participant)
            yield from _check_dates(participant, sessions_table_path(folder))


def _check_sessions_table(participant: Participant, path: Path) -> Iterator[Problem]:
    rows, problems = read_table(path)
    yield from problems
    if not rows:
        return
    ids = [row.get("session_id", "") for row in rows]
    if "session_id" not in rows[0]:
        yield error(
            path,
            "the sessions table has no session_id column.",
            "columns: session_id (ses-<label>) and acq_time (YYYY-MM-DDThh:mm:ss).",
        )
        return
    for session, count in Counter(ids).items():
        if count > 1:
            yield error(
                path,
                f"duplicate session: {session} is listed {count} times.",
                "keep one row per session.",
            )
    for session in ids:
        if not is_valid_label(session, "ses"):
            yield error(
                path,
                f"session_id {session!r} is not a BIDS label (ses-<letters and digits>).",
                "correct the row, e.g. ses-01 (no '/', '.', '_' or '-' in the label).",
            )
    known = {v.session for v in participant.visits}
    for session in sorted(s for s in set(ids) - known if is_valid_label(s, "ses")):
        yield warning(
            path,
            f"{session} is listed but has no folder.",
            f"add {participant.label}/{session}/ or remove the row.",
        )
    for row in rows:
        text = (row.get("acq_time") or "").strip()
        if text and text != "n/a" and parse_acq_time(text) is None:
            yield warning(
                path,
                f"acq_time {text!r} of {row.get('session_id')} is not a date and time: "
                "the visit is ordered by its label.",
                "write it as YYYY-MM-DDThh:mm:ss, or n/a.",
            )


def _check_duplicates(participant: Participant) -> Iterator[Problem]:
    by_number: dict[str, list[str]] = {}
    for visit in participant.visits:
        label = visit.session[4:]
        by_number.setdefault(label.lstrip("0") if label.isdigit() else label, []).append(
            visit.session
        )
    for sessions in by_number.values():
        if len(sessions) > 1:
            yield error(
                participant.visits[0].path.parent,
                "duplicate sessions: " + " and ".join(sessions) + " are the same visit number.",
                "merge them or renumber one of them.",
            )
    by_date: dict[object, list] = {}
    for visit in participant.visits:
        if visit.date is not None:
            by_date.setdefault(visit.date, []).append(visit)
    for visits in by_date.values():
        if len(visits) > 1:
            names = " and ".join(v.session for v in visits)
            yield error(
                visits[-1].path,
                f"duplicate sessions: {names} have the same acquisition "
                f"time {visits[0].date.isoformat()} (a copied visit?).",
                "remove the copy or correct acq_time in the sessions table.",
            )


def _check_dates(participant: Participant, table: Path) -> Iterator[Problem]:
    for visit in participant.visits:
        if visit.date is None:
            yield warning(
                visit.path,
                "this session has no date: visits are ordered by label and "
                "time since baseline in weeks is unknown.",
                f"add a row '{visit.session}<TAB>YYYY-MM-DDThh:mm:ss' to {table} "
                "(columns session_id, acq_time).",
            )
