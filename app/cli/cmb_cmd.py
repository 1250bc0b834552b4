"""``ferret cmb``: microbleed tools; the nnU-Net actions are in :mod:`app.cli.nnunet_cmd`."""

from __future__ import annotations

from app.cli.nnunet_cmd import register_nnunet


def register(subparsers) -> None:
    """Add ``cmb`` with its ``export-nnunet`` and ``predict`` actions."""
    parser = subparsers.add_parser(
        "cmb",
        help="microbleed tools: nnU-Net datasets and predictions",
        description="Microbleed tools.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    register_nnunet(actions)
