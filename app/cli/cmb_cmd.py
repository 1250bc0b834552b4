"""``ferret cmb``: microbleed tools. ``evaluate`` scores one lesion source against another.

The nnU-Net actions (``export-nnunet``, ``predict``) are in :mod:`app.cli.nnunet_cmd`,
``counts`` (per participant and visit, by MARS location) in :mod:`app.cli.counts_cmd`.

``ferret cmb evaluate STUDY --reference R --test T [--type CMB] [--visit ses-YY]
[--criterion distance|overlap] [--distance-mm 5] --out DIR`` matches T's
lesions to R's per participant (both rater stores, read-only), prints the
pooled figures and writes the tables and figure of
:mod:`processing.evaluation.report`.
"""

from __future__ import annotations

from app.cli.counts_cmd import register_counts
from app.cli.nnunet_cmd import register_nnunet
from processing.annotations.schema import LESION_TYPES


def register(subparsers) -> None:
    """Add ``cmb`` with its ``evaluate``, ``export-nnunet`` and ``predict`` actions."""
    parser = subparsers.add_parser(
        "cmb",
        help="microbleed tools: counts by MARS location, detection metrics, nnU-Net datasets and predictions",
        description="Microbleed tools.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    evaluate = actions.add_parser(
        "evaluate",
        help="lesion-wise detection metrics of a test rater against a reference rater",
        description="Pair the test rater's lesions with the reference's per participant "
        "(centre distance with an optimal one-to-one assignment, or overlap), then write "
        "evaluation_summary.csv, evaluation_cases.csv, evaluation_lesions.csv, evaluation.xlsx "
        "and evaluation_counts.png/svg/pdf into --out: sensitivity, precision, F1, false "
        "positives per participant, per-case Dice with a bootstrap 95 %% CI, count differences.",
    )
    evaluate.add_argument("study", help="the BIDS study folder")
    evaluate.add_argument("--reference", required=True, help="rater ID of the reference")
    evaluate.add_argument("--test", required=True, help="rater ID evaluated, e.g. a model")
    evaluate.add_argument(
        "--type", dest="lesion_type", default="CMB", choices=LESION_TYPES, help="lesion type (CMB)"
    )
    evaluate.add_argument(
        "--visit", help="only lesions whose onset visit (else drawn visit) is this, e.g. ses-01"
    )
    evaluate.add_argument(
        "--criterion", choices=("distance", "overlap"), default="distance", help="hit criterion"
    )
    evaluate.add_argument(
        "--distance-mm",
        type=float,
        default=5.0,
        help="largest centre distance of a hit in mm (5; with --criterion distance)",
    )
    evaluate.add_argument("--out", required=True, help="output folder")
    evaluate.set_defaults(func=run_evaluate)
    register_nnunet(actions)
    register_counts(actions)


def run_evaluate(args) -> int:
    """Evaluate, write the outputs and print the pooled figures."""
    from processing.consensus.sources import LesionFilter
    from processing.evaluation import evaluate_study, write_evaluation
    from processing.evaluation.detection import summary_records
    from processing.study.outputs import check_output_location

    check_output_location(args.out, args.study)
    evaluation = evaluate_study(
        args.study,
        args.reference,
        args.test,
        LesionFilter(args.lesion_type, args.visit),
        args.criterion,
        args.distance_mm,
    )
    written = write_evaluation(evaluation, args.out)
    for note in evaluation.notes:
        print(f"note: {note}")
    for row in summary_records(evaluation.cases):
        interval = (
            f" [{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]" if row["ci_low"] is not None else ""
        )
        print(f"{row['metric']}: {_fmt(row['value'])}{interval}")
    print(f"wrote {len(written)} files to {args.out}")
    return 0


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    return str(value) if isinstance(value, int) else f"{value:.3g}"
