"""Job graph: dependencies, order, cycles, duplicates, sub-graphs, parameter hashing."""

from __future__ import annotations

import pytest
import test_engine_jobs as jobs

from processing.engine import Graph, GraphError, Job


def job(name, inputs, outputs, **params):
    return Job(name, jobs.combine, inputs=inputs, outputs=outputs, params=params)


def test_dependencies_follow_outputs_to_inputs(tmp_path):
    graph = jobs.study_graph(tmp_path)
    assert graph.dependencies["reg-v1"] == {"maps-v0", "maps-v1"}
    assert graph.dependencies["summary"] == {"maps-v0", "resample-v1", "resample-v2"}
    order = graph.order
    for name, deps in graph.dependencies.items():
        assert all(order.index(dep) < order.index(name) for dep in deps)
    assert graph.external_inputs() == {
        tmp_path / "raw" / f"v{v}" / f for v in range(3) for f in ("a.txt", "b.txt")
    }


def test_a_cycle_is_reported_with_its_path(tmp_path):
    a, b, c = (tmp_path / n for n in "abc")
    with pytest.raises(GraphError, match=r"cycle: (\w) -> (\w) -> (\w) -> \1"):
        Graph([job("x", [a], [b]), job("y", [b], [c]), job("z", [c], [a])])


def test_duplicate_outputs_and_names_are_rejected(tmp_path):
    with pytest.raises(GraphError, match="both write this file"):
        Graph([job("x", [], [tmp_path / "o"]), job("y", [], [tmp_path / "o"])])
    with pytest.raises(GraphError, match="two jobs are named 'x'"):
        Graph([job("x", [], [tmp_path / "o"]), job("x", [], [tmp_path / "p"])])


def test_subgraph_holds_exactly_what_a_target_needs(tmp_path):
    graph = jobs.study_graph(tmp_path)
    assert set(graph.subgraph(["resample-v2"]).jobs) == {
        "maps-v0",
        "maps-v2",
        "reg-v2",
        "resample-v2",
    }
    by_path = graph.subgraph([tmp_path / "derivatives" / "reg-v1.txt"])
    assert set(by_path.jobs) == {"maps-v0", "maps-v1", "reg-v1"}
    assert graph.downstream(["maps-v1"]) == {"maps-v1", "reg-v1", "resample-v1", "summary"}
    with pytest.raises(GraphError, match="no job named or writing"):
        graph.subgraph(["nonsense"])


def test_local_functions_are_rejected_because_workers_cannot_import_them(tmp_path):
    def local(progress):
        pass

    with pytest.raises(ValueError, match="local function"):
        Job("x", local, outputs=[tmp_path / "o"])
    with pytest.raises(ValueError, match="no outputs"):
        Job("x", jobs.combine)


def test_parameter_hash_is_stable_portable_and_sensitive(tmp_path):
    def make(root, scale):
        return Job(
            "x",
            jobs.combine,
            outputs=[root / "o"],
            params={"path": root / "raw" / "a", "scale": scale},
        )

    base = make(tmp_path / "one", 1).parameter_hash(tmp_path / "one")
    assert make(tmp_path / "one", 1).parameter_hash(tmp_path / "one") == base
    assert make(tmp_path / "moved", 1).parameter_hash(tmp_path / "moved") == base
    assert make(tmp_path / "one", 2).parameter_hash(tmp_path / "one") != base
    assert make(tmp_path / "moved", 1).parameter_hash(tmp_path / "one") != base
    with pytest.raises(TypeError, match="cannot hash a parameter of type object"):
        Job("x", jobs.combine, outputs=[tmp_path / "o"], params={"bad": object()}).parameter_hash()
