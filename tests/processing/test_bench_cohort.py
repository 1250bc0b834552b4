"""The cohort projection's scheduler (bench/cohort.py): exact makespans of small graphs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "bench_cohort", Path(__file__).resolve().parents[2] / "bench" / "cohort.py"
)
cohort = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(cohort)

# maps (4 s) -> register (2 s) -> resample (1 s), and a second maps (3 s) -> resample
KINDS = {"maps a": "maps", "maps b": "maps b", "register": "register", "resample": "resample"}
DEPENDENCIES = {
    "maps a": set(),
    "maps b": set(),
    "register": {"maps a"},
    "resample": {"register", "maps b"},
}
SECONDS = {"maps": 4.0, "maps b": 3.0, "register": 2.0, "resample": 1.0}


def seconds(name: str) -> float:
    return SECONDS[KINDS[name]]


def test_longest_path_runs_to_the_end_of_the_graph():
    paths = cohort.longest_paths(KINDS, DEPENDENCIES, seconds)
    assert paths == {"maps a": 7.0, "maps b": 4.0, "register": 3.0, "resample": 1.0}


@pytest.mark.parametrize(
    ("participants", "workers", "expected"),
    [
        (1, 1, 10.0),  # all the work in a row
        (1, 2, 7.0),  # the critical path: maps b runs beside maps a
        (1, 8, 7.0),  # more workers cannot beat the critical path
        (2, 2, 10.0),  # 20 s of work on 2 workers: the bound, reached
        (3, 2, 15.0),  # 30 s of work: the bound again (worked by hand: b before register)
    ],
)
def test_makespan(participants, workers, expected):
    assert cohort.makespan(KINDS, DEPENDENCIES, seconds, participants, workers) == expected
