"""``ferret process STUDY``: compute the study's derivatives without the GUI.

Usage: ``ferret process STUDY [--steps maps,register,resample,timecourses]
[--jobs N | --scheduler ADDR | --dask-local N]``.

Runs the study's job graph (:mod:`processing.engine.pipeline`) on the engine:
each job is cached by the checksums of its inputs and its parameters, so a
second run does nothing and a change reruns exactly what depends on it.
``--steps`` names the outputs wanted; the jobs they need come along. Progress
goes to stderr (bars on a terminal, plain lines otherwise); stdout lists
what was written per visit; flagged registrations behind the composed
transforms print ``QC WARNING:`` lines to stderr; the summary names every failed or skipped job
with its reason and the exit status is 1 when anything failed. Nothing is
written into the raw study; outputs go to ``<study>/derivatives/ferret``.

Two runs on one study share the work (see :func:`run_on_study`); ``--wait``
waits for the other run to end first.
"""

from __future__ import annotations

import argparse
import itertools
import sys

from processing.errors import FerretError

STEP_NAMES = (
    "maps",
    "register",
    "resample",
    "timecourses",
    "candidates",
    "location",
)  # processing.engine.pipeline.STEPS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``process`` sub-command."""
    parser = subparsers.add_parser(
        "process",
        help="compute derivatives (maps, registrations, resampling) without the GUI",
        description=(
            "Run processing steps on a BIDS study; outputs go to <study>/derivatives/ferret."
        ),
    )
    parser.add_argument("study", help="the BIDS root folder of the study")
    parser.add_argument(
        "--steps",
        default=",".join(STEP_NAMES),
        help=f"comma-separated steps wanted (available: {', '.join(STEP_NAMES)}; default all)",
    )
    parser.add_argument("--participant", help="only this participant (sub-XX)")
    parser.add_argument("--visit", help="only this visit (ses-YY)")
    executors = parser.add_argument_group("where jobs run")
    executors.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="local worker processes (default 1)"
    )
    executors.add_argument(
        "--scheduler", metavar="ADDRESS", help="a Dask scheduler, e.g. tcp://host:8786"
    )
    executors.add_argument(
        "--dask-local", type=int, metavar="N", help="start a local Dask cluster of N workers"
    )
    maps = parser.add_argument_group(
        "maps settings (job parameters: changing one reruns what depends on it)"
    )
    maps.add_argument(
        "--r2star-method",
        default="trapezoid",
        choices=("trapezoid", "arlo", "loglinear", "nonlinear"),
    )
    maps.add_argument("--tensor-method", default="ols", choices=("ols", "wls"))
    maps.add_argument(
        "--swi-mask",
        default="negative",
        choices=("negative", "positive"),
        help="phase mask sign (negative for right-handed phase conventions)",
    )
    maps.add_argument(
        "--megre-echo-times", help="echo times in ms, comma-separated, when sidecars lack them"
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help=(
            "if another run is processing this study, wait for it to end first "
            "(by default the two share the work)"
        ),
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print the traceback of failed jobs"
    )
    parser.set_defaults(func=run)


def parse_steps(text: str) -> list[str]:
    """Split ``--steps``; raise FerretError naming unknown steps."""
    steps = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in steps if s not in STEP_NAMES]
    if unknown or not steps:
        raise FerretError(
            f"unknown step(s): {', '.join(unknown) or '(none given)'}.",
            fix=f"use a comma-separated list of: {', '.join(STEP_NAMES)}.",
        )
    return steps


def pipeline_options(args: argparse.Namespace):
    """Return the job parameters from the command-line settings."""
    from processing.engine.pipeline import PipelineOptions

    maps = {
        "r2star_method": args.r2star_method,
        "tensor_method": args.tensor_method,
        "swi_mask_sign": args.swi_mask,
    }
    if args.megre_echo_times:
        maps["megre_echo_times"] = parse_echo_times(args.megre_echo_times)
    return PipelineOptions(maps=maps)


def parse_echo_times(text: str) -> list[float]:
    """``--megre-echo-times`` (ms, comma-separated) in seconds; positive and strictly increasing."""
    fix = "give echo times in ms separated by commas, increasing, e.g. 4.92,9.84,14.76."
    try:
        times = [float(t) / 1000.0 for t in text.split(",")]
    except ValueError:
        raise FerretError(
            f"--megre-echo-times {text!r} is not a list of numbers.", fix=fix
        ) from None
    if not all(t > 0 and t < float("inf") for t in times) or any(
        b <= a for a, b in itertools.pairwise(times)
    ):
        raise FerretError(
            f"--megre-echo-times {text!r}: echo times must be positive and increase.", fix=fix
        )
    return times


def check_selection(study, participant: str | None, session: str | None) -> None:
    """Raise FerretError when the study has no participant or the selection matches nothing.

    The selection is ``--participant`` and ``--visit``.
    """
    if not study.root.is_dir():
        raise FerretError("this study folder does not exist.", study.root, "check the path.")
    if not study.participants:
        raise FerretError(
            "no participants found (no sub-* folders): this is not a BIDS study.",
            study.root,
            "give the BIDS root folder, the one holding sub-01/, sub-02/, ...",
        )
    labels = [participant] if participant else list(study.participants)
    for label in labels:
        if label not in study.participants:
            raise FerretError(
                f"no participant {label} in this study.",
                study.root,
                f"use one of: {', '.join(study.participants) or '(none)'}.",
            )
    if not any(
        session is None or v.session == session
        for label in labels
        for v in study.participants[label].visits
    ):
        what = f"no visit {session}" if session else "no visit (no ses-* folder)"
        raise FerretError(
            f"{what} found for {', '.join(labels)}.", study.root, "check --participant and --visit."
        )


def run(args: argparse.Namespace) -> int:
    """Build the graph, run the wanted steps on the chosen executor, print the summary."""
    from app.cli.process_run import print_details, print_qc_warnings, print_written, run_on_study
    from processing.engine import TerminalReporter, make_executor
    from processing.engine.pipeline import study_graph, targets_for
    from processing.study import discover

    steps = parse_steps(args.steps)
    if args.jobs < 1:
        raise FerretError(
            f"--jobs {args.jobs}: need at least one worker.", fix="use --jobs 1 or more."
        )
    study = discover(args.study)
    check_selection(study, args.participant, args.visit)
    for label in study.listed_without_folder:
        print(
            f"WARNING {study.root / 'participants.tsv'}: {label} is listed but has no folder: "
            "skipped. "
            f"Fix: add {label}/ with its visits, or remove the row.",
            file=sys.stderr,
        )
    graph = study_graph(
        study, pipeline_options(args), participant=args.participant, session=args.visit
    )
    executor = make_executor(args.jobs, args.scheduler, args.dask_local)
    reporter = TerminalReporter(sys.stderr)
    print(f"{len(graph)} jobs on {executor.description}", file=sys.stderr)
    kept: dict = {}
    summary = run_on_study(
        study.root,
        graph,
        executor,
        targets_for(graph, steps),
        [reporter, lambda status, job: kept.setdefault("status", status)],
        wait=args.wait,
    )
    reporter.close()
    print_written(graph, summary.done, study.root)
    print_qc_warnings(graph, summary.done + summary.cached)
    print(summary.text(), file=sys.stderr)
    if args.verbose:
        print_details(summary, kept.get("status"))
    return summary.exit_status
