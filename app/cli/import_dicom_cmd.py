"""``ferret import-dicom DICOM_DIR STUDY --participant sub-XX --session ses-YY``: one visit into BIDS.

Converts with dcm2niix, names with a dcm2bids configuration (the shipped
Siemens one, or ``--config``), lists every series with where it went (or why
it was skipped), then prints the validation of the new visit. Exit status 0
when the visit is usable, 1 when validation found errors in it, 2 on bad input
(nothing written).
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import-dicom`` sub-command."""
    parser = subparsers.add_parser(
        "import-dicom",
        help="convert one visit's DICOM into the study's BIDS layout (dcm2niix + dcm2bids)",
        description="Convert the DICOM of one visit with dcm2niix, name every series with a "
        "dcm2bids configuration, move the visit into the study in one step, update "
        "participants.tsv, sessions.tsv and dataset_description.json, and validate the visit.",
    )
    parser.add_argument("dicom_dir", help="the folder holding one visit's DICOM files")
    parser.add_argument("study", help="the BIDS root folder of the study (created when absent)")
    parser.add_argument("--participant", required=True, help="sub-XX")
    parser.add_argument("--session", required=True, help="ses-YY")
    parser.add_argument(
        "--config", help="a dcm2bids configuration (default: the shipped Siemens reference one)"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="list the series and where each would go; write nothing",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace the visit if it exists")
    parser.add_argument(
        "--earlier-visit",
        action="store_true",
        help="import a visit acquired before the participant's first one (it becomes the "
        "first visit and the reference space; refused otherwise)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Import the visit and print what happened; return the exit status."""
    from processing.dicom import import_visit
    from processing.dicom.report import errors_of, result_lines

    result = import_visit(
        args.dicom_dir,
        args.study,
        args.participant,
        args.session,
        config=args.config,
        dry_run=args.dry_run,
        overwrite=args.overwrite,
        earlier=args.earlier_visit,
    )
    print("\n".join(result_lines(result)))
    sys.stdout.flush()
    return 1 if errors_of(result) else 0
