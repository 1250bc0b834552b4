"""``ferret annotate import``: bring lesion masks made elsewhere into a rater's annotations."""

from __future__ import annotations

import argparse

from processing.annotations.schema import LESION_TYPES


def register(subparsers) -> None:
    """Add ``annotate`` with its ``import`` action."""
    parser = subparsers.add_parser("annotate", help="manage lesion annotations",
                                   description="Manage lesion annotations of a study.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    importer = actions.add_parser(
        "import", help="import a lesion mask (ITK-SNAP, FSLeyes, a detector) as lesions",
        description="Each connected component of MASK becomes one lesion of --type in the rater's "
                    "annotations, resampled (nearest neighbour) into the participant's reference space.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    importer.add_argument("study", help="the BIDS study folder")
    importer.add_argument("mask", help="the mask (.nii or .nii.gz), any grid")
    importer.add_argument("--rater", required=True, help="rater ID (letters and digits)")
    importer.add_argument("--participant", required=True, help="participant label, e.g. sub-01")
    importer.add_argument("--visit", required=True, help="visit label, e.g. ses-02")
    importer.add_argument("--type", required=True, choices=LESION_TYPES, dest="lesion_type", help="lesion type")
    importer.add_argument("--reference", default=None,
                          help="image defining the reference grid for a participant not yet annotated "
                               "(default: the first visit's DWI)")
    importer.add_argument("--acquisition", default=None,
                          help="acquisition whose world the mask is in (e.g. FLAIR, MEGRE); default: the one "
                               "with the mask's grid, else the visit's DWI")
    importer.set_defaults(func=run_import)


def run_import(args) -> int:
    """Run the import and print the new lesion IDs."""
    from processing.annotations.importing import import_mask

    ids = import_mask(args.study, args.rater, args.participant, args.visit, args.lesion_type, args.mask,
                      reference_image=args.reference, acquisition=args.acquisition)
    print(f"imported {len(ids)} lesion(s) of type {args.lesion_type} for {args.participant} "
          f"{args.visit} (rater {args.rater}): IDs {', '.join(map(str, ids))}")
    return 0
