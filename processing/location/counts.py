"""Microbleed counts per participant and visit, by MARS group, structure and certainty.

A microbleed persists, so at a visit the rater's CMBs marked at that visit or
an earlier one are counted (the rule of :mod:`processing.nnunet.lesions`).
Each CMB's location is the rater's form answer, else its atlas region
(:mod:`processing.location.lookup`). Columns (:data:`COUNT_COLUMNS`) are named
for ``ferret stats regress --counts``: ``cmb_total``, ``cmb_lobar``,
``cmb_deep``, ``cmb_infratentorial`` (of which ``cmb_cerebellar`` and
``cmb_brainstem``), ``cmb_unknown_location``, ``cmb_definite``,
``cmb_possible``, and how many locations came from the rater and from the atlas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from processing.annotations.grid import resample_labels
from processing.annotations.labels import LabelVolume
from processing.annotations.rows import LesionRow
from processing.location.lookup import ATLAS, RATER, Location, cmb_location, lesion_regions
from processing.location.participant import load_participant_atlas

COUNT_COLUMNS = (
    "participant_id",
    "session_id",
    "cmb_total",
    "cmb_lobar",
    "cmb_deep",
    "cmb_infratentorial",
    "cmb_cerebellar",
    "cmb_brainstem",
    "cmb_unknown_location",
    "cmb_definite",
    "cmb_possible",
    "cmb_location_rater",
    "cmb_location_atlas",
)


@dataclass(frozen=True)
class LocatedCMB:
    """One rater's microbleed with its location."""

    lesion_id: int
    visit: str | None
    certainty: str | None
    location: Location


def atlas_regions(study_root: str | Path, participant: str, labels: LabelVolume) -> dict[int, int]:
    """Return ``{lesion ID: atlas region}`` of a rater's labels (the atlas moved to their grid).

    Raises
    ------
    FerretError
        The atlas step has not run for the participant, or its map is damaged.
    """
    atlas, grid = load_participant_atlas(study_root, participant)
    if not grid.same_as(labels.grid):
        atlas = resample_labels(atlas, grid, labels.grid).astype("uint8")
    return lesion_regions(labels.data, atlas)


def locate(
    study_root: str | Path, participant: str, labels: LabelVolume, rows: Sequence[LesionRow]
) -> list[LocatedCMB]:
    """Return the participant's CMBs with their locations (rater's form, else atlas).

    The atlas map is read only when some CMB has no rated region.
    """
    cmb = [row for row in rows if row.type == "CMB"]
    regions: dict[int, int] = {}
    if any(not row.ratings.get("mars_region") for row in cmb):
        regions = atlas_regions(study_root, participant, labels)
    return [
        LocatedCMB(
            row.lesion_id,
            row.visit,
            row.ratings.get("certainty"),
            cmb_location(row.ratings, regions.get(row.lesion_id, 0) if regions else None),
        )
        for row in cmb
    ]


def count_row(participant: str, session: str, present: Sequence[LocatedCMB]) -> dict:
    """Return one row of :data:`COUNT_COLUMNS` for the CMBs present at a visit."""
    groups = [cmb.location.group for cmb in present]
    structures = [cmb.location.structure for cmb in present]
    sources = [cmb.location.source for cmb in present]
    certainty = [cmb.certainty for cmb in present]
    return {
        "participant_id": participant,
        "session_id": session,
        "cmb_total": len(present),
        "cmb_lobar": groups.count("lobar"),
        "cmb_deep": groups.count("deep"),
        "cmb_infratentorial": groups.count("infratentorial"),
        "cmb_cerebellar": structures.count("cerebellum"),
        "cmb_brainstem": structures.count("brainstem"),
        "cmb_unknown_location": groups.count("unknown"),
        "cmb_definite": certainty.count("definite"),
        "cmb_possible": certainty.count("possible"),
        "cmb_location_rater": sources.count(RATER),
        "cmb_location_atlas": sources.count(ATLAS),
    }


def visit_counts(
    participant: str, sessions: Sequence[str], cmbs: Sequence[LocatedCMB]
) -> list[dict]:
    """Return one count row per visit: the CMBs marked at that visit or an earlier one."""
    order = {session: n for n, session in enumerate(sessions)}
    rows = []
    for now, session in enumerate(sessions):
        present = [c for c in cmbs if order.get(c.visit or sessions[0], 0) <= now]
        rows.append(count_row(participant, session, present))
    return rows


def study_counts(study_root: str | Path, rater: str, visit: str | None = None) -> list[dict]:
    """Return the count rows of every participant the rater annotated.

    Parameters
    ----------
    visit : str, optional
        ``ses-YY``, ``first`` or ``last``: one row per participant (the table
        ``ferret stats regress --counts`` joins); default every visit.

    Raises
    ------
    FerretError
        No such rater, an atlas map missing or damaged where a CMB needs it.
    """
    from processing.annotations.workspace import ReviewWorkspace, existing_rater_folder
    from processing.study import discover

    existing_rater_folder(study_root, rater)
    study, review, rows = discover(study_root), ReviewWorkspace(study_root), []
    for participant in review.participants_of(rater):
        if participant not in study.participants:
            continue
        sessions = [v.session for v in study.participants[participant].visits]
        labels, lesions = review.read(rater, participant)
        found = visit_counts(
            participant, sessions, locate(study.root, participant, labels, lesions)
        )
        rows += _chosen(found, visit)
    return rows


def _chosen(rows: list[dict], visit: str | None) -> list[dict]:
    """Return every row, the first or last visit's, or the named visit's (none if absent)."""
    if visit is None or not rows:
        return rows
    if visit in ("first", "last"):
        return [rows[0] if visit == "first" else rows[-1]]
    return [row for row in rows if row["session_id"] == visit]
