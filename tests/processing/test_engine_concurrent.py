"""Two real ``ferret process`` runs on one phantom study: no job computed twice, outputs as one run's.

Each run prints one ``done`` line per job it computed; each job's manifest
records the PID of the run that computed it. A run killed with -9 midway
leaves no half-written output: the other run completes and a rerun finds
everything up to date.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from processing.engine.cache import CACHE_DIRNAME

pytestmark = pytest.mark.slow
REPO = Path(__file__).parents[2]
DONE = re.compile(r"^\[\s*\d+/\d+\] done\s+(.+?) \(\d+\.\d s\)$", re.M)


@pytest.fixture(scope="module")
def studies(tmp_path_factory) -> tuple[Path, Path]:
    """Return a fresh 2-visit tiny phantom and a copy of it processed by one single run."""
    from processing.phantom import make_phantom_study

    fresh = make_phantom_study(tmp_path_factory.mktemp("c") / "study", visits=2, scale="tiny")
    single = tmp_path_factory.mktemp("single") / "study"
    shutil.copytree(fresh, single)
    assert process(single).wait() == 0
    return fresh, single


def process(study: Path, *extra: str) -> subprocess.Popen:
    """Start ``ferret process STUDY`` (stderr captured: one line per computed job)."""
    return subprocess.Popen(
        [sys.executable, "-m", "app", "process", str(study), *extra],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def manifests(study: Path) -> dict[str, dict]:
    folder = study / "derivatives" / "ferret" / CACHE_DIRNAME
    found = (json.loads(p.read_text()) for p in folder.glob("*.json") if p.name != "durations.json")
    return {m["job"]: m for m in found}


def outputs(study: Path) -> dict[Path, object]:
    """Every derivative except sidecars (which hold times): image arrays, other files' bytes."""
    root = study / "derivatives" / "ferret"
    found: dict[Path, object] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or ".ferret" in str(path) or path.name.endswith(".json"):
            continue
        image = path.name.endswith((".nii", ".nii.gz"))
        found[path.relative_to(root)] = (
            np.asanyarray(nib.load(path).dataobj) if image else path.read_bytes()
        )
    return found


def assert_same_outputs(a: Path, b: Path) -> None:
    first, second = outputs(a), outputs(b)
    assert sorted(first) == sorted(second)
    for key, value in first.items():
        other = second[key]
        same = np.array_equal(value, other) if isinstance(value, np.ndarray) else value == other
        assert same, f"{key} differs from the single run's"


def test_two_concurrent_runs_compute_every_job_once(studies):
    study, single = studies
    first = process(study)
    time.sleep(1.0)  # the second starts while the first is computing
    second = process(study)
    errors = [run.communicate(timeout=600)[1] for run in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], errors
    assert "sharing the work" in errors[0] + errors[1]
    computed = [DONE.findall(text) for text in errors]
    jobs = manifests(study)
    duplicates = set(computed[0]) & set(computed[1])
    print(
        f"jobs per run: {[len(c) for c in computed]} of {len(jobs)}, duplicates {len(duplicates)}"
    )
    assert not duplicates
    assert sorted(computed[0] + computed[1]) == sorted(jobs)  # every job computed exactly once
    by_pid = {first.pid: set(computed[0]), second.pid: set(computed[1])}
    for name, manifest in jobs.items():
        assert name in by_pid[manifest["computed_by"]["pid"]]
    assert_same_outputs(study, single)


def test_a_run_killed_midway_leaves_nothing_half_written(studies, tmp_path):
    study = tmp_path / "study"
    shutil.copytree(studies[0], study, ignore=shutil.ignore_patterns("derivatives"))
    victim, other = process(study, "--jobs", "2"), None  # its workers must die with it
    try:
        for line in victim.stderr:  # kill it once it has computed something
            if DONE.match(line.strip()):
                other = process(study)
                time.sleep(2.0)  # the other run is at work beside it
                os.kill(victim.pid, signal.SIGKILL)
                break
        victim.wait()
        assert other is not None, "the run finished before it could be killed"
        error = other.communicate(timeout=600)[1]
        assert other.returncode == 0, error
    finally:
        for run in (victim, other):
            if run is not None and run.poll() is None:
                run.kill()
    partial = [p for p in (study / "derivatives").rglob("*") if ".part" in p.name]
    assert partial == []
    rerun = process(study)
    assert rerun.wait(timeout=600) == 0
    assert DONE.findall(rerun.stderr.read()) == []  # every manifest matches its outputs
    assert_same_outputs(study, studies[1])
