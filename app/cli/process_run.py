"""How ``ferret process`` runs its graph on a study, and what it prints afterwards.

:func:`run_on_study` runs under the study's run lock or beside its holder;
:func:`print_written`, :func:`print_qc_warnings` and :func:`print_details`
report what the run wrote, the QC warnings behind it and failed jobs' tracebacks.
"""

from __future__ import annotations

import sys
from pathlib import Path


def run_on_study(root: Path, graph, executor, targets, listeners, *, wait: bool = False):
    """Run ``graph`` under the study's run lock, or beside its holder; return the summary.

    Beside a holder, per-job claims make each run wait for (and then reuse)
    the jobs the other computes: no job is computed twice. Says on stderr
    when it shares, waits (``wait``) or took over a stale lock; the run's
    progress record (:class:`~processing.engine.run_record.RunRecord`)
    exists while it runs.
    """
    from processing.engine import Cache
    from processing.engine import run as run_graph
    from processing.engine.run_lock import StudyRunLock, stale_line
    from processing.engine.run_record import RunRecord

    def say(line: str) -> None:
        print(line, file=sys.stderr)

    lock = StudyRunLock(
        root,
        "ferret process",
        wait=None if wait else 0.0,
        on_wait=lambda holder: say(
            f"waiting for the run that holds this study ({holder}) to finish"
        ),
        share=not wait,
        on_stale=lambda previous: say(stale_line(previous)),
    )
    cache = Cache.for_study(root)
    record = RunRecord(cache.folder, "ferret process")
    with lock:
        if lock.shared:
            say(
                f"another run is processing this study ({lock.holder()}): sharing the work "
                "(jobs it is computing are waited for and reused, never computed twice)"
            )
        try:
            return run_graph(
                graph, cache, executor, targets=targets, listeners=[*listeners, record]
            )
        finally:
            record.close()


def print_written(graph, done: list[str], root: Path) -> None:
    """One stdout line per visit (or participant): the images and transforms written by this run."""
    written: dict[str, list[str]] = {}
    for name in done:
        for path in graph[name].outputs:
            if path.name.endswith((".nii.gz", ".nii", ".txt", ".csv")):
                label = (
                    "_".join(path.name.split("_")[:2])
                    if "_ses-" in path.name
                    else path.name.split("_")[0]
                )
                stem = path.name[len(label) + 1 :].split(".")[0]
                written.setdefault(label, []).append(stem)
    for label, stems in written.items():
        print(f"{label}: wrote {len(stems)}: {', '.join(stems)}")
    sys.stdout.flush()


def print_qc_warnings(graph, finished: list[str]) -> None:
    """Print ``QC WARNING:`` lines to stderr.

    They name the flagged registrations behind this run's transforms and the DWI voxels with zeros.
    """
    from processing.maps.outputs import tensor_warnings
    from processing.registration.chain import stored_warnings

    paths = [
        path
        for name in finished
        if name.endswith(" to-ref")
        for path in graph[name].outputs
        if path.name.endswith("_xfm.txt")
    ]
    tensors = [
        path
        for name in finished
        for path in graph[name].outputs
        if path.name.endswith("_model-tensor_param-md_dwimap.nii.gz")
    ]
    for line in stored_warnings(paths) + tensor_warnings(tensors):
        print(line, file=sys.stderr)


def print_details(summary, status) -> None:
    """Tracebacks of failed jobs (``--verbose``)."""
    for name in summary.failed:
        if status is not None and status.jobs[name].details:
            print(f"--- {name}\n{status.jobs[name].details}", file=sys.stderr)
