"""The job graph: dependencies from outputs to inputs, order, cycles, sub-graphs."""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from processing.engine.job import Job, normalise_path
from processing.errors import FerretError


class GraphError(FerretError):
    """The jobs do not form a valid graph (duplicate name or output, cycle)."""


class Graph:
    """Jobs and the dependencies between them.

    Job ``b`` depends on job ``a`` when one of ``b``'s inputs is one of
    ``a``'s outputs. Names and outputs must be unique, and the dependencies
    must not form a cycle.

    Parameters
    ----------
    jobs : iterable of Job

    Raises
    ------
    GraphError
        On a duplicate name, an output written by two jobs, or a cycle.
    """

    def __init__(self, jobs: Iterable[Job]):
        self.jobs: dict[str, Job] = {}
        self.producer: dict[Path, str] = {}
        for job in jobs:
            self._add(job)
        self.dependencies = {name: self._dependencies_of(job) for name, job in self.jobs.items()}
        self.dependants: dict[str, set[str]] = {name: set() for name in self.jobs}
        for name, deps in self.dependencies.items():
            for dep in deps:
                self.dependants[dep].add(name)
        self.order = self._topological_order()

    def _add(self, job: Job) -> None:
        if job.name in self.jobs:
            raise GraphError(
                f"two jobs are named {job.name!r}.", fix="give every job a unique name."
            )
        for output in job.outputs:
            if output in self.producer:
                raise GraphError(
                    f"jobs {self.producer[output]!r} and {job.name!r} both write this file.",
                    output,
                    "each output must be written by exactly one job.",
                )
            self.producer[output] = job.name
        self.jobs[job.name] = job

    def _dependencies_of(self, job: Job) -> set[str]:
        return {
            self.producer[p]
            for p in job.inputs
            if p in self.producer and self.producer[p] != job.name
        }

    def _topological_order(self) -> list[str]:
        for job in self.jobs.values():
            if set(job.inputs) & set(job.outputs):
                raise GraphError(
                    f"job {job.name!r} reads its own output.", fix="split it into two jobs."
                )
        try:
            return list(graphlib.TopologicalSorter(self.dependencies).static_order())
        except graphlib.CycleError as exc:
            cycle = " -> ".join(exc.args[1])
            raise GraphError(
                f"the jobs form a cycle: {cycle} (each reads an output of the next).",
                fix="remove the dependency that closes the loop.",
            ) from None

    def __len__(self) -> int:
        return len(self.jobs)

    def __iter__(self) -> Iterator[Job]:
        return (self.jobs[name] for name in self.order)

    def __getitem__(self, name: str) -> Job:
        return self.jobs[name]

    def upstream(self, names: Iterable[str]) -> set[str]:
        """Return the given jobs and everything they depend on, transitively."""
        return self._closure(names, self.dependencies)

    def downstream(self, names: Iterable[str]) -> set[str]:
        """Return the given jobs and everything that depends on them, transitively."""
        return self._closure(names, self.dependants)

    def _closure(self, names: Iterable[str], edges: dict[str, set[str]]) -> set[str]:
        seen: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(edges[name])
        return seen

    def subgraph(self, targets: Iterable[str | Path]) -> Graph:
        """Return the graph needed to make ``targets`` (job names or output paths)."""
        names = [self._target_name(t) for t in targets]
        keep = self.upstream(names)
        return Graph(self.jobs[name] for name in self.order if name in keep)

    def _target_name(self, target: str | Path) -> str:
        if isinstance(target, str) and target in self.jobs:
            return target
        path = normalise_path(target)
        if path in self.producer:
            return self.producer[path]
        raise GraphError(f"no job named or writing {target!s}.", fix="check the target's spelling.")

    def external_inputs(self) -> set[Path]:
        """Return the inputs that no job of the graph writes (raw data)."""
        return {p for job in self.jobs.values() for p in job.inputs if p not in self.producer}
