"""``ferret cmb export-nnunet|predict``: microbleeds to and from nnU-Net v2 (:mod:`processing.nnunet`).

:func:`register_nnunet` adds both actions to the ``cmb`` command's actions
(:mod:`app.cli.cmb_cmd`).
"""

from __future__ import annotations

import argparse


def register_nnunet(actions) -> None:
    """Add ``export-nnunet`` and ``predict`` to the ``cmb`` actions."""
    register_export(actions)
    register_predict(actions)


def register_export(actions) -> None:
    """Add ``cmb export-nnunet``."""
    export = actions.add_parser(
        "export-nnunet",
        help="write a rater's microbleeds and the GRE maps as an nnU-Net v2 raw dataset",
        description="Each visit with every channel becomes a training case in its native GRE "
        "grid: OUT/DatasetXXX_FerretCMB/ with imagesTr, labelsTr, dataset.json and cases.tsv.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    export.add_argument("study", help="the BIDS study folder (maps computed)")
    export.add_argument("--rater", required=True, help="the rater whose CMB lesions are the labels")
    export.add_argument("--out", required=True, help="the folder to hold the dataset folder")
    export.add_argument("--dataset-id", type=int, default=501, help="nnU-Net dataset ID (1-999)")
    export.add_argument(
        "--channels", default="swi,r2star", help="maps, in order: swi, r2star, t2star"
    )
    export.add_argument(
        "--overwrite", action="store_true", help="replace an existing non-empty dataset folder"
    )
    export.set_defaults(func=run_export)


def run_export(args) -> int:
    """Export and print the cases and the visits left out."""
    from processing.nnunet.cases import parse_channels
    from processing.nnunet.dataset import export_nnunet

    report = export_nnunet(
        args.study,
        args.rater,
        args.out,
        dataset_id=args.dataset_id,
        channels=parse_channels(args.channels),
        overwrite=args.overwrite,
    )
    print("\n".join(report.lines()))
    return 0


def register_predict(actions) -> None:
    """Add ``cmb predict``."""
    predict = actions.add_parser(
        "predict",
        help="run a trained nnU-Net v2 model on every visit and import its microbleeds as a rater",
        description="Needs the optional extra ferret[nnunet]. The model's dataset.json says "
        "which maps it reads; nothing is downloaded.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    predict.add_argument("study", help="the BIDS study folder (maps computed)")
    predict.add_argument("--model-folder", required=True, help="nnUNetv2_train's output folder")
    predict.add_argument("--rater", default="nnunet", help="rater ID the predictions go to")
    predict.add_argument(
        "--folds", default=None, help="folds to use: 0, 0,1 or all (default: every fold_N found)"
    )
    predict.add_argument("--checkpoint", default="checkpoint_final.pth", help="checkpoint file")
    predict.add_argument("--device", default="cpu", help="torch device (cpu, cuda)")
    predict.add_argument("--probabilities", action="store_true", help="threshold probabilities")
    predict.add_argument("--threshold", type=float, default=0.5, help="with --probabilities")
    predict.add_argument(
        "--into-human-rater", action="store_true", help="allow a rater holding a person's lesions"
    )
    predict.set_defaults(func=run_predict)


def run_predict(args) -> int:
    """Predict, import, and print what was imported and which visits were not predicted."""
    from processing.nnunet.inference import predict

    folds = (
        tuple(f if f == "all" else int(f) for f in args.folds.split(",")) if args.folds else None
    )
    report, skipped = predict(
        args.study,
        args.model_folder,
        rater=args.rater,
        folds=folds,
        checkpoint=args.checkpoint,
        probabilities=args.probabilities,
        threshold=args.threshold,
        device=args.device,
        into_human_rater=args.into_human_rater,
    )
    print("\n".join(report.lines()))
    for participant, session, reason in skipped:
        print(f"  not predicted {participant} {session}: {reason}")
    return 0
