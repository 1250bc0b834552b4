"""The background processing engine: a cached job graph run serially, on processes or on Dask.

A pipeline step is a :class:`Job`: a top-level function with explicit input
and output files and parameters. A :class:`Graph` links jobs whose inputs are
other jobs' outputs, orders them and rejects cycles. :func:`run` brings a
graph up to date: a :class:`Cache` of small manifests (input checksums,
parameter hash, function identity, output checksums) makes a second run with
nothing changed do no work, and a change reruns exactly what depends on it.
Jobs write atomically and manifests are written after their outputs, so a
killed run resumes where it stopped.

Modules
-------
job         Job, canonical parameter hashing.
graph       Graph, GraphError: dependencies, order, cycles, sub-graphs.
digest      SHA-256 checksums with a (size, mtime_ns, inode) fast path.
cache       Cache: per-job manifests under ``derivatives/ferret/.ferret-cache``.
worker      What runs in a worker: execute one job, forward progress, never raise.
executors   SerialExecutor, ProcessExecutor (``jobs=N``), make_executor.
dask_executor  DaskExecutor (optional ``dask`` extra).
status      JobState, RunStatus (aggregate fraction, ETA), RunSummary.
runner      run(): scheduling, failure isolation, cancellation, claims of other runs.
claims      ClaimBook: per-job claim files, so two runs never compute a job twice.
durations   Durations: measured seconds per job kind across runs (the ETA).
run_lock    StudyRunLock: the study's run holder; shared, waited for, or stale and taken over.
run_record  RunRecord, live_runs: each run's progress on disk, for other runs and windows.
reporter    TerminalReporter: bars on a terminal, plain lines otherwise.
pipeline    study_graph(study, PipelineOptions): the real pipeline as jobs (maps per visit
            and step, one job per registration link, a composition per visit,
            resampling per visit and step).
plan        Each step's inputs and outputs, listed from the study's layout before running.
steps       The pipeline's job functions and the VisitRef/ParticipantRef they receive.

A run, in outline (``compute`` is a job function, ``study`` a discovered study)::

    from processing.engine import Cache, Graph, Job, ProcessExecutor, run

    graph = Graph([Job("maps sub-01 ses-01", compute, inputs=[...], outputs=[...])])
    summary = run(graph, Cache.for_study(study.root), ProcessExecutor(2))
    print(summary.text())
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.engine.cache import Cache
    from processing.engine.executors import ProcessExecutor, SerialExecutor, make_executor
    from processing.engine.graph import Graph, GraphError
    from processing.engine.job import Job
    from processing.engine.reporter import TerminalReporter
    from processing.engine.runner import run
    from processing.engine.status import JobState, RunStatus, RunSummary

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Cache": "cache",
        "ProcessExecutor": "executors",
        "SerialExecutor": "executors",
        "make_executor": "executors",
        "Graph": "graph",
        "GraphError": "graph",
        "Job": "job",
        "TerminalReporter": "reporter",
        "run": "runner",
        "JobState": "status",
        "RunStatus": "status",
        "RunSummary": "status",
    },
)

__all__ = [
    "Cache",
    "Graph",
    "GraphError",
    "Job",
    "JobState",
    "ProcessExecutor",
    "RunStatus",
    "RunSummary",
    "SerialExecutor",
    "TerminalReporter",
    "make_executor",
    "run",
]
