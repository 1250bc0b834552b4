"""``ferret timecourses STUDY --rater R --out FILE.csv|FILE.xlsx [--figures DIR]``.

One row per lesion x visit x parameter: lesion and control means with their
voxel counts, the difference, the difference normalised to the visits before
onset, time relative to onset in visits and weeks, the class and any
exclusion with its reason. Reads the maps resampled into the reference space
and the rater's annotations (see :mod:`processing.timecourses.loader`).
With ``--figures`` the Figure-2 panels are also written as PNG, SVG and PDF.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def register(subparsers) -> None:
    """Add the ``timecourses`` command."""
    parser = subparsers.add_parser(
        "timecourses",
        help="per-lesion time courses of every parameter",
        description=__doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("study", type=Path, help="BIDS study folder")
    parser.add_argument("--rater", required=True, help="rater ID, or 'consensus'")
    parser.add_argument(
        "--participant",
        action="extend",
        nargs="+",
        metavar="SUB",
        help="only these participants (default: every one the rater annotated)",
    )
    parser.add_argument("--out", required=True, type=Path, help="FILE.csv or FILE.xlsx")
    parser.add_argument(
        "--figures",
        type=Path,
        metavar="DIR",
        help="also write the Figure-2 panels (PNG, SVG, PDF) into DIR",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute, write and summarise the time courses."""
    from processing.fileio import write_provenance
    from processing.stats import write_table
    from processing.study.outputs import check_output_location
    from processing.timecourses import COLUMNS, R2STAR_RANGE

    if args.figures:
        check_output_location(args.figures, args.study)
    rows, inputs = timecourses_of(args)
    write_table(args.out, COLUMNS, [row.as_dict() for row in rows], sheet="timecourses")
    write_provenance(
        args.out,
        "per-lesion time courses (lesion vs one-voxel control ring, R2* filter, "
        "normalised to pre-onset visits)",
        {
            "rater": args.rater,
            "participants": args.participant,
            "r2star_range_per_s": list(R2STAR_RANGE),
            "control": "3x3x3 dilation minus lesions",
        },
        inputs,
    )
    print(summary(rows))
    print(f"wrote {args.out}")
    if args.figures:
        from processing.figures import save_figure, timecourse_figure

        for path in save_figure(
            timecourse_figure(rows), args.figures / f"timecourses_rater-{args.rater}"
        ):
            print(f"wrote {path}")
    return 0


def timecourses_of(args: argparse.Namespace) -> tuple[list, list[Path]]:
    """Check ``--out``, then compute the time courses of ``--rater`` and list the files they read.

    Shared by ``ferret timecourses`` and ``ferret stats timecourses``; the
    input list goes into the provenance sidecar (with checksums).
    """
    from processing.stats.tables import check_table_suffix
    from processing.study import discover
    from processing.study.outputs import check_output_location
    from processing.timecourses.loader import chosen_participants, input_files, study_timecourses

    check_table_suffix(args.out)
    check_output_location(args.out, args.study)
    study = discover(args.study)
    chosen = chosen_participants(study, args.rater, args.participant)
    rows = study_timecourses(study, args.rater, participants=chosen)
    return rows, input_files(study, args.rater, chosen)


def summary(rows) -> str:
    """Lesions, parameters, and how many lesions each exclusion reason removed."""
    lesions = {(r.participant, r.lesion_id) for r in rows}
    parameters = sorted({r.parameter for r in rows})
    excluded = Counter()
    for key in sorted(
        {(r.participant, r.lesion_id, r.parameter, r.exclusion_reason) for r in rows if r.excluded}
    ):
        excluded[key[3]] += 1
    lines = [
        f"{len(lesions)} lesion(s), {len(parameters)} parameter(s): {', '.join(parameters)}; "
        f"{len(rows)} rows"
    ]
    lines += [
        f"  excluded ({count} lesion x parameter): {reason}"
        for reason, count in excluded.most_common()
    ]
    return "\n".join(lines)
