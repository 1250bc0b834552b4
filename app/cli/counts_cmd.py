"""``ferret cmb counts``: a rater's microbleeds per participant and visit, by MARS location.

``ferret cmb counts STUDY --rater R --out F.csv|F.xlsx|F.tsv [--visit ses-YY|first|last]``
prints and writes :func:`processing.location.counts.study_counts` with a
provenance sidecar. With ``--visit`` there is one row per participant, the
table ``ferret stats regress --counts F.tsv`` joins by ``participant_id``.
"""

from __future__ import annotations

from pathlib import Path

from processing.errors import FerretError

SUFFIXES = (".csv", ".xlsx", ".tsv")


def register_counts(actions) -> None:
    """Add ``counts`` to the ``cmb`` actions."""
    counts = actions.add_parser(
        "counts",
        help="microbleeds per participant and visit: total, lobar, deep, infratentorial, ...",
        description="Count a rater's microbleeds present at each visit (marked then or "
        "earlier) by MARS group (the rater's form answer, else the registered MARS atlas: "
        "ferret process --steps location) and certainty. Columns cmb_total, cmb_lobar, "
        "cmb_deep, cmb_infratentorial, cmb_cerebellar, cmb_brainstem, cmb_unknown_location, "
        "cmb_definite, cmb_possible, cmb_location_rater, cmb_location_atlas.",
    )
    counts.add_argument("study", type=Path, help="the BIDS study folder")
    counts.add_argument("--rater", required=True, help="rater ID (folder rater-<id>)")
    counts.add_argument(
        "--visit",
        metavar="ses-YY|first|last",
        help="one row per participant, of this visit (for ferret stats regress --counts)",
    )
    counts.add_argument("--out", required=True, type=Path, help="F.csv, F.xlsx or F.tsv")
    counts.set_defaults(func=run_counts)


def run_counts(args) -> int:
    """Count, print and write the table."""
    from processing.fileio import write_provenance, write_text
    from processing.location.counts import COUNT_COLUMNS, study_counts
    from processing.stats import format_text_table, write_table
    from processing.study.outputs import check_output_location

    if args.out.suffix.lower() not in SUFFIXES:
        raise FerretError(
            f"cannot write the counts as {args.out.suffix or 'a file without extension'!r}.",
            args.out,
            "name the output F.csv, F.xlsx or F.tsv.",
        )
    check_output_location(args.out, args.study)
    rows = study_counts(args.study, args.rater, args.visit)
    if not rows:
        raise FerretError(
            f"rater {args.rater} has no participant with the visit {args.visit}."
            if args.visit
            else f"rater {args.rater} has annotated no participant of this study.",
            args.study,
            "check --rater and --visit.",
        )
    print(format_text_table(list(COUNT_COLUMNS), rows))
    if args.out.suffix.lower() == ".tsv":
        lines = ["\t".join(COUNT_COLUMNS)]
        lines += ["\t".join(str(row[c]) for c in COUNT_COLUMNS) for row in rows]
        write_text(args.out, "\n".join(lines) + "\n")
    else:
        write_table(args.out, COUNT_COLUMNS, rows, sheet="cmb_counts")
    write_provenance(
        args.out,
        "microbleed counts by MARS location (rater's form, else the registered MARS atlas)",
        {"rater": args.rater, "visit": args.visit},
        [],
    )
    print(f"\nwrote {args.out}")
    return 0
