"""Export of one rater's annotations: masks, rating spreadsheets, summary.

Output folder layout (``--out DIR``)::

    DIR/sub-XX/sub-XX_space-ref_desc-lesions_dseg.nii.gz        reference space
    DIR/sub-XX/ses-YY/sub-XX_ses-YY_space-dwi_desc-lesions_dseg.nii.gz   each visit's DWI
    DIR/rater-<id>_lesions.csv, DIR/rater-<id>_summary.csv
    DIR/rater-<id>_ratings.xlsx   (sheets "lesions", "summary", "cmb_counts", "columns")
    DIR/rater-<id>_cmb_counts.csv   microbleeds per participant and visit, by MARS group

A rating whose field the lesion's form hides (e.g. an exclusion reason left
from before ``excluded`` went back to "no") is not exported. Every mask gets
a provenance sidecar. Masks go to each visit's native DWI grid
through ``native_from_reference`` = inverse of ``reference_from_native``
(:mod:`processing.spaces.reference`), by nearest neighbour so IDs survive.
The ``in_cortex`` / ``location`` columns use the participant's cortex mask
(:mod:`processing.annotations.cortex`; "unknown" without an R1 map); a
microbleed's ``location`` is the rater's MARS answer, else the participant's
registered MARS atlas region (``location_source``; the atlas is read when the
``location`` step has written it, :mod:`processing.location`). The CMB counts
(:mod:`processing.location.counts`) are written when the rater marked CMBs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from processing.annotations.cortex import cortex_mask
from processing.annotations.grid import resample_labels
from processing.annotations.schema import load_schemas
from processing.annotations.spreadsheet import (
    BASE_COLUMNS,
    SUMMARY_COLUMNS,
    TAIL_COLUMNS,
    definition_sheet,
    lesion_record,
    rating_columns,
    summary_records,
    write_csv,
    write_xlsx,
)
from processing.annotations.workspace import ReviewWorkspace, existing_rater_folder
from processing.fileio import save_nifti, write_provenance
from processing.location.counts import COUNT_COLUMNS
from processing.progress import Progress, null_progress
from processing.spaces import reference
from processing.study import Study, discover
from processing.study.outputs import check_output_location


def export_rater(
    study_root: str | Path, rater: str, out: str | Path, progress: Progress | None = None
) -> dict:
    """Export everything one rater annotated; return the written paths by kind.

    Raises
    ------
    FerretError
        When the rater has no annotations, or ``out`` lies inside the raw study.
    """
    progress = progress or null_progress()
    study_root, out = Path(study_root), check_output_location(out, study_root)
    folder = existing_rater_folder(study_root, rater)
    review = ReviewWorkspace(study_root)
    schemas = load_schemas(study_root)
    columns = rating_columns(schemas)
    written: dict[str, list[Path]] = {"reference_masks": [], "native_masks": [], "tables": []}
    records, counts = [], []
    participants = review.participants_of(rater)
    study = discover(study_root)  # once: every visit's transform is read from it
    for n, participant in enumerate(participants):
        progress.check()
        progress.update(n / max(len(participants), 1), f"exporting {participant}")
        labels, rows = review.read(
            rater, participant, cortex=_cortex(study_root, participant, review, rater)
        )
        regions = _atlas_regions(study_root, participant, labels, rows)
        records += [
            lesion_record(
                participant,
                rater,
                _shown_ratings(row, schemas),
                columns,
                None if regions is None else regions.get(row.lesion_id, 0),
            )
            for row in rows
        ]
        counts += _cmb_counts(study, participant, rows, regions)
        written["reference_masks"].append(
            _save_mask(
                out / participant / f"{participant}_space-ref_desc-lesions_dseg.nii.gz",
                labels.data,
                labels.grid.affine,
                folder / participant,
                "reference",
            )
        )
        written["native_masks"] += _export_native(
            study, participant, labels, out, folder / participant
        )
    records.sort(key=lambda r: (r["participant"], r["lesion_id"]))
    lesion_columns = list(BASE_COLUMNS) + columns + list(TAIL_COLUMNS)
    summary = summary_records(records)
    sheets = {
        "lesions": (lesion_columns, records),
        "summary": (list(SUMMARY_COLUMNS), summary),
    }
    written["tables"] = [
        write_csv(out / f"rater-{rater}_lesions.csv", lesion_columns, records),
        write_csv(out / f"rater-{rater}_summary.csv", list(SUMMARY_COLUMNS), summary),
    ]
    if counts:
        sheets["cmb_counts"] = (list(COUNT_COLUMNS), counts)
        written["tables"].append(
            write_csv(out / f"rater-{rater}_cmb_counts.csv", list(COUNT_COLUMNS), counts)
        )
    sheets["columns"] = definition_sheet()
    written["tables"].append(write_xlsx(out / f"rater-{rater}_ratings.xlsx", sheets))
    progress.update(1.0, "export done")
    return written


def _atlas_regions(study_root: Path, participant: str, labels, rows) -> dict[int, int] | None:
    """Return the atlas region of each lesion, or None (no CMB, or the atlas step not run).

    A damaged atlas map raises its FerretError (named, with the fix).
    """
    from processing.location.counts import atlas_regions
    from processing.location.participant import atlas_file

    if not any(row.type == "CMB" for row in rows):
        return None
    if not atlas_file(study_root, participant).is_file():
        return None
    return atlas_regions(study_root, participant, labels)


def _cmb_counts(study: Study, participant: str, rows, regions: dict[int, int] | None) -> list:
    """Return the participant's CMB count rows per visit (none without a CMB)."""
    from processing.location.counts import LocatedCMB, visit_counts
    from processing.location.lookup import cmb_location

    cmbs = [
        LocatedCMB(
            row.lesion_id,
            row.visit,
            row.ratings.get("certainty"),
            cmb_location(row.ratings, None if regions is None else regions.get(row.lesion_id, 0)),
        )
        for row in rows
        if row.type == "CMB"
    ]
    if not cmbs or participant not in study.participants:
        return []
    sessions = [visit.session for visit in study.participants[participant].visits]
    return visit_counts(participant, sessions, cmbs)


def _cortex(study_root: Path, participant: str, review: ReviewWorkspace, rater: str):
    """Return the participant's cortex mask on the rater's label grid (None without an R1 map)."""
    grid = review.grid_of(rater, participant)
    return None if grid is None else cortex_mask(study_root, participant, grid)


def _shown_ratings(row: Mapping[str, Any], schemas: dict) -> Mapping[str, Any]:
    """Return the row with only the ratings its type's form shows (stale hidden answers dropped)."""
    schema = schemas.get(row["type"])
    return row if schema is None else {**row, "ratings": schema.visible_values(row["ratings"])}


def _export_native(study: Study, participant: str, labels, out: Path, source: Path) -> list[Path]:
    study_root, paths = study.root, []
    for visit in reference.visits_of(study_root, participant):
        dwi = reference.native_dwi_image(study_root, participant, visit)
        if dwi is None:
            continue
        native_grid = reference.grid_of_image(dwi)
        native_from_reference = np.linalg.inv(
            reference.reference_from_native(study_root, participant, visit, study=study)
        )
        data = resample_labels(labels.data, labels.grid, native_grid, native_from_reference)
        target = (
            out / participant / visit / f"{participant}_{visit}_space-dwi_desc-lesions_dseg.nii.gz"
        )
        paths.append(
            _save_mask(target, data, native_grid.affine, source, f"native DWI of {visit}", dwi)
        )
    return paths


def _save_mask(path: Path, data, affine, source: Path, space: str, *grid_inputs: Path) -> Path:
    save_nifti(path, np.asarray(data, np.int32), affine)
    inputs = sorted(source.glob("*.nii.gz")) + sorted(source.glob("*.sqlite")) + list(grid_inputs)
    write_provenance(
        path,
        "ferret annotation export (nearest-neighbour resampling of lesion IDs)",
        {"space": space},
        inputs,
    )
    return path
