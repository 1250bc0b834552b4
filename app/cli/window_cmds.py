"""``ferret demo`` and ``ferret open``: the main window, or a screenshot of it.

Qt is imported only when a window is made, so ``ferret --help`` stays fast.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` and ``open`` sub-commands."""
    demo = subparsers.add_parser(
        "demo",
        help="open the main window on the demo study (made on first use)",
        description="Open the main window on a synthetic demo study, creating it first if needed "
        "(in the user's data folder; the first run takes a while).",
    )
    _window_options(demo)
    demo.set_defaults(func=run_demo)

    open_ = subparsers.add_parser(
        "open",
        help="open the main window on a BIDS study",
        description="Open the main window on a BIDS study folder.",
    )
    open_.add_argument("study", help="the BIDS root folder")
    open_.add_argument("--participant", metavar="sub-XX", help="participant to show first")
    _window_options(open_)
    open_.set_defaults(func=run_open)


def _window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--screenshot",
        metavar="FILE.png",
        help="render the window offscreen into this PNG and exit",
    )
    parser.add_argument("--size", metavar="WxH", help="window size in pixels (default 1920x1080)")
    parser.add_argument(
        "--lesion", metavar="ID", help="centre every view on this lesion (e.g. acmi-01)"
    )
    parser.add_argument(
        "--orientation", choices=("axial", "coronal", "sagittal"), help="view orientation"
    )
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument(
        "--rater",
        metavar="R",
        help="rating mode for rater R (blinded: only R's own mask, "
        "no other rater's, no clinical columns, no planted truth)",
    )
    modes.add_argument(
        "--review", action="store_true", help="review mode: show every rater's masks"
    )
    parser.add_argument("--visit", metavar="ses-YY", help="with --rater: the visit being screened")
    parser.add_argument(
        "--consensus",
        metavar="A,B",
        help="consensus session: raters A's and B's masks side by side, their disagreements "
        "decided into --rater (default: consensus); the opening is logged",
    )
    parser.add_argument(
        "--screen",
        nargs="?",
        const="candidates",
        choices=("candidates", "visits"),
        help="with --rater: screening mode, a dock walking the participant's new-lesion "
        "candidates (Enter accepts as an A-CMI, Delete rejects, N / Shift+N move); "
        "'--screen visits' walks visit by visit instead",
    )


def run_demo(args: argparse.Namespace) -> int:
    """``ferret demo``."""
    from app.demo import ensure_demo_study
    from app.launch import run_window
    from app.screenshot import parse_size

    size = parse_size(args.size)
    root = ensure_demo_study()
    return run_window(
        root,
        screenshot=args.screenshot,
        size=size,
        command="demo",
        lesion=args.lesion,
        orientation=args.orientation,
        **_mode(args),
    )


def run_open(args: argparse.Namespace) -> int:
    """``ferret open STUDY``."""
    from app.launch import run_window
    from app.screenshot import parse_size

    size = parse_size(args.size)
    return run_window(
        args.study,
        participant=args.participant,
        screenshot=args.screenshot,
        size=size,
        command=f"open {args.study}",
        lesion=args.lesion,
        orientation=args.orientation,
        **_mode(args),
    )


def _mode(args: argparse.Namespace) -> dict:
    """Rating or review options for :func:`app.launch.run_window`."""
    from processing.errors import FerretError

    if args.visit and not args.rater:
        raise FerretError(
            "--visit names the visit a rater screens.", fix="give --rater R with --visit."
        )
    if args.screen is not None:
        return _screen_mode(args)
    if args.consensus is None:
        return {"rater": args.rater, "visit": args.visit, "review": args.review}
    raters = [r.strip() for r in args.consensus.split(",") if r.strip()]
    if args.review or args.visit or len(raters) != 2:
        raise FerretError(
            "--consensus names two raters and opens their consensus session, "
            "without --review or --visit.",
            fix="use e.g. --consensus AB,CD [--rater consensus].",
        )
    return {"rater": args.rater or "consensus", "visit": None, "consensus": raters}


def _screen_mode(args: argparse.Namespace) -> dict:
    """Screening options: a rater, and neither a consensus, review nor a fixed visit."""
    from processing.errors import FerretError

    if not args.rater or args.consensus or args.review or args.visit:
        raise FerretError(
            "--screen opens a rater's screening of one participant, without --consensus, "
            "--review or --visit.",
            fix="use e.g. --screen --rater AB (or --screen visits --rater AB).",
        )
    return {"rater": args.rater, "visit": None, "screen": args.screen}
