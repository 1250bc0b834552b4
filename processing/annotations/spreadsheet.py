"""Rating spreadsheets: one row per lesion, and a per-participant summary.

Columns of the lesion sheet: participant, visit, lesion_id, type, onset_visit,
centre_x/y/z (reference RAS mm), volume_mm3, diameter_mm, in_cortex, location,
location_source, one ``rating_<field>`` column per field of every schema, rater,
created, modified, warning. Location is the MARS group and structure for
microbleeds (``lobar:frontal``): the rater's form answer, else the region of
the participant's registered MARS atlas (:mod:`processing.location.lookup`),
``location_source`` saying which (``rater`` / ``atlas``); the rated location
for lacunes and WMH (``rater``), else cortical / non-cortical from the cortex
mask (``cortex``) or unknown.
The workbook's ``columns`` sheet defines the measured columns (:func:`definition_sheet`).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from processing.annotations.schema import RatingSchema
from processing.fileio import atomic_path

BASE_COLUMNS = (
    "participant",
    "visit",
    "lesion_id",
    "type",
    "onset_visit",
    "centre_x",
    "centre_y",
    "centre_z",
    "volume_mm3",
    "diameter_mm",
    "in_cortex",
    "location",
    "location_source",
)
TAIL_COLUMNS = ("rater", "created", "modified", "warning")
SUMMARY_COLUMNS = ("participant", "type", "location", "count")
#: The ``columns`` sheet of the workbook: what the measured columns mean.
COLUMN_DEFINITIONS = {
    "centre_x": "lesion centre (mean of its voxel centres), reference-space RAS mm; also centre_y, centre_z",
    "volume_mm3": "number of voxels x voxel volume of the reference grid",
    "diameter_mm": (
        "largest diameter: the larger of the largest distance between two voxel centres and the "
        "edge of a cube of the lesion's volume (within one voxel below the outline's extent)"
    ),
    "in_cortex": "at least half the voxels in Ferret's cortex mask; empty when the maps are not there yet",
    "onset_visit": "the visit the lesion first appears on (default: the visit of the first stroke)",
    "location": (
        "microbleeds: MARS group:structure, from the rater's form or else the registered MARS "
        "atlas (the region holding more than half of the lesion's voxels; unknown when none "
        "does); other lesions: the rated location, else cortical / non-cortical"
    ),
    "location_source": "rater (the form), atlas (the registered MARS atlas) or cortex (the cortex mask)",
    "warning": (
        "a microinfarct above 5 mm by diameter_mm, or a lesion painted on a view before its "
        "registration arrived (its position is then the scanner's header alignment)"
    ),
}


def definition_sheet() -> tuple[list[str], list[dict]]:
    """Return the ``columns`` sheet: ``(columns, records)`` of :data:`COLUMN_DEFINITIONS`."""
    return ["column", "definition"], [
        {"column": c, "definition": d} for c, d in COLUMN_DEFINITIONS.items()
    ]


def rating_columns(schemas: dict[str, RatingSchema]) -> list[str]:
    """``rating_<field>`` for every field of every schema, in schema order, without repeats."""
    seen: dict[str, None] = {}
    for schema in schemas.values():
        for spec in schema.fields:
            seen.setdefault(f"rating_{spec.id}")
    return list(seen)


def location_of(row: Mapping[str, Any], atlas_region: int | None = None) -> str:
    """Where a lesion lies, in words (see the module docstring)."""
    return located(row, atlas_region)[0]


def located(row: Mapping[str, Any], atlas_region: int | None = None) -> tuple[str, str]:
    """Return ``(location, location_source)`` of a lesion (see the module docstring)."""
    ratings = row.get("ratings", {})
    if row["type"] == "CMB":
        from processing.location.lookup import cmb_location

        found = cmb_location(ratings, atlas_region)
        if found.source:
            return found.text, found.source
    if ratings.get("location"):
        return ratings["location"], "rater"
    words: dict[Any, str] = {True: "cortical", False: "non-cortical"}  # None: no cortex mask
    cortex = row.get("in_cortex")
    return words.get(cortex, "unknown"), "" if cortex is None else "cortex"


def lesion_record(
    participant: str,
    rater: str,
    row: Mapping[str, Any],
    columns: list[str],
    atlas_region: int | None = None,
) -> dict:
    """One spreadsheet row of a lesion dict from the session or review reader.

    ``atlas_region``: the lesion's MARS atlas region (0 unknown), None without an atlas map.
    """
    location, source = located(row, atlas_region)
    record = {
        "participant": participant,
        "visit": row["visit"],
        "lesion_id": row["lesion_id"],
        "type": row["type"],
        "onset_visit": row["onset_visit"],
        "centre_x": round(row["centre"][0], 3),
        "centre_y": round(row["centre"][1], 3),
        "centre_z": round(row["centre"][2], 3),
        "volume_mm3": round(row["volume_mm3"], 3),
        "diameter_mm": round(row["diameter_mm"], 3),
        "in_cortex": row["in_cortex"],
        "location": location,
        "location_source": source,
        "rater": rater,
        "created": row["created"],
        "modified": row["modified"],
        "warning": row["warning"],
    }
    for column in columns:
        record[column] = row["ratings"].get(column[len("rating_") :])
    return record


def summary_records(records: list[dict]) -> list[dict]:
    """Return the counts per participant by type (location ``all``) and by type and location."""
    by_type = Counter((r["participant"], r["type"]) for r in records)
    by_location = Counter((r["participant"], r["type"], r["location"]) for r in records)
    rows = [
        {"participant": p, "type": t, "location": "all", "count": n}
        for (p, t), n in by_type.items()
    ]
    rows += [
        {"participant": p, "type": t, "location": loc, "count": n}
        for (p, t, loc), n in by_location.items()
    ]
    return sorted(
        rows, key=lambda r: (r["participant"], r["type"], r["location"] != "all", r["location"])
    )


def write_csv(path: Path, columns: list[str], records: list[dict]) -> Path:
    """Atomically write records as CSV (empty cells for None)."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for record in records:
            writer.writerow({c: "" if record.get(c) is None else record[c] for c in columns})
    return path


def write_xlsx(path: Path, sheets: dict[str, tuple[list[str], list[dict]]]) -> Path:
    """Atomically write an XLSX workbook with one sheet per ``name: (columns, records)``."""
    book = Workbook()
    book.remove(book.active)
    for name, (columns, records) in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(list(columns))
        for record in records:
            sheet.append([record.get(c) for c in columns])
        sheet.freeze_panes = "A2"
    with atomic_path(path) as tmp:
        book.save(tmp)
    return path
