"""A consensus decided in a session (not built by ``ferret consensus build``) feeds the outputs.

Two raters on a tiny study with synthetic reference-space MD and R2* maps:
one lesion they agree on (onset ses-02, settled on open), one whose onsets
differ (B's ses-03 accepted), one only B marked (accepted) and one only A
marked (rejected). ``ferret timecourses --rater consensus`` and ``ferret export
--rater consensus`` must list exactly the three kept lesions with the onsets
decided, the lesional class at the onset visit; the analysis dock of a
consensus window follows the decisions to the same lesions.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6 import QtWidgets

from app.cli import main
from processing.annotations import Grid, RaterWorkspace, ReviewWorkspace
from processing.consensus.session import ConsensusSession
from processing.fileio import save_nifti
from processing.study.example import write_tiny_study

SHAPE = (12, 12, 6)
AFFINE = np.diag([2.0, 2.0, 2.0, 1.0])
VISITS = ("ses-01", "ses-02", "ses-03")
#: voxel -> (A's lesion ID and onset, B's), None where the rater did not mark it
LESIONS = {
    (2, 2, 3): ((1, "ses-02"), (1, "ses-02")),
    (6, 6, 3): ((2, "ses-02"), (2, "ses-03")),
    (9, 3, 3): (None, (7, "ses-02")),
    (9, 9, 3): ((4, "ses-02"), None),
}
#: voxel -> the consensus onset once decided (the rejected lesion is absent)
KEPT = {(2, 2, 3): "ses-02", (6, 6, 3): "ses-03", (9, 3, 3): "ses-02"}
RULES = {"ratings-differ": "accept-b", "only-b": "accept-b", "only-a": "reject"}


def write_maps(root) -> None:
    """MD rising at each lesion's decided onset; R2* everywhere within the filter."""
    for n, visit in enumerate(VISITS):
        md = np.full(SHAPE, 0.5, dtype=np.float32)
        for voxel, onset in KEPT.items():
            md[voxel] += 1.0 if n >= VISITS.index(onset) else 0.0
        base = root / "derivatives" / "ferret" / "sub-01" / visit
        name = f"sub-01_{visit}_space-ref_model-tensor_param-md_dwimap.nii.gz"
        save_nifti(base / "dwi" / name, md, AFFINE)
        r2star = np.full(SHAPE, 16.0, np.float32)
        save_nifti(base / "anat" / f"sub-01_{visit}_space-ref_R2starmap.nii.gz", r2star, AFFINE)


def write_rater(root, rater: int) -> None:
    with RaterWorkspace(root, "AB"[rater]) as workspace:
        session = workspace.open_session("sub-01", Grid(SHAPE, AFFINE), visit="ses-01")
        for voxel, marks in LESIONS.items():
            if marks[rater] is None:
                continue
            lesion, onset = marks[rater]
            where = tuple(slice(i, i + 1) for i in voxel)
            session.labels.write(where, np.full((1, 1, 1), lesion, np.int32), "import")
            session.set_lesion_type(lesion, "A-CMI")
            session.set_onset(lesion, onset)
        session.flush()


@pytest.fixture
def rated(tmp_path):
    """Return the study with its maps and the two raters' lesions."""
    root = write_tiny_study(tmp_path / "study", participants=1, visits=3)
    write_maps(root)
    write_rater(root, 0)
    write_rater(root, 1)
    return root


@pytest.fixture
def decided(rated):
    """Return the study once its consensus of A and B was decided item by item in a session."""
    root = rated
    with ConsensusSession(root, "sub-01", ["A", "B"], checkpoint_delay=0.05) as session:
        assert sorted(item.kind for item in session.items) == sorted(RULES)
        while session.current is not None or session.next() is not None:
            session.decide(session.current, RULES[session.current.kind])
    labels, _ = ReviewWorkspace(root).read("consensus", "sub-01")
    ids = {voxel: int(labels.data[voxel]) for voxel in LESIONS}
    kept = {ids[voxel] for voxel in KEPT}
    assert ids[(9, 9, 3)] == 0 and 0 not in kept and len(kept) == 3  # one lesion each
    return root, {ids[voxel]: onset for voxel, onset in KEPT.items()}


def test_timecourses_of_the_session_made_consensus_have_its_lesions_and_onsets(
    decided, tmp_path, capsys
):
    root, onsets = decided
    out = tmp_path / "tc.csv"
    assert main(["timecourses", str(root), "--rater", "consensus", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert {int(r["lesion_id"]): r["onset_visit"] for r in rows} == onsets
    assert {r["rater"] for r in rows} == {"consensus"}
    md = [r for r in rows if r["parameter"] == "MD"]
    lesional = {int(r["lesion_id"]): r["visit"] for r in md if r["visit_class"] == "lesional"}
    assert lesional == onsets
    jumps = {
        int(r["lesion_id"]): float(r["normalised_difference"])
        for r in md
        if r["visit_class"] == "lesional"
    }
    assert all(jump == pytest.approx(1.0) for jump in jumps.values())
    assert "3 lesion(s)" in capsys.readouterr().out


def test_export_of_the_session_made_consensus_lists_its_lesions_and_onsets(decided, tmp_path):
    root, onsets = decided
    out = tmp_path / "export"
    assert main(["export", str(root), "--rater", "consensus", "--out", str(out)]) == 0
    rows = list(csv.DictReader((out / "rater-consensus_lesions.csv").open()))
    assert {int(r["lesion_id"]): r["onset_visit"] for r in rows} == onsets
    assert {r["type"] for r in rows} == {"A-CMI"}
    assert (out / "sub-01" / "sub-01_space-ref_desc-lesions_dseg.nii.gz").exists()


@pytest.mark.gui
def test_the_analysis_dock_follows_the_consensus_in_a_session(rated, open_rating_window, qtbot):
    window = open_rating_window(rated, consensus=["A", "B"])
    mode = window.rating
    assert window.findChild(QtWidgets.QDockWidget, "analysis-dock") is not None
    panel = mode.analysis.panel
    qtbot.waitUntil(lambda: panel.result is not None, timeout=30000)
    assert panel.result.lesions == 1  # the agreed lesion, settled on open
    assert "rater consensus" in panel.status.text()
    while mode.consensus.current is not None:
        mode.queue.act(RULES[mode.consensus.current.kind])
    qtbot.waitUntil(lambda: panel.result.lesions == 3, timeout=30000)
    onsets = {row.lesion_id: row.onset_visit for row in panel.result.rows}
    assert sorted(onsets.values()) == sorted(KEPT.values())
    window.close()
    assert mode.analysis is None  # detached with the session
