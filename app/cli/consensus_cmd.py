"""``ferret consensus agreement|build``: compare raters, or fuse them into a consensus rater.

``ferret consensus agreement STUDY --raters A,B [--type A-CMI] [--visit ses-YY]
[--participant sub-XX] --out DIR`` writes the tables and figure of
:mod:`processing.consensus.report` and prints the study-wide summary per pair of
raters. ``ferret consensus build STUDY --raters A,B[,C] --rule
union|intersection|majority|staple --into NAME [--replace]`` writes a rater store
(:mod:`processing.consensus.build`). ``ferret consensus queue STUDY --raters A,B
--participant sub-XX [--rater consensus] [--out FILE.csv]`` lists the
disagreements a consensus session decides (:mod:`processing.consensus.listing`).
Every rater's annotations are read read-only.
"""

from __future__ import annotations

import argparse

from processing.annotations.schema import LESION_TYPES
from processing.errors import FerretError


def register(subparsers) -> None:
    """Add ``consensus`` with its ``agreement``, ``build`` and ``queue`` actions."""
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
    queue = actions.add_parser(
        "queue",
        help="list the disagreements a consensus session decides",
        description="List one participant's disagreement queue of two raters (only-A, only-B, "
        "split, merged, pairs below the Dice threshold, pairs whose type, onset or ratings "
        "differ), in session order; --out writes it as CSV. Nothing in the study is written.",
    )
    queue.add_argument("study", help="the BIDS study folder")
    queue.add_argument("--raters", required=True, type=rater_pair, help="two rater IDs, e.g. AB,CD")
    queue.add_argument("--participant", required=True, help="the participant, e.g. sub-01")
    queue.add_argument(
        "--rater",
        dest="into",
        default="consensus",
        help="the consensus rater (marks decided items)",
    )
    queue.add_argument(
        "--dice-threshold", type=float, default=0.5, help="queue pairs below this Dice (0.5)"
    )
    queue.add_argument("--out", help="write the queue to this CSV file")
    queue.set_defaults(func=run_queue)


def rater_list(text: str) -> list[str]:
    """Split ``--raters A,B``."""
    raters = [r.strip() for r in text.split(",") if r.strip()]
    if len(raters) < 2:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give two or more rater IDs separated by commas"
        )
    return raters


def rater_pair(text: str) -> list[str]:
    """Split ``--raters A,B`` (exactly two)."""
    raters = rater_list(text)
    if len(raters) != 2:
        raise argparse.ArgumentTypeError(f"{text!r}: give exactly two rater IDs, e.g. AB,CD")
    return raters


def run_queue(args) -> int:
    """Print the participant's queue, one line per item; write it as CSV with ``--out``."""
    from pathlib import Path

    from processing.annotations.spreadsheet import write_csv
    from processing.consensus.listing import QUEUE_COLUMNS, participant_queue

    records = participant_queue(
        args.study,
        args.raters,
        args.participant,
        into=args.into,
        dice_threshold=args.dice_threshold,
    )
    for row in records:
        dice = "" if row["dice"] is None else f" Dice {row['dice']:.2f}"
        differs = f" differ: {row['differs']}" if row["differs"] else ""
        print(
            f"{row['item_id']}  {row['kind']}  {row['visit'] or '-'}{dice}{differs}"
            + ("  (decided)" if row["decided"] else "")
        )
    left = sum(not row["decided"] for row in records)
    print(f"{left} of {len(records)} left")
    if args.out:
        print(f"wrote {write_csv(Path(args.out), QUEUE_COLUMNS, records)}")
    return 0


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
