"""What the study browser lists, computed from a Study without Qt.

For one participant: a row per visit (session, date, weeks since baseline)
and, per acquisition kind present anywhere in the study, whether the visit has
it, so a missing scan shows as a gap in the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from processing.errors import FerretError
from processing.study.model import ACQUISITION_KINDS, Participant, Study, Visit

#: Which acquisition a freshly opened visit shows, in order of preference.
DEFAULT_KIND_ORDER = ("FLAIR", "T1w", "UNIT1", "MP2RAGE", "MEGRE", "T2w", "MESE", "dwi", "T1map", "epi")


@dataclass(frozen=True)
class VisitRow:
    """One visit of the browser table."""

    session: str
    date: str
    weeks: str
    present: tuple[bool, ...]


def study_kinds(study: Study) -> list[str]:
    """Acquisition kinds present in any visit of the study, in the standard order."""
    found = {kind for p in study.participants.values() for v in p.visits for kind in v.acquisitions}
    ordered = [k for k in ACQUISITION_KINDS if k in found]
    return ordered + sorted(found - set(ordered))


def visit_rows(participant: Participant, kinds: list[str]) -> list[VisitRow]:
    """The browser rows of a participant's visits, in chronological order."""
    return [VisitRow(v.session, _date_text(v), _weeks_text(v),
                     tuple(k in v.acquisitions for k in kinds)) for v in participant.visits]


def default_kind(visit: Visit, preferred: str | None = None) -> str | None:
    """The kind to show at a visit: ``preferred`` if present, else the first by preference."""
    if preferred in visit.acquisitions:
        return preferred
    for kind in DEFAULT_KIND_ORDER:
        if kind in visit.acquisitions:
            return kind
    return next(iter(visit.acquisitions), None)


def find_participant(study: Study, label: str | None) -> Participant:
    """The participant ``label`` (``sub-`` optional), or the first one with visits.

    Raises
    ------
    FerretError
        When the label is unknown or the study has no participant.
    """
    if not study.participants:
        raise FerretError("no participants found (no sub-* folders): this is not a BIDS study.",
                          study.root, "open the BIDS root folder, the one holding sub-01/, sub-02/, ...")
    if label is None:
        with_visits = [p for p in study.participants.values() if p.visits]
        return (with_visits or list(study.participants.values()))[0]
    key = label if label.startswith("sub-") else f"sub-{label}"
    if key not in study.participants:
        known = ", ".join(list(study.participants)[:10])
        raise FerretError(f"participant {label!r} is not in this study.", study.root,
                          f"use one of: {known}.")
    return study.participants[key]


def _date_text(visit: Visit) -> str:
    return visit.date.strftime("%Y-%m-%d") if visit.date else "-"


def _weeks_text(visit: Visit) -> str:
    return "-" if visit.weeks_since_baseline is None else f"{visit.weeks_since_baseline:.1f}"
