"""``ferret annotate import-predictions``: an nnU-Net predictions folder becomes a rater."""

from __future__ import annotations

import argparse

from processing.annotations.schema import LESION_TYPES


def register_import_predictions(actions) -> None:
    """Add ``annotate import-predictions`` to the ``annotate`` actions."""
    parser = actions.add_parser(
        "import-predictions",
        help="import an nnU-Net predictions folder as a rater of its own",
        description="Each connected component of each case's prediction becomes one lesion of "
        "--type at that case's visit, brought from the case's native grid into the reference "
        "space (nearest neighbour). Everything is checked before anything is written.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("study", help="the BIDS study folder")
    parser.add_argument("predictions", help="nnU-Net's output folder (<case>.nii.gz, <case>.npz)")
    parser.add_argument("--map", required=True, dest="map_path", help="cases.tsv of the export")
    parser.add_argument("--rater", required=True, help="rater ID of the model (e.g. nnunet)")
    parser.add_argument(
        "--type", default="CMB", choices=LESION_TYPES, dest="lesion_type", help="lesion type"
    )
    parser.add_argument(
        "--probabilities",
        action="store_true",
        help="threshold <case>.npz probabilities of class 1 instead of reading the label maps",
    )
    parser.add_argument("--threshold", type=float, default=0.5, help="with --probabilities")
    parser.add_argument(
        "--into-human-rater",
        action="store_true",
        help="allow adding to a rater whose store holds lesions a person made",
    )
    parser.set_defaults(func=run_import_predictions)


def run_import_predictions(args) -> int:
    """Import and print the lesions created per case."""
    from processing.nnunet.rater_import import import_predictions

    report = import_predictions(
        args.study,
        args.predictions,
        args.map_path,
        args.rater,
        lesion_type=args.lesion_type,
        probabilities=args.probabilities,
        threshold=args.threshold,
        into_human_rater=args.into_human_rater,
    )
    print("\n".join(report.lines()))
    return 0
