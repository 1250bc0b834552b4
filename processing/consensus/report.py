"""``ferret consensus agreement``: compare raters over a study and write the tables and figure.

Writes into ``DIR``: ``agreement_lesions.csv``, ``agreement_summary.csv``,
``agreement_ratings.csv`` (columns in :mod:`~processing.consensus.pairs` and
:mod:`~processing.consensus.ratings`), ``agreement.xlsx`` with the three as
sheets, and ``agreement_volumes.{png,svg,pdf}``: a Bland-Altman plot of matched
lesions' volumes per pair of raters (every point shown, unlike statsmodels'
``mean_diff_plot``, which cuts the y axis at 1.5 times the limits).
Participants not annotated by every rater are left out and named in
:attr:`AgreementReport.notes`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from processing.annotations.schema import load_schemas
from processing.annotations.spreadsheet import write_csv, write_xlsx
from processing.annotations.workspace import ReviewWorkspace
from processing.consensus import pairs as pair_tables
from processing.consensus.ratings import RATING_COLUMNS, choice_fields, fleiss_kappas, pair_kappas
from processing.consensus.sources import (
    ALL_LESIONS,
    LesionFilter,
    check_same_grid,
    common_participants,
    load_rater_lesions,
)
from processing.errors import FerretError
from processing.figures.output import new_figure, save_figure
from processing.matching.agreement import bland_altman


@dataclass
class AgreementReport:
    """Everything ``ferret consensus agreement`` writes, as records."""

    fields: list[str]
    choice_fields: list[str] = field(default_factory=list)
    lesions: list[dict] = field(default_factory=list)
    summary: list[dict] = field(default_factory=list)
    ratings: list[dict] = field(default_factory=list)
    volumes: dict = field(
        default_factory=dict
    )  # "A,B" -> (volumes of A, volumes of B) of matched pairs
    notes: list[str] = field(default_factory=list)


def study_agreement(
    study_root: str | Path,
    raters: list[str],
    selection: LesionFilter = ALL_LESIONS,
    participant: str | None = None,
) -> AgreementReport:
    """Compare every pair of ``raters`` on every participant they all annotated."""
    if len(set(raters)) < 2:
        raise FerretError(
            "need two or more different raters to compare.", fix="use e.g. --raters AB,CD."
        )
    review = ReviewWorkspace(study_root)
    common, partial = common_participants(review, raters)
    if participant is not None:
        if participant not in common:
            raise FerretError(
                f"{participant} was not annotated by every one of {', '.join(raters)}.",
                Path(study_root) / "derivatives",
                f"choose one of: {', '.join(common) or '(none)'}.",
            )
        common, partial = [participant], {}
    report = AgreementReport(*_rating_fields(study_root, selection))
    report.notes += [
        f"{p}: left out, not annotated by {', '.join(missing)}" for p, missing in partial.items()
    ]
    loaded = [{r: load_rater_lesions(review, r, p, selection) for r in raters} for p in common]
    for first, second in itertools.combinations(raters, 2):
        _add_pair(report, [(by_rater[first], by_rater[second]) for by_rater in loaded], review)
    if len(raters) > 2:
        report.ratings += fleiss_kappas(loaded, report.choice_fields)
    return report


def write_agreement(report: AgreementReport, out: str | Path) -> list[Path]:
    """Write the report's tables and figure into ``out``; return the files written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lesion_columns = list(pair_tables.LESION_COLUMNS) + [
        f"{f}_{s}" for f in report.fields for s in "AB"
    ]
    sheets = {
        "lesions": (lesion_columns, report.lesions),
        "summary": (list(pair_tables.SUMMARY_COLUMNS), report.summary),
        "ratings": (list(RATING_COLUMNS), report.ratings),
    }
    written = [
        write_csv(out / f"agreement_{name}.csv", columns, records)
        for name, (columns, records) in sheets.items()
    ]
    written.append(write_xlsx(out / "agreement.xlsx", sheets))
    written += save_figure(volume_figure(report.volumes), out / "agreement_volumes")
    return written


def volume_figure(volumes: dict):
    """Bland-Altman plots of matched lesions' volumes, one panel per pair of raters."""
    figure = new_figure(4.5 * max(len(volumes), 1), 4.0)
    axes = figure.subplots(1, max(len(volumes), 1), squeeze=False)[0]
    for ax, (raters, (a, b)) in zip(axes, volumes.items(), strict=False):
        first, second = raters.split(",")
        bland_altman_panel(ax, np.asarray(a, float), np.asarray(b, float))
        ax.set_title(f"lesion volume, {first} vs {second}", fontsize=10)
        ax.set_xlabel("mean of both raters (mm³)")
        ax.set_ylabel(f"{first} - {second} (mm³)")
    return figure


def bland_altman_panel(ax, a: np.ndarray, b: np.ndarray) -> None:
    """Differences against means, the mean difference and the 95 % limits of agreement, labelled."""
    stats = bland_altman(a, b)
    if stats.n < 2:
        ax.text(
            0.5,
            0.5,
            "fewer than two matched lesions",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        return
    ax.scatter((a + b) / 2, a - b, s=14, alpha=0.7)
    lines = (
        (stats.mean_difference, "--", "mean"),
        (stats.upper_limit, ":", "+1.96 SD"),
        (stats.lower_limit, ":", "-1.96 SD"),
    )
    for value, style, name in lines[:1] if stats.sd == 0 else lines:
        ax.axhline(value, color="0.35", linestyle=style, linewidth=1)
        ax.annotate(
            f"{name} {value:.3g}",
            (1.0, value),
            xycoords=("axes fraction", "data"),
            ha="right",
            va="bottom",
            fontsize=8,
            color="0.25",
        )


def _add_pair(report: AgreementReport, participants: list, review: ReviewWorkspace) -> None:
    agreements = []
    for a, b in participants:
        check_same_grid(a, b, review)
        agreement = pair_tables.compare(a, b)
        agreements.append(agreement)
        report.lesions += pair_tables.lesion_records(agreement, report.fields)
        report.summary.append(pair_tables.summary_record([agreement], agreement.participant))
    report.summary.append(pair_tables.summary_record(agreements, "all"))
    report.ratings += pair_kappas(agreements, report.choice_fields)
    matched = [pair for agreement in agreements for pair in pair_tables.assigned_rows(agreement)]
    key = f"{participants[0][0].rater},{participants[0][1].rater}" if participants else "none"
    report.volumes[key] = (
        [a["volume_mm3"] for a, _ in matched],
        [b["volume_mm3"] for _, b in matched],
    )


def _rating_fields(study_root: str | Path, selection: LesionFilter) -> tuple[list[str], list[str]]:
    """Every rating field (for the lesion columns) and the choice fields (for kappas)."""
    schemas = load_schemas(study_root)
    chosen = (
        [schemas[selection.lesion_type]]
        if selection.lesion_type in schemas
        else list(schemas.values())
    )
    every = list(dict.fromkeys(spec.id for schema in chosen for spec in schema.fields))
    return every, choice_fields(schemas, selection.lesion_type)
