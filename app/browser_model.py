"""What the study browser lists, computed from a Study without Qt.

For one participant: a row per visit (session, date, weeks since baseline)
and, per acquisition kind present anywhere in the study, whether the visit has
it, so a missing scan shows as a gap in the table. Ferret's computed maps
(``derivatives/ferret``, e.g. ``R2starmap``) follow as further columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from processing.errors import FerretError
from processing.study.model import ACQUISITION_KINDS, Participant, Study, Visit

#: Which acquisition a freshly opened visit shows, in order of preference.
DEFAULT_KIND_ORDER = (
    "FLAIR",
    "T1w",
    "UNIT1",
    "MP2RAGE",
    "MEGRE",
    "T2w",
    "MESE",
    "dwi",
    "T1map",
    "epi",
)


@dataclass(frozen=True)
class VisitRow:
    """One visit of the browser table."""

    session: str
    date: str
    weeks: str
    present: tuple[bool, ...]


NIFTI_SUFFIXES = (".nii.gz", ".nii")


def visit_maps(visit: Visit) -> dict[str, Path]:
    """Ferret's NIfTI outputs of a visit by name without extension (``"R2starmap"`` -> path)."""
    maps = {}
    for name, path in visit.derived.items():
        for suffix in NIFTI_SUFFIXES:
            if name.endswith(suffix) and "/" not in name:
                maps[name[: -len(suffix)]] = path
    return maps


def study_kinds(study: Study) -> list[str]:
    """Acquisition kinds present in any visit (standard order), then computed maps (sorted)."""
    visits = [v for p in study.participants.values() for v in p.visits]
    found = {kind for v in visits for kind in v.acquisitions}
    ordered = [k for k in ACQUISITION_KINDS if k in found] + sorted(found - set(ACQUISITION_KINDS))
    maps = sorted({name for v in visits for name in visit_maps(v)} - set(ordered))
    return ordered + maps


def has_image(visit: Visit, kind: str) -> bool:
    """Whether the visit has this acquisition or computed map."""
    return kind in visit.acquisitions or kind in visit_maps(visit)


def visit_rows(participant: Participant, kinds: list[str]) -> list[VisitRow]:
    """Return the browser rows of a participant's visits, in chronological order."""
    return [
        VisitRow(v.session, _date_text(v), _weeks_text(v), tuple(has_image(v, k) for k in kinds))
        for v in participant.visits
    ]


def default_kind(visit: Visit, preferred: str | None = None) -> str | None:
    """Return the kind to show at a visit: ``preferred`` if present, else the first preferred."""
    if preferred is not None and has_image(visit, preferred):
        return preferred
    for kind in DEFAULT_KIND_ORDER:
        if kind in visit.acquisitions:
            return kind
    return next(iter(visit.acquisitions), None)


def find_participant(study: Study, label: str | None) -> Participant:
    """Return the participant ``label`` (``sub-`` optional), or the first one with visits.

    Raises
    ------
    FerretError
        When the label is unknown or the study has no participant.
    """
    if not study.participants:
        raise FerretError(
            "no participants found (no sub-* folders): this is not a BIDS study.",
            study.root,
            "open the BIDS root folder, the one holding sub-01/, sub-02/, ...",
        )
    if label is None:
        with_visits = [p for p in study.participants.values() if p.visits]
        return (with_visits or list(study.participants.values()))[0]
    key = label if label.startswith("sub-") else f"sub-{label}"
    if key not in study.participants:
        known = ", ".join(list(study.participants)[:10])
        raise FerretError(
            f"participant {label!r} is not in this study.", study.root, f"use one of: {known}."
        )
    return study.participants[key]


def _date_text(visit: Visit) -> str:
    return visit.date.strftime("%Y-%m-%d") if visit.date else "-"


def _weeks_text(visit: Visit) -> str:
    return "-" if visit.weeks_since_baseline is None else f"{visit.weeks_since_baseline:.1f}"
