"""``ferret annotate import|import-predictions|recover``: masks and model predictions in; recovery."""

from __future__ import annotations

import argparse

from app.cli.predictions_cmd import register_import_predictions
from processing.annotations.schema import LESION_TYPES


def register(subparsers) -> None:
    """Add ``annotate`` with its ``import``, ``import-predictions`` and ``recover`` actions."""
    parser = subparsers.add_parser(
        "annotate",
        help="import lesion masks; recover damaged annotations",
        description="Manage lesion annotations of a study.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    importer = actions.add_parser(
        "import",
        help="import a lesion mask (ITK-SNAP, FSLeyes, a detector) as lesions",
        description="Each connected component of MASK becomes one lesion of --type in the rater's "
        "annotations, resampled (nearest neighbour) into the participant's reference space.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    importer.add_argument("study", help="the BIDS study folder")
    importer.add_argument("mask", help="the mask (.nii or .nii.gz), any grid")
    importer.add_argument("--rater", required=True, help="rater ID (letters and digits)")
    importer.add_argument("--participant", required=True, help="participant label, e.g. sub-01")
    importer.add_argument("--visit", required=True, help="visit label, e.g. ses-02")
    importer.add_argument(
        "--type", required=True, choices=LESION_TYPES, dest="lesion_type", help="lesion type"
    )
    importer.add_argument(
        "--reference",
        default=None,
        help="image defining the reference grid for a participant not yet annotated "
        "(default: the first visit's DWI)",
    )
    importer.add_argument(
        "--acquisition",
        default=None,
        help="acquisition whose world the mask is in (e.g. FLAIR, MEGRE); default: the one "
        "with the mask's grid, else the visit's DWI",
    )
    importer.set_defaults(func=run_import)
    register_import_predictions(actions)
    register_recover(actions)


def run_import(args) -> int:
    """Run the import and print the new lesion IDs."""
    from processing.annotations.importing import import_mask

    ids = import_mask(
        args.study,
        args.rater,
        args.participant,
        args.visit,
        args.lesion_type,
        args.mask,
        reference_image=args.reference,
        acquisition=args.acquisition,
    )
    print(
        f"imported {len(ids)} lesion(s) of type {args.lesion_type} for {args.participant} "
        f"{args.visit} (rater {args.rater}): IDs {', '.join(map(str, ids))}"
    )
    return 0


def register_recover(actions) -> None:
    """Add ``annotate recover``."""
    recover = actions.add_parser(
        "recover",
        help="list backups of a rater's damaged annotations, or restore one",
        description="Without a choice, list the damage found, every backup with what restoring it "
        "would lose, and the other ways back. "
        "With --backup, --from-journal or --from-labels, do it: "
        "the replaced files are moved into damaged-<time>/ beside the store, never deleted.",
    )
    recover.add_argument("study", help="the BIDS study folder")
    recover.add_argument("--rater", required=True, help="rater ID (letters and digits)")
    recover.add_argument("--participant", required=True, help="participant label, e.g. sub-01")
    choice = recover.add_mutually_exclusive_group()
    choice.add_argument("--list", action="store_true", help="only list (the default)")
    choice.add_argument(
        "--backup",
        metavar="NAME",
        nargs="?",
        const="newest",
        help="restore this backup (a folder name from --list; default the newest)",
    )
    choice.add_argument(
        "--from-journal",
        action="store_true",
        help="rebuild a damaged label volume from the database's stroke journal (loses nothing)",
    )
    choice.add_argument(
        "--from-labels",
        metavar="TYPE",
        choices=LESION_TYPES,
        help="start a new database from the label volume alone, every lesion of TYPE "
        "(loses types, visits, ratings and the audit history)",
    )
    recover.set_defaults(func=run_recover)


def run_recover(args) -> int:
    """List or carry out the rater's recovery choice."""
    from processing.annotations import recovery
    from processing.annotations.backup import backups_of
    from processing.annotations.integrity import inspect_store
    from processing.annotations.lock import RaterLock
    from processing.annotations.workspace import rater_folder
    from processing.errors import FerretError

    folder = rater_folder(args.study, args.rater) / args.participant
    if not folder.is_dir():
        raise FerretError(
            f"rater {args.rater} has no annotations of {args.participant}.",
            folder,
            "check the rater ID and the participant.",
        )
    files = recovery.StoreFiles(folder, args.participant)
    if not (args.backup or args.from_journal or args.from_labels):
        return _list_recovery(files, inspect_store(folder, args.participant), backups_of(folder))
    lock = RaterLock(folder.parent)
    try:
        if args.backup:
            chosen = (
                None
                if args.backup == "newest"
                else _named_backup(backups_of(folder), args.backup, folder)
            )
            aside = recovery.restore_backup(files, chosen)
        elif args.from_journal:
            aside = recovery.rebuild_labels_from_journal(files)
        else:
            aside = recovery.rebuild_from_labels(files, args.rater, args.from_labels)
    finally:
        lock.release()
    print(f"recovered {folder}; the files it replaced are kept in {aside}")
    return 0


def _list_recovery(files, findings: list[str], backups: list) -> int:
    from processing.annotations import recovery

    print(
        f"{files.folder}: "
        + ("damaged: " + "; ".join(map(str, findings)) if findings else "no damage found")
    )
    for backup in backups:
        print(f"  backup {backup.folder.name}: {recovery.loss_of(files, backup)}")
    if not backups:
        print("  no backups")
    print(
        "Choose with --backup [NAME], --from-journal (label volume damaged only) "
        "or --from-labels TYPE."
    )
    return 0


def _named_backup(backups: list, name: str, folder):
    from processing.errors import FerretError

    for backup in backups:
        if backup.folder.name == name:
            return backup
    raise FerretError(
        f"no backup named {name!r}.",
        folder / "backups",
        f"use one of: {', '.join(b.folder.name for b in backups) or '(none)'}.",
    )
