"""``ferret candidates STUDY [--kind acmi|cmb] [--participant sub-XX] --out F.csv|F.xlsx``.

Ranks the places where something new appeared between a participant's
visits (:mod:`processing.candidates`): new acute cortical microinfarcts
(``acmi``: bright on both DWI traces, MD lower or equal) or new microbleeds
(``cmb``: darker on SWI, brighter on R2*). Reads only the reference-space
maps of ``ferret process`` (no rater's work, no clinical data: blinding
holds) and writes one row per candidate, best first per participant.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``candidates`` sub-command."""
    parser = subparsers.add_parser(
        "candidates",
        help="rank candidate new lesions across each participant's visits (for screening)",
        description="Candidate new lesions per participant from the reference-space maps.",
    )
    parser.add_argument(
        "study", help="the BIDS root folder of the study (processed: --steps resample)"
    )
    parser.add_argument(
        "--kind",
        default="acmi",
        choices=("acmi", "cmb"),
        help="acmi: new acute cortical microinfarcts (default); cmb: new microbleeds",
    )
    parser.add_argument("--participant", help="only this participant (sub-XX)")
    parser.add_argument("--out", required=True, help="the table to write (.csv or .xlsx)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Detect every chosen participant's candidates and write the table."""
    from app.cli.process_cmd import check_selection
    from processing.candidates.detect import participant_candidates
    from processing.candidates.settings import KINDS
    from processing.candidates.table import write_candidates
    from processing.study import discover

    study = discover(args.study)
    check_selection(study, args.participant, None)
    labels = [args.participant] if args.participant else list(study.participants)
    found = []
    for label in labels:
        candidates = participant_candidates(study.root, study.participants[label], KINDS[args.kind])
        print(f"{label}: {len(candidates)} {args.kind} candidates", file=sys.stderr)
        found += candidates
    path = write_candidates(found, args.out)
    print(f"wrote {path}")
    return 0
