"""Cross-tabulation of one rater's ratings across lesions (e.g. R2* at onset vs last follow-up).

Ratings are read-only from the rater's (or the consensus's) annotation store
(:class:`processing.annotations.store.RaterStore`). Level order comes from the
lesion type's rating schema when the field is one of its choices (hyper, iso,
hypo, not assessable), so categories never observed still show as zero rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from processing.errors import FerretError
from processing.stats.proportions import CrossTab, cross_tabulate


@dataclass
class RatedLesion:
    """One lesion's identity, type and ratings."""

    participant: str
    lesion_id: int
    lesion_type: str
    ratings: dict[str, str]


def rated_lesions(
    study_root: str | Path,
    rater: str,
    participants: list[str] | None = None,
    lesion_type: str | None = None,
) -> list[RatedLesion]:
    """Every live lesion of ``rater`` (of ``lesion_type`` if given) with its ratings."""
    from processing.annotations.workspace import ReviewWorkspace, rater_folder, read_only_store

    chosen = participants or ReviewWorkspace(study_root).participants_of(rater)
    if not chosen:
        raise FerretError(
            f"rater {rater} has no annotations in this study.",
            rater_folder(study_root, rater),
            "check --rater; annotations live in derivatives/ferret-annotations/rater-<ID>/.",
        )
    found = []
    for participant in chosen:
        with read_only_store(study_root, rater, participant) as store:
            ratings = store.ratings()
            found += [
                RatedLesion(participant, r.lesion_id, r.type, dict(ratings.get(r.lesion_id, {})))
                for r in store.lesions()
                if lesion_type is None or r.type == lesion_type
            ]
    return found


def schema_levels(study_root: str | Path, lesion_types: set[str], field: str) -> list[str] | None:
    """Return the field's choices in schema order (union over the types), or None when it has none."""
    from processing.annotations.schema import load_schemas

    schemas = load_schemas(study_root)
    levels: list[str] = []
    for lesion_type in sorted(lesion_types):
        schema = schemas.get(lesion_type)
        spec = next((f for f in schema.fields if f.id == field), None) if schema else None
        for option in spec.options if spec else ():
            if option.value not in levels:
                levels.append(option.value)
    return levels or None


@dataclass
class RatingCrossTab:
    """A cross-tabulation and how many lesions lacked one of the two ratings."""

    table: CrossTab
    lesions: int
    incomplete: int


def rating_crosstab(
    study_root: str | Path,
    rater: str,
    rows: str,
    columns: str,
    *,
    participants: list[str] | None = None,
    lesion_type: str | None = None,
) -> RatingCrossTab:
    """Cross-tabulate field ``rows`` against field ``columns`` over a rater's lesions.

    Raises
    ------
    FerretError
        When the rater has no lesion (of that type) or neither field was ever rated.
    """
    lesions = rated_lesions(study_root, rater, participants, lesion_type)
    if not lesions:
        raise FerretError(
            f"rater {rater} has no {lesion_type or ''} lesion to tabulate.".replace("  ", " "),
            study_root,
            "check --rater and --type.",
        )
    seen = {name for lesion in lesions for name in lesion.ratings}
    missing = [name for name in (rows, columns) if name not in seen]
    if missing:
        raise FerretError(
            f"field(s) {', '.join(missing)} never rated by {rater} "
            f"(rated fields: {', '.join(sorted(seen)) or 'none'}).",
            study_root,
            "name fields by their schema id, e.g. r2star_onset and r2star_last.",
        )
    first = [lesion.ratings.get(rows) for lesion in lesions]
    second = [lesion.ratings.get(columns) for lesion in lesions]
    types = {lesion.lesion_type for lesion in lesions}
    table = cross_tabulate(
        first,
        second,
        first_levels=_levels(study_root, types, rows, first),
        second_levels=_levels(study_root, types, columns, second),
    )
    complete = int(table.counts.sum())
    return RatingCrossTab(table, len(lesions), len(lesions) - complete)


def _levels(study_root, types, field, values) -> list[str]:
    levels = schema_levels(study_root, types, field) or []
    extra = sorted({str(v) for v in values if v not in (None, "") and str(v) not in levels})
    return levels + extra
