"""The ``ferret`` command line.

Each sub-command lives in its own module exposing ``register(subparsers)``,
which adds its parser and sets ``func`` to the function that runs it. Modules
import Qt lazily, inside the functions that open a window, so headless commands
(``phantom``, ``validate``, ``process``) start fast and work without a display.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from processing import __version__
from processing.errors import FerretError

COMMAND_MODULES = (
    "app.cli.window_cmds",
    "app.cli.phantom_cmd",
    "app.cli.validate_cmd",
    "app.cli.import_dicom_cmd",
    "app.cli.process_cmd",
    "app.cli.annotate_cmd",
    "app.cli.export_cmd",
    "app.cli.timecourses_cmd",
    "app.cli.stats_cmd",
    "app.cli.consensus_cmd",
    "app.cli.candidates_cmd",
    "app.cli.cmb_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="ferret",
        description="Ferret: longitudinal MRI workstation for microinfarcts and microbleeds.",
    )
    parser.add_argument("--version", action="version", version=f"ferret {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``ferret``; return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except FerretError as exc:
        print(f"ferret: error: {exc.message()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ferret: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
