"""The real pipeline on the engine: caching, invalidation, failure isolation, kill -9, executors.

One tiny 2-visit phantom is processed serially once (the clean reference);
other tests work on copies of it (raw data only, or with its derivatives and
cache: manifests store paths relative to the study, so a copy stays cached).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from app.cli import main as ferret
from processing.engine import Cache, SerialExecutor, run
from processing.engine.pipeline import PipelineOptions, study_graph
from processing.engine.run_lock import RUN_LOCK_NAME
from processing.phantom import make_phantom_study
from processing.study import discover

PROJECT = Path(__file__).resolve().parents[2]
VOLATILE = {"Created", "Seconds"}  # provenance fields that differ between identical runs
#: 2 visits x 5 links to the anchor, visit 2's anchor to visit 1's, one composition per visit.
REGISTER_JOBS = 2 * 5 + 1 + 2
#: Candidate jobs: one per kind (acmi, cmb) for the participant.
CANDIDATE_JOBS = 2
#: The MARS atlas job of the participant (step location).
ATLAS_JOBS = 1


@pytest.fixture(scope="module")
def raw_study(tmp_path_factory) -> Path:
    return make_phantom_study(
        tmp_path_factory.mktemp("engine_raw") / "study", visits=2, scale="tiny", seed=3
    )


@pytest.fixture(scope="module")
def clean(raw_study, tmp_path_factory) -> Path:
    """Return the reference: a serial ``ferret process`` of a copy of the raw study."""
    root = copy_study(raw_study, tmp_path_factory.mktemp("engine_clean") / "study")
    assert ferret(["process", str(root)]) == 0
    return root


def copy_study(source: Path, target: Path, *, derivatives: bool = False) -> Path:
    ignore = None if derivatives else shutil.ignore_patterns("ferret")
    shutil.copytree(source, target, ignore=ignore)
    return target


def run_pipeline(root: Path, executor=None, **options):
    study = discover(root)
    return run(
        study_graph(study, PipelineOptions(**options)),
        Cache.for_study(root),
        executor or SerialExecutor(),
    )


def outputs(root: Path) -> dict[str, Path]:
    folder = root / "derivatives" / "ferret"
    return {
        p.relative_to(folder).as_posix(): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".ferret-cache" not in p.parts and p.name != RUN_LOCK_NAME
    }  # the lock is no output


def comparable_json(path: Path, root: Path):
    record = json.loads(path.read_text().replace(str(root), "<root>"))
    return (
        {k: v for k, v in record.items() if k not in VOLATILE}
        if isinstance(record, dict)
        else record
    )


def assert_same_outputs(root: Path, reference: Path) -> None:
    """Assert the same files, NIfTI arrays, sidecars (but for times) and transforms."""
    ours, theirs = outputs(root), outputs(reference)
    assert sorted(ours) == sorted(theirs)
    for name, path in ours.items():
        if name.endswith(".nii.gz"):
            a, b = nib.load(path), nib.load(theirs[name])
            assert np.array_equal(np.asanyarray(a.dataobj), np.asanyarray(b.dataobj)), name
            assert np.allclose(a.affine, b.affine), name
        elif name.endswith(".json"):
            assert comparable_json(path, root) == comparable_json(theirs[name], reference), name
        else:
            assert path.read_bytes() == theirs[name].read_bytes(), name


def rewrite_scaled(path: Path, factor: float) -> None:
    image = nib.load(path)
    nib.save(nib.Nifti1Image(np.asarray(image.dataobj) * factor, image.affine, image.header), path)


@pytest.mark.slow
def test_second_run_does_nothing(clean):
    summary = run_pipeline(clean)
    assert (
        summary.ok
        and not summary.done
        and len(summary.cached) == REGISTER_JOBS + 2 * 4 + 2 * 5 + CANDIDATE_JOBS + ATLAS_JOBS
    )


@pytest.mark.slow
def test_changed_parameter_reruns_only_the_jobs_that_use_it(clean, tmp_path):
    root = copy_study(clean, tmp_path / "study", derivatives=True)
    summary = run_pipeline(root, maps={"r2star_method": "loglinear"})
    assert sorted(summary.done) == [
        "candidates sub-01 cmb"
    ] + [  # R2* feeds new-microbleed candidates only
        f"{step} sub-01 {ses} MEGRE"
        for step in ("maps", "resample")
        for ses in ("ses-01", "ses-02")
    ]
    record = json.loads(
        (root / "derivatives/ferret/sub-01/ses-01/anat/sub-01_ses-01_R2starmap.json").read_text()
    )
    assert record["Parameters"]["method"] == "loglinear"


@pytest.mark.slow
def test_a_corrupt_visit_fails_alone_with_its_reason(clean, tmp_path, capsys):
    root = copy_study(clean, tmp_path / "study", derivatives=True)
    for visit in ("ses-01", "ses-02"):
        for datatype in ("anat", "dwi"):
            for path in (root / "derivatives/ferret/sub-01" / visit / datatype).glob("*"):
                path.unlink()  # maps and resampled images must be made again; the transforms stay
    corrupt = root / "sub-01" / "ses-02" / "anat" / "sub-01_ses-02_echo-3_part-mag_MEGRE.nii.gz"
    corrupt.write_bytes(corrupt.read_bytes()[:3000])
    capsys.readouterr()
    assert ferret(["process", str(root)]) == 2  # refused input
    err = capsys.readouterr().err
    assert "FAILED  maps sub-01 ses-02 MEGRE:" in err and corrupt.name in err and "truncated" in err
    assert (
        "SKIPPED resample sub-01 ses-02 MEGRE: needs 'maps sub-01 ses-02 MEGRE', which failed"
        in err
    )
    assert "SKIPPED candidates sub-01 cmb: needs 'maps sub-01 ses-02 MEGRE', which failed" in err
    # registrations stay; the A-CMI candidates and the atlas need nothing of the failed job (rerun or up
    # to date: both right; the atlas reads images made again identically)
    assert any(
        f"{16 + rerun} done, {REGISTER_JOBS + 1 + ATLAS_JOBS - rerun} up to date, 1 failed, 2 skipped, "
        "0 cancelled" in err
        for rerun in (0, 1)
    ), err
    made = outputs(root)
    assert "sub-01/ses-02/anat/sub-01_ses-02_space-ref_R2map.nii.gz" in made
    assert "sub-01/ses-01/anat/sub-01_ses-01_space-ref_R2starmap.nii.gz" in made
    assert not any("ses-02" in name and "R2starmap" in name for name in made)
    assert outputs(root).keys() < outputs(clean).keys()


def count_manifests(root: Path) -> int:
    folder = root / "derivatives" / "ferret" / ".ferret-cache"
    return len(list(folder.glob("*.json"))) if folder.is_dir() else 0


def kill_mid_run(root: Path, *, after_jobs: int) -> int:
    """Start ``ferret process --jobs 2``, SIGKILL it and its workers once ``after_jobs`` jobs finished."""
    command = [sys.executable, "-m", "app", "process", str(root), "--jobs", "2"]
    process = subprocess.Popen(
        command,
        cwd=PROJECT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while (
        count_manifests(root) < after_jobs
        and process.poll() is None
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert process.poll() is None, "the run finished before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)  # the command and its worker processes, mid-run
    process.wait()
    return count_manifests(root)


@pytest.mark.slow
def test_kill_9_then_rerun_gives_the_clean_outputs_then_one_new_input_reruns_exactly_its_dependants(
    raw_study, clean, tmp_path
):
    root = copy_study(raw_study, tmp_path / "study")
    assert (
        4
        <= kill_mid_run(root, after_jobs=4)
        < REGISTER_JOBS + 2 * 4 + 2 * 5 + CANDIDATE_JOBS + ATLAS_JOBS
    )
    assert (
        ferret(["process", str(root), "--jobs", "2"]) == 0
    )  # resumes: 2 workers, then compared with serial
    assert_same_outputs(root, clean)
    assert not [p for p in outputs(root) if ".part" in p]  # no temporary file left behind

    # new bytes in one raw file: its maps, its registration link, its visit's composition (which rewrites only
    # that acquisition's to-ref, so only the MEGRE resampling follows, and the microbleed candidates that read it)
    rewrite_scaled(
        root / "sub-01" / "ses-02" / "anat" / "sub-01_ses-02_echo-1_part-mag_MEGRE.nii.gz", 1.01
    )
    summary = run_pipeline(root)
    assert summary.ok
    assert sorted(summary.done) == [
        "candidates sub-01 cmb",
        "maps sub-01 ses-02 MEGRE",
        "register sub-01 ses-02 MEGRE",
        "register sub-01 ses-02 to-ref",
        "resample sub-01 ses-02 MEGRE",
    ]
    (
        root / "sub-01" / "ses-01" / "anat" / "sub-01_ses-01_FLAIR.nii.gz"
    ).touch()  # same bytes: nothing to do
    assert not run_pipeline(root).done


@pytest.mark.slow
def test_local_dask_cluster_equals_the_local_executor(raw_study, clean, tmp_path):
    pytest.importorskip("distributed")
    root = copy_study(raw_study, tmp_path / "study")
    assert ferret(["process", str(root), "--dask-local", "2"]) == 0
    assert_same_outputs(root, clean)
