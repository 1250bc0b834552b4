"""Time courses as engine jobs: one per rater who annotated the participant, cached.

On a processed tiny phantom with a rater built from the planted A-CMI masks,
``ferret process --steps timecourses`` writes the rater's table; a second run
does nothing; a changed exclusion flag (still only in the rater's database)
reruns exactly that job.
"""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pytest

from app.cli import main as ferret
from processing.annotations import Grid, RaterWorkspace
from processing.engine import Cache, SerialExecutor, run
from processing.engine.pipeline import study_graph, targets_for
from processing.phantom import load_truth
from processing.registration.chain import header_grid
from processing.study import discover

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def processed(phantom_study, tmp_path_factory):
    root = tmp_path_factory.mktemp("engine_tc") / "study"
    shutil.copytree(phantom_study, root)
    first = discover(root).participants["sub-01"].visits[0]
    grid = header_grid(first, "dwi")
    truth = load_truth(root, "sub-01")
    labels = truth.acquisition(first.session, "dwi").load_map("lesions")
    with RaterWorkspace(root, "T") as workspace:
        session = workspace.open_session(
            "sub-01", Grid(grid.shape, grid.affine), lesion_type="A-CMI"
        )
        for lesion in truth.lesions_of("acmi"):
            new = np.where(labels == lesion.label, lesion.label, session.labels.data).astype(
                np.int32
            )
            session.labels.write(tuple(slice(0, n) for n in grid.shape), new, "import")
            session.set_onset(lesion.label, lesion.onset_session)
        session.flush()
    assert ferret(["process", str(root), "--steps", "maps,register,resample"]) == 0
    return root


def timecourse_jobs_run(root):
    graph = study_graph(discover(root))
    summary = run(
        graph, Cache.for_study(root), SerialExecutor(), targets=targets_for(graph, ["timecourses"])
    )
    return [name for name in summary.done if name.startswith("timecourses")], summary


def test_timecourses_job_writes_caches_and_follows_the_rater(processed):
    done, summary = timecourse_jobs_run(processed)
    assert done == ["timecourses sub-01 rater-T"] and not summary.failed
    table = processed / "derivatives/ferret/sub-01/timecourses/sub-01_rater-T_timecourses.csv"
    with open(table, newline="") as handle:
        rows = list(csv.DictReader(handle))
    acmis = {lesion.label for lesion in load_truth(processed, "sub-01").lesions_of("acmi")}
    assert {int(row["lesion_id"]) for row in rows} == acmis
    assert table.with_suffix(".json").is_file()

    assert timecourse_jobs_run(processed)[0] == []  # nothing changed: cached

    lesion = min(acmis)
    with RaterWorkspace(processed, "T") as workspace:
        session = workspace.open_session("sub-01", None)
        session.set_rating(lesion, "excluded", "yes")
        session.flush()
    assert timecourse_jobs_run(processed)[0] == ["timecourses sub-01 rater-T"]
    with open(table, newline="") as handle:
        excluded = {
            row["excluded"] for row in csv.DictReader(handle) if int(row["lesion_id"]) == lesion
        }
    assert excluded == {"True"}
