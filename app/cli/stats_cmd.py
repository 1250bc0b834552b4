"""``ferret stats``: group tables and the time-course statistics.

``ferret stats groups TABLE.tsv --group COL [--continuous COL ...] [--categorical COL ...]
--out FILE`` writes a Table-1-like comparison (one row per variable, a column ``p``);
``ferret stats timecourses STUDY --rater R --out FILE`` writes the
repeated-measures ANOVA and post-hoc paired t-tests per parameter;
``ferret stats crosstab STUDY --rater R --rows FIELD --cols FIELD --out FILE``
cross-tabulates two ratings over the rater's lesions (e.g. r2star_onset
against r2star_last); ``ferret stats regress TABLE.tsv --outcome COL [--log1p]
--predictors a,b [--adjust age,sex] [--counts COUNTS.tsv] --out FILE`` fits
linear regressions, univariable and adjusted, one row per predictor term.
Each prints the table to the terminal and writes FILE.csv or FILE.xlsx with a
provenance sidecar.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.regress_cmd import register_regress


def register(subparsers) -> None:
    """Add ``stats groups``, ``timecourses``, ``crosstab`` and ``regress``."""
    parser = subparsers.add_parser(
        "stats",
        help="group tables and time-course statistics",
        description=__doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kinds = parser.add_subparsers(dest="stats_kind", metavar="KIND", required=True)
    groups = kinds.add_parser("groups", help="Table-1-like comparison of groups from a TSV table")
    groups.add_argument("table", type=Path, help="tab-separated table, one row per participant")
    groups.add_argument("--group", required=True, help="column holding the group")
    groups.add_argument(
        "--continuous",
        action="extend",
        nargs="+",
        default=[],
        metavar="COL",
        help="columns summarised as median [IQR], Mann-Whitney U",
    )
    groups.add_argument(
        "--categorical",
        action="extend",
        nargs="+",
        default=[],
        metavar="COL",
        help="columns summarised as n (%%), chi-square or Fisher's exact test",
    )
    groups.add_argument("--out", required=True, type=Path, help="FILE.csv or FILE.xlsx")
    groups.set_defaults(func=run_groups)
    courses = kinds.add_parser(
        "timecourses", help="rm-ANOVA and paired t-tests of the lesion classes"
    )
    courses.add_argument("study", type=Path, help="BIDS study folder")
    courses.add_argument("--rater", required=True, help="rater ID, or 'consensus'")
    courses.add_argument(
        "--participant",
        action="extend",
        nargs="+",
        metavar="SUB",
        help="only these participants (default: every one the rater annotated)",
    )
    courses.add_argument("--out", required=True, type=Path, help="FILE.csv or FILE.xlsx")
    courses.set_defaults(func=run_timecourses)
    crosstab = kinds.add_parser(
        "crosstab", help="cross-tabulate two ratings over a rater's lesions"
    )
    crosstab.add_argument("study", type=Path, help="BIDS study folder")
    crosstab.add_argument("--rater", required=True, help="rater ID, or 'consensus'")
    crosstab.add_argument(
        "--rows", required=True, metavar="FIELD", help="rating field of the rows, e.g. r2star_onset"
    )
    crosstab.add_argument(
        "--cols",
        required=True,
        metavar="FIELD",
        help="rating field of the columns, e.g. r2star_last",
    )
    crosstab.add_argument(
        "--type", dest="lesion_type", metavar="TYPE", help="only lesions of this type, e.g. A-CMI"
    )
    crosstab.add_argument(
        "--participant",
        action="extend",
        nargs="+",
        metavar="SUB",
        help="only these participants (default: every one the rater annotated)",
    )
    crosstab.add_argument("--out", required=True, type=Path, help="FILE.csv or FILE.xlsx")
    crosstab.set_defaults(func=run_crosstab)
    register_regress(kinds)


def run_groups(args: argparse.Namespace) -> int:
    """Compute, print and write the group table."""
    from processing.errors import FerretError
    from processing.fileio import write_provenance
    from processing.stats import format_text_table, group_table, read_tsv, write_table
    from processing.stats.tables import check_table_suffix
    from processing.study.outputs import check_output_location

    check_table_suffix(args.out)
    check_output_location(args.out)
    if not args.continuous and not args.categorical:
        raise FerretError(
            "no variables to compare.",
            args.table,
            "name columns with --continuous COL ... and/or --categorical COL ...",
        )
    rows = read_tsv(args.table)
    columns, table = group_table(
        rows,
        args.group,
        continuous=args.continuous,
        categorical=args.categorical,
        source=str(args.table),
    )
    print(format_text_table(columns, table))
    write_table(args.out, columns, table, sheet="groups")
    write_provenance(
        args.out,
        "group comparison (median [IQR] + Mann-Whitney U; n (%) + chi-square "
        "without continuity correction or Fisher's exact test)",
        {"group": args.group, "continuous": args.continuous, "categorical": args.categorical},
        [args.table],
    )
    print(f"\nwrote {args.out}")
    return 0


def run_timecourses(args: argparse.Namespace) -> int:
    """Compute the time courses, then the class statistics; print and write them."""
    from app.cli.timecourses_cmd import timecourses_of
    from processing.fileio import write_provenance
    from processing.stats import (
        STATS_COLUMNS,
        format_text_table,
        timecourse_statistics,
        write_table,
    )

    rows, inputs = timecourses_of(args)
    table = timecourse_statistics(rows)
    print(format_text_table(STATS_COLUMNS, table))
    write_table(args.out, STATS_COLUMNS, table, sheet="statistics")
    write_provenance(
        args.out,
        "repeated-measures ANOVA over pre-lesional/lesional/post-lesional "
        "normalised differences, post-hoc two-tailed paired t-tests",
        {
            "rater": args.rater,
            "participants": args.participant,
            "value": "normalised_difference",
            "alpha": 0.05,
        },
        inputs,
    )
    print(f"\nwrote {args.out}")
    return 0


def run_crosstab(args: argparse.Namespace) -> int:
    """Cross-tabulate two rating fields; print and write the table with totals."""
    from processing.fileio import write_provenance
    from processing.stats import format_text_table, write_table
    from processing.stats.ratings import rating_crosstab
    from processing.stats.tables import check_table_suffix
    from processing.study.outputs import check_output_location

    check_table_suffix(args.out)
    check_output_location(args.out, args.study)
    result = rating_crosstab(
        args.study,
        args.rater,
        args.rows,
        args.cols,
        participants=args.participant,
        lesion_type=args.lesion_type,
    )
    columns, rows = result.table.as_rows(args.rows, args.cols)
    print(format_text_table(columns, rows))
    print(f"\n{result.lesions} lesion(s); {result.incomplete} without both ratings left out")
    write_table(args.out, columns, rows, sheet="crosstab")
    write_provenance(
        args.out,
        "cross-tabulation of two ratings over a rater's lesions",
        {
            "rater": args.rater,
            "rows": args.rows,
            "cols": args.cols,
            "type": args.lesion_type,
            "participants": args.participant,
            "lesions": result.lesions,
            "left_out_incomplete": result.incomplete,
        },
        [],
    )
    print(f"wrote {args.out}")
    return 0
