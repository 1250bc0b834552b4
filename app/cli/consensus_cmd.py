"""``ferret consensus agreement|build``: compare raters, or fuse them into a consensus rater.

``ferret consensus agreement STUDY --raters A,B [--type A-CMI] [--visit ses-YY]
[--participant sub-XX] --out DIR`` writes the tables and figure of
:mod:`processing.consensus.report` and prints the study-wide summary per pair of
raters. ``ferret consensus build STUDY --raters A,B[,C] --rule
union|intersection|majority|staple --into NAME [--replace]`` writes a rater store
(:mod:`processing.consensus.build`). Every rater's annotations are read read-only.
"""

from __future__ import annotations

import argparse

from processing.annotations.schema import LESION_TYPES
from processing.errors import FerretError


def register(subparsers) -> None:
    """Add ``consensus`` with its ``agreement`` action."""
    parser = subparsers.add_parser(
        "consensus",
        help="compare raters and build consensus annotations",
        description="Compare raters' annotations and build consensus.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    agreement = actions.add_parser(
        "agreement",
        help="lesion matching and agreement statistics between raters",
        description="Pair every rater's lesions by overlap "
        "(one to one, maximal Dice; splits and merges named), "
        "then write agreement_lesions.csv, agreement_summary.csv, agreement_ratings.csv, "
        "agreement.xlsx and agreement_volumes.png/svg/pdf into --out.",
    )
    agreement.add_argument("study", help="the BIDS study folder")
    agreement.add_argument(
        "--raters", required=True, type=rater_list, help="two or more rater IDs, e.g. AB,CD"
    )
    agreement.add_argument(
        "--type", dest="lesion_type", choices=LESION_TYPES, help="only lesions of this type"
    )
    agreement.add_argument(
        "--visit", help="only lesions whose onset visit (else drawn visit) is this, e.g. ses-03"
    )
    agreement.add_argument("--participant", help="only this participant, e.g. sub-01")
    agreement.add_argument("--out", required=True, help="output folder")
    agreement.set_defaults(func=run_agreement)
    build = actions.add_parser(
        "build",
        help="fuse raters' masks into a consensus rater",
        description="Fuse the raters' lesion masks per participant "
        "(union, intersection, majority vote or STAPLE), "
        "make each connected component a lesion and carry over type, onset visit and ratings where "
        "the raters agree. The result is a rater of its own (--into), usable by export, "
        "timecourses and the app.",
    )
    build.add_argument("study", help="the BIDS study folder")
    build.add_argument(
        "--raters", required=True, type=rater_list, help="two or more rater IDs, e.g. AB,CD,EF"
    )
    build.add_argument(
        "--rule", required=True, choices=("union", "intersection", "majority", "staple")
    )
    build.add_argument("--into", required=True, help="rater ID of the result, e.g. consensus")
    build.add_argument(
        "--replace",
        action="store_true",
        help="replace participants the target already holds (their old folder is moved aside)",
    )
    build.set_defaults(func=run_build)


def rater_list(text: str) -> list[str]:
    """Split ``--raters A,B``."""
    raters = [r.strip() for r in text.split(",") if r.strip()]
    if len(raters) < 2:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give two or more rater IDs separated by commas"
        )
    return raters


def run_agreement(args) -> int:
    """Compute and write the agreement report; print the pooled summary."""
    from processing.consensus.report import study_agreement, write_agreement
    from processing.consensus.sources import LesionFilter

    report = study_agreement(
        args.study, args.raters, LesionFilter(args.lesion_type, args.visit), args.participant
    )
    if not report.summary:
        raise FerretError(
            f"no participant was annotated by every one of {', '.join(args.raters)}.",
            args.study,
            "check the rater IDs (ferret-annotations/rater-<ID>) and --participant.",
        )
    written = write_agreement(report, args.out)
    for note in report.notes:
        print(f"note: {note}")
    for row in (r for r in report.summary if r["participant_id"] == "all"):
        print(
            f"{row['rater_A']} vs {row['rater_B']}: {row['n_A']} and {row['n_B']} lesions, "
            f"{row['matched']} matched, {row['only_A']} only {row['rater_A']}, "
            f"{row['only_B']} only {row['rater_B']}, "
            f"{row['split_merged']} split/merged; lesion F1 {_fmt(row['lesion_f1'])}, voxel Dice "
            f"{_fmt(row['voxel_dice'])}, per-lesion Dice {_fmt(row['dice_median'])} "
            f"[{_fmt(row['dice_q1'])}-{_fmt(row['dice_q3'])}]"
        )
    print(f"wrote {len(written)} files to {args.out}")
    return 0


def run_build(args) -> int:
    """Build the consensus store; print one line per participant with its undecided lesions."""
    from processing.consensus.build import build_consensus

    built = build_consensus(args.study, args.raters, args.rule, args.into, replace=args.replace)
    if not built:
        raise FerretError(
            f"no participant was annotated by every one of {', '.join(args.raters)}.",
            args.study,
            "check the rater IDs (ferret-annotations/rater-<ID>).",
        )
    for result in built:
        undecided = [str(lesion.lesion_id) for lesion in result.lesions if lesion.conflicts]
        print(
            f"{result.participant}: {len(result.lesions)} lesion(s) by {args.rule} "
            f"into rater {args.into}; "
            f"{result.conflicts} with values the raters disagree on"
            + (f" (lesions {', '.join(undecided)}; see {result.record})" if undecided else "")
        )
    return 0


def _fmt(value) -> str:
    return "n/a" if value is None or value != value else f"{value:.2f}"
