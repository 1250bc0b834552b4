"""``ferret stats regress``: linear regression, univariable and adjusted, from a TSV table.

``ferret stats regress TABLE.tsv --outcome COL [--log1p] --predictors a,b
[--adjust age,sex] [--categorical COL,...] [--counts COUNTS.tsv] --out FILE``
joins the counts to the table by ``participant_id``, fits the models of
:mod:`processing.stats.regression`, prints the table and writes FILE.csv or
FILE.xlsx with a provenance sidecar.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register_regress(kinds) -> None:
    """Add ``regress`` to the ``stats`` kinds."""
    regress = kinds.add_parser(
        "regress",
        help="linear regression of an outcome on each predictor, univariable and adjusted",
        description="Ordinary least squares (statsmodels formula API) of --outcome on each "
        "predictor alone and with the --adjust columns; non-numeric and two-valued columns "
        "are categorical (one row per level against the first in sorted order). Each model "
        "drops the rows missing one of its variables (empty or n/a) and reports its n.",
    )
    regress.add_argument("table", type=Path, help="tab-separated table, e.g. participants.tsv")
    regress.add_argument("--outcome", required=True, metavar="COL", help="numeric outcome column")
    regress.add_argument(
        "--log1p", action="store_true", help="model log(1 + outcome), e.g. for lesion counts"
    )
    regress.add_argument(
        "--predictors", required=True, type=columns, metavar="A,B", help="predictor columns"
    )
    regress.add_argument(
        "--adjust", type=columns, default=[], metavar="A,B", help="adjusters, e.g. age,sex"
    )
    regress.add_argument(
        "--categorical",
        type=columns,
        default=[],
        metavar="A,B",
        help="numeric-coded columns to treat as categorical",
    )
    regress.add_argument(
        "--counts",
        type=Path,
        metavar="COUNTS.tsv",
        help="TSV keyed by participant_id (e.g. cmb_total, cmb_lobar) joined to the table",
    )
    regress.add_argument("--out", required=True, type=Path, help="FILE.csv or FILE.xlsx")
    regress.set_defaults(func=run_regress)


def columns(text: str) -> list[str]:
    """Split a comma-separated list of column names."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"{text!r}: give column names separated by commas")
    return names


def run_regress(args: argparse.Namespace) -> int:
    """Join the counts if given, fit the regressions; print and write the table."""
    from processing.fileio import write_provenance
    from processing.stats import (
        REGRESSION_COLUMNS,
        format_text_table,
        join_on,
        read_tsv,
        regression_table,
        write_table,
    )
    from processing.stats.tables import check_table_suffix
    from processing.study.outputs import check_output_location

    check_table_suffix(args.out)
    check_output_location(args.out)
    rows, inputs = read_tsv(args.table), [args.table]
    if args.counts:
        counts = read_tsv(args.counts)
        rows = join_on(rows, counts, sources=(args.table, args.counts))
        inputs.append(args.counts)
        _note_unmatched(rows, counts, args.counts)
    table = regression_table(
        rows,
        args.outcome,
        args.predictors,
        args.adjust,
        log1p=args.log1p,
        categorical=args.categorical,
        source=args.table if not args.counts else f"{args.table} joined with {args.counts}",
    )
    shown = [c for c in REGRESSION_COLUMNS if c not in ("outcome", "transform", "level")]
    print(format_text_table(shown, table))
    write_table(args.out, REGRESSION_COLUMNS, table, sheet="regression")
    write_provenance(
        args.out,
        "ordinary least squares (statsmodels formula API), univariable and adjusted; "
        "categorical predictors as treatment contrasts against the first level",
        {
            "outcome": args.outcome,
            "log1p": args.log1p,
            "predictors": args.predictors,
            "adjust": args.adjust,
            "categorical": args.categorical,
            "confidence": 0.95,
        },
        inputs,
    )
    print(f"\nwrote {args.out}")
    return 0


def _note_unmatched(rows: list[dict], counts: list[dict], source: Path) -> None:
    """Name the table's participants that the counts lack (their counts are missing, not 0)."""
    known = {row["participant_id"] for row in counts}
    absent = [row["participant_id"] for row in rows if row["participant_id"] not in known]
    if absent:
        print(f"note: no row in {source} for {', '.join(absent)}: their counts are missing, not 0")
