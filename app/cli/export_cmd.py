"""``ferret export``: a rater's masks and rating spreadsheets for analysis elsewhere."""

from __future__ import annotations


def register(subparsers) -> None:
    """Add ``export``."""
    parser = subparsers.add_parser(
        "export",
        help="export a rater's lesion masks and ratings",
        description="Write the rater's lesion masks (reference space and each visit's DWI space), "
        "a rating spreadsheet (XLSX and CSV, one row per lesion) and a per-participant "
        "summary to --out.",
    )
    parser.add_argument("study", help="the BIDS study folder")
    parser.add_argument("--rater", required=True, help="rater ID (letters and digits)")
    parser.add_argument("--out", required=True, help="output folder (created if needed)")
    parser.set_defaults(func=run_export)


def run_export(args) -> int:
    """Run the export and list what was written."""
    from processing.annotations.export import export_rater

    written = export_rater(args.study, args.rater, args.out)
    for kind, paths in written.items():
        print(f"{kind}: {len(paths)} file(s)")
    for path in written["tables"]:
        print(f"  {path}")
    return 0
