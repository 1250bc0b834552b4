"""``ferret validate STUDY``: list every problem of a BIDS study, one per line.

Each line reads ``ERROR|WARNING <file>: <what is wrong> Fix: <what to do>``,
then a summary. Exit status 0 when the study is usable (warnings allowed), 1
when there are errors. Nothing is written into the study.
"""

from __future__ import annotations

import argparse
import sys

from processing.errors import FerretError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` sub-command."""
    parser = subparsers.add_parser(
        "validate",
        help="check a BIDS study and list every problem with its fix",
        description="Check a BIDS study: file names, missing or unexpected files, unreadable "
        "images, NaN voxels, gradient tables, echo times, MP2RAGE parameters, "
        "sessions and dates. Exit status 0 when usable, 1 when there are errors.",
    )
    parser.add_argument("study", help="the BIDS root folder of the study")
    parser.add_argument("--errors-only", action="store_true", help="do not list warnings")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate ``args.study`` and print the problems; return the exit status."""
    from processing.study import validate

    try:
        problems = validate(args.study)
    except FerretError as exc:
        print(f"ERROR   {exc.message()}")
        return 1
    errors = [p for p in problems if p.severity == "error"]
    shown = errors if args.errors_only else problems
    for problem in shown:
        print(problem)
    warnings = len(problems) - len(errors)
    verdict = "not usable until the errors are fixed" if errors else "usable"
    print(f"{len(errors)} error(s), {warnings} warning(s): the study is {verdict}.")
    sys.stdout.flush()
    return 1 if errors else 0
