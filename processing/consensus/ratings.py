"""Agreement of categorical rating fields on lesions that the raters matched.

For each pair of raters, Cohen's kappa per ``choice`` field over their
one-to-one lesion pairs; with three or more raters also Fleiss' kappa per field
over the lesion clusters that every rater marked exactly once
(:mod:`processing.matching.clusters`). A field a rater left empty (or that is
hidden for the lesion's answers or type) drops that item.
"""

from __future__ import annotations

from processing.annotations.schema import RatingSchema
from processing.consensus.pairs import PairAgreement, assigned_rows
from processing.consensus.sources import RaterLesions
from processing.matching.agreement import Kappa, cohen_kappa, fleiss_kappa
from processing.matching.clusters import cluster_sources

RATING_COLUMNS = ("field", "raters", "method", "n", "kappa", "ci_low", "ci_high", "note")


def choice_fields(schemas: dict[str, RatingSchema], lesion_type: str | None = None) -> list[str]:
    """IDs of every ``choice`` field (of one lesion type's schema, or of all), in schema order."""
    chosen = [schemas[lesion_type]] if lesion_type in schemas else list(schemas.values())
    seen: dict[str, None] = {}
    for schema in chosen:
        for spec in schema.fields:
            if spec.kind == "choice":
                seen.setdefault(spec.id)
    return list(seen)


def pair_kappas(agreements: list[PairAgreement], fields: list[str]) -> list[dict]:
    """Cohen's kappa per field for one pair of raters over every participant's pairs."""
    if not agreements:
        return []
    pairs = [pair for agreement in agreements for pair in assigned_rows(agreement)]
    raters = f"{agreements[0].a.rater},{agreements[0].b.rater}"
    return [
        _record(
            field,
            raters,
            "Cohen",
            cohen_kappa(
                [a["ratings"].get(field) for a, _ in pairs],
                [b["ratings"].get(field) for _, b in pairs],
            ),
        )
        for field in fields
    ]


def fleiss_kappas(participants: list[dict[str, RaterLesions]], fields: list[str]) -> list[dict]:
    """Fleiss' kappa per field over the complete clusters of every participant.

    Each participant's lesions come as ``{rater: lesions}``.
    """
    if not participants:
        return []
    raters = list(participants[0])
    items = []
    for by_rater in participants:
        clusters = cluster_sources({r: lesions.labels for r, lesions in by_rater.items()})
        for cluster in (c for c in clusters if c.complete()):
            rows = [by_rater[r].rows.get(cluster.members[r][0]) for r in raters]
            found = [row for row in rows if row is not None]
            if len(found) == len(rows):  # every rater's row is there
                items.append(found)
    return [
        _record(
            field,
            ",".join(raters),
            "Fleiss",
            fleiss_kappa([[row["ratings"].get(field) for row in item] for item in items]),
        )
        for field in fields
    ]


def _clean(value: float) -> float | None:
    """Return ``value`` rounded to 4 decimals, None for NaN (an empty cell)."""
    return None if value != value else round(value, 4)


def _record(field: str, raters: str, method: str, kappa: Kappa) -> dict:
    return {
        "field": field,
        "raters": raters,
        "method": method,
        "n": kappa.n,
        "kappa": _clean(kappa.kappa),
        "ci_low": _clean(kappa.low),
        "ci_high": _clean(kappa.high),
        "note": kappa.note,
    }
