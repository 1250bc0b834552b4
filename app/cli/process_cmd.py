"""``ferret process STUDY --steps maps[,register,...]``: run engine steps headless.

Steps are a small table (:data:`STEPS`): name -> function taking the parsed
arguments and the visits to process. Other steps (``register``,
``resample``) are added by putting one entry in the table. Nothing is written
into the raw study; outputs go to ``<study>/derivatives/ferret``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from processing.errors import FerretError


def run_maps(args: argparse.Namespace, visits: list) -> int:
    """Compute every available map of each visit and print the reports."""
    from processing.maps import compute_visit_maps
    from processing.progress import Progress

    settings = {"r2star_method": args.r2star_method, "tensor_method": args.tensor_method,
                "swi_mask_sign": args.swi_mask}
    if args.megre_echo_times:
        settings["megre_echo_times"] = tuple(float(t) / 1000.0 for t in args.megre_echo_times.split(","))
    for visit in visits:
        progress = Progress(_printer(visit.prefix) if args.verbose else None)
        report = compute_visit_maps(visit, progress=progress, **settings)
        print("\n".join(report.lines()))
    sys.stdout.flush()
    return 0


def _participant_chains(args: argparse.Namespace, visits: list):
    """Run (or load from cache) the registration chain of each selected visit's participant."""
    from processing.progress import Progress
    from processing.registration.chain import register_participant
    from processing.study import discover

    study = discover(args.study)
    for label in dict.fromkeys(visit.participant for visit in visits):
        participant = study.participant(label)
        progress = Progress(_printer(label) if args.verbose else None)
        yield participant, register_participant(participant, progress=progress)


def run_register(args: argparse.Namespace, visits: list) -> int:
    """Register every acquisition of each selected participant into its reference space."""
    for participant, chain in _participant_chains(args, visits):
        print(f"{participant.label}: reference = {chain.reference_source}")
        for pair in chain.pairs:
            note = "cached" if pair.cached else f"metric {pair.metric:.3f}"
            print(f"  {pair.path.name}: {note}{'  QC: ' + ', '.join(pair.flags) if pair.flags else ''}")
        sys.stdout.flush()
        for warning in chain.warnings():
            print(warning, file=sys.stderr)
    sys.stdout.flush()
    return 0


def run_resample(args: argparse.Namespace, visits: list) -> int:
    """Write the maps and anatomical images of the selected visits in the reference space (space-ref)."""
    from processing.registration.outputs import resample_visit

    sessions = {(visit.participant, visit.session) for visit in visits}
    for participant, chain in _participant_chains(args, visits):
        for visit in participant.visits:
            if (visit.participant, visit.session) in sessions:
                for path in resample_visit(visit, chain):
                    print(path)
    sys.stdout.flush()
    return 0


STEPS: dict[str, Callable[[argparse.Namespace, list], int]] = {"maps": run_maps, "register": run_register,
                                                                "resample": run_resample}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``process`` sub-command."""
    parser = subparsers.add_parser(
        "process", help="compute derivatives (maps, ...) of a study without the GUI",
        description="Run processing steps on a BIDS study; outputs go to <study>/derivatives/ferret.")
    parser.add_argument("study", help="the BIDS root folder of the study")
    parser.add_argument("--steps", default="maps",
                        help=f"comma-separated steps, in order (available: {', '.join(STEPS)})")
    parser.add_argument("--participant", help="only this participant (sub-XX)")
    parser.add_argument("--visit", help="only this visit (ses-YY)")
    parser.add_argument("--r2star-method", default="trapezoid",
                        choices=("trapezoid", "arlo", "loglinear", "nonlinear"))
    parser.add_argument("--tensor-method", default="ols", choices=("ols", "wls"))
    parser.add_argument("--swi-mask", default="negative", choices=("negative", "positive"),
                        help="phase mask sign (negative for right-handed phase conventions)")
    parser.add_argument("--megre-echo-times", help="echo times in ms, comma-separated, when sidecars lack them")
    parser.add_argument("-v", "--verbose", action="store_true", help="print progress")
    parser.set_defaults(func=run)


def parse_steps(text: str) -> list[str]:
    """Split ``--steps``; raise FerretError naming unknown steps."""
    steps = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in steps if s not in STEPS]
    if unknown or not steps:
        raise FerretError(f"unknown step(s): {', '.join(unknown) or '(none given)'}.",
                          fix=f"use a comma-separated list of: {', '.join(STEPS)}.")
    return steps


def select_visits(study, participant: str | None, session: str | None) -> list:
    """The visits to process, filtered by participant and session labels."""
    labels = [participant] if participant else list(study.participants)
    visits = []
    for label in labels:
        if label not in study.participants:
            raise FerretError(f"no participant {label} in this study.", study.root,
                              f"use one of: {', '.join(study.participants) or '(none)'}.")
        for visit in study.participants[label].visits:
            if session is None or visit.session == session:
                visits.append(visit)
    if not visits:
        raise FerretError(f"no visit {session} found.", study.root, "check --participant and --visit.")
    return visits


def run(args: argparse.Namespace) -> int:
    """Discover the study, select visits and run each step in order."""
    from processing.study import discover

    steps = parse_steps(args.steps)
    visits = select_visits(discover(args.study), args.participant, args.visit)
    status = 0
    for step in steps:
        status = max(status, STEPS[step](args, visits))
    return status


def _printer(prefix: str):
    def show(fraction: float, message: str) -> None:
        print(f"[{fraction * 100:5.1f}%] {message}", file=sys.stderr)
    return show
