"""RaterSession: painting, typing and rating as one rater, saved, blinded, one writer per rater."""

from __future__ import annotations

import numpy as np
import pytest

from app.annotation import RaterSession
from processing.annotations import ReviewWorkspace
from processing.errors import FerretError
from viewers.state.tools import event


@pytest.fixture
def study(tmp_path, study_writer):
    return study_writer(tmp_path / "study", participants=("sub-01",))


def stroke(session, *points, orientation="axial", button="left"):
    session.toolbox.press(event(points[0], orientation, button))
    for point in points[1:]:
        session.toolbox.move(event(point, orientation, button))
    session.toolbox.release(event(points[-1], orientation, button))


def test_paint_rate_and_reopen(study):
    session = RaterSession(study, "A", "sub-01", visit="ses-02")
    try:
        assert session.labels.grid.shape == (40, 48, 20)  # the first visit's DWI grid
        session.toolbox.tools["brush"].size_mm = 3.0
        stroke(session, (0.0, 0.0, 0.0), (2.0, 0.0, 0.0))
        assert [r["lesion_id"] for r in session.table.rows] == [1]
        assert (
            session.form is not None and session.form_lesion_id == 1
        )  # the new lesion's form opens
        for key in "hoiiio":
            session.form.press(key)
        row = session.table.rows[0]
        assert row["type"] == "A-CMI" and row["onset_visit"] == "ses-02" and not row["rated"]
        assert row["ratings"]["md_onset"] == "hypo"
        session.table.go_to(1)
        np.testing.assert_allclose(session.cursor.position, row["centre"])
        voxels = session.labels.data.copy()
    finally:
        session.close()
    again = RaterSession(study, "A", "sub-01")
    try:
        assert np.array_equal(again.labels.data, voxels)
        assert again.table.rows[0]["ratings"]["dwi_onset"] == "hyper"
    finally:
        again.close()


def test_erasing_a_lesion_deletes_it_and_undo_brings_it_back(study):
    with_session = RaterSession(study, "A", "sub-01", visit="ses-01")
    try:
        tools = with_session.toolbox
        tools.tools["brush"].size_mm = 2.0
        stroke(with_session, (0.0, 0.0, 0.0))
        tools.tools["brush"].size_mm = 8.0
        stroke(with_session, (0.0, 0.0, 0.0), button="right")
        assert with_session.table.rows == []
        assert [r.deleted for r in with_session.annotation.store.lesions(deleted=True)] == [True]
        assert tools.undo()
        assert [r["lesion_id"] for r in with_session.table.rows] == [1]
        with_session.set_lesion_type(1, "CMB")
        assert with_session.form.schema.lesion_type == "CMB"
    finally:
        with_session.close()


def test_rating_mode_is_blinded_and_has_one_writer(study):
    other = RaterSession(study, "B", "sub-01")
    other.toolbox.press(event((0.0, 0.0, 0.0)))
    other.toolbox.release(event((0.0, 0.0, 0.0)))
    other.close()
    session = RaterSession(study, "A", "sub-01")
    try:
        assert session.mode == "rating"
        assert session.participant_table() == [{"participant_id": "sub-01"}]  # no age column
        assert not session.labels.data.any() and session.table.rows == []  # B's lesion is not shown
        with pytest.raises(FerretError, match="already open"):
            RaterSession(study, "A", "sub-01")
    finally:
        session.close()
    assert "age" in ReviewWorkspace(study).participant_table()[0]  # review mode, explicitly


def test_a_participant_without_reference_space_is_an_error(tmp_path):
    (tmp_path / "sub-09").mkdir()
    with pytest.raises(FerretError, match="reference space"):
        RaterSession(tmp_path, "A", "sub-09")
    assert not (tmp_path / "derivatives" / "ferret-annotations" / "rater-A" / "sub-09").exists()
