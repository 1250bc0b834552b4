"""The screening session on a tiny study with planted foci (:mod:`tests.processing.screening_data`).

Queue in rank order, accept grows the planted focus into an A-CMI with onset at
its visit, growth stays within 5 mm, reject paints nothing, every decision is
one audit row, a reopened session resumes, a kill loses no stored decision,
and a missing or damaged table is one clear error.
"""

from __future__ import annotations

import numpy as np
import pytest

from processing.annotations import ReviewWorkspace
from processing.annotations.store import RaterStore
from processing.annotations.workspace import rater_folder
from processing.candidates.table import candidates_file
from processing.errors import FerretError
from processing.screening.items import candidate_id
from processing.screening.session import DECISION_ACTION, ScreeningSession
from tests.processing.screening_data import (
    BLOCK,
    CANDIDATES,
    FOCUS_A,
    FOCUS_B,
    focus_a_mask,
    world,
    write_screening_study,
)

OPTIONS = {"checkpoint_delay": 0.05, "backup_interval": 3600}


@pytest.fixture
def study(tmp_path):
    return write_screening_study(tmp_path / "study")


def decisions(study, rater="R") -> list[dict]:
    store = RaterStore(rater_folder(study, rater) / "sub-01", rater, "sub-01", readonly=True)
    try:
        return [row for row in store.audit_log() if row["action"] == DECISION_ACTION]
    finally:
        store.close()


def test_the_queue_is_the_table_in_rank_order_with_stable_ids(study):
    with ScreeningSession(study, "sub-01", "R", **OPTIONS) as session:
        assert [(i.visit, i.rank) for i in session.items] == [
            (visit, rank) for rank, (visit, _) in enumerate(CANDIDATES, start=1)
        ]
        first = session.items[0]
        assert first.item_id == candidate_id("sub-01", "ses-02", "acmi", world(FOCUS_A))
        assert first.item_id == "sub-01:ses-02:acmi:0.0,0.0,0.0"
        assert np.allclose(first.centre, world(FOCUS_A)) and first.radius_mm == 3.0
        assert str(session.progress) == "0 of 4 reviewed, 0 accepted"
        assert session.current is None and session.next() is first


def test_accept_grows_the_focus_into_an_acmi_with_onset_at_its_visit(study):
    seen = []
    with ScreeningSession(study, "sub-01", "R", **OPTIONS) as session:
        session.events.progress.subscribe(lambda p: seen.append(str(p)))
        session.next()
        decision = session.accept()
        (lesion,) = decision.lesions
        assert np.array_equal(session.labels.data == lesion, focus_a_mask())
        assert session.current is session.items[1]  # moved on
        assert seen == ["1 of 4 reviewed, 1 accepted"]
    labels, rows = ReviewWorkspace(study).read("R", "sub-01")
    assert np.array_equal(labels.data > 0, focus_a_mask())
    (row,) = rows
    assert (row.lesion_id, row.type, row.onset_visit, row.origin) == (
        lesion,
        "A-CMI",
        "ses-02",
        "screening",
    )
    (audit,) = decisions(study)
    assert audit["field"] == decision.item_id and audit["lesion_id"] == lesion
    assert audit["after"]["decision"] == "accept" and audit["after"]["grown"]["voxels"] == 7
    assert 640 < audit["after"]["grown"]["threshold"] < 660  # half the contrast above 500


def test_growth_stops_at_the_five_mm_ball_and_a_single_bright_voxel_stays_one(study):
    with ScreeningSession(study, "sub-01", "R", **OPTIONS) as session:
        single = session.accept(session.items[2]).lesions[0]
        assert np.argwhere(session.labels.data == single).tolist() == [list(FOCUS_B)]
        block = session.accept(session.items[3]).lesions[0]
        voxels = np.argwhere(session.labels.data == block)
        spacing = np.array([1.0, 1.0, 2.0])
        spread = np.linalg.norm((voxels[:, None] - voxels[None]) * spacing, axis=-1)
        assert 20 < len(voxels) <= 39 and spread.max() <= 5.0 + 1e-9
        assert np.linalg.norm((voxels.mean(axis=0) - BLOCK) * spacing) < 2.5


def test_reject_paints_nothing_and_each_decision_is_one_audit_row(study):
    with ScreeningSession(study, "sub-01", "R", **OPTIONS) as session:
        session.next()
        session.reject()
        session.reject()
        assert not session.labels.data.any()
        assert str(session.progress) == "2 of 4 reviewed, 0 accepted"
        with pytest.raises(FerretError, match="already decided"):
            session.reject(session.items[0])
    rows = decisions(study)
    assert [r["after"]["decision"] for r in rows] == ["reject", "reject"]
    assert [r["field"] for r in rows] == [i.item_id for i in session.items[:2]]
    assert all(r["lesion_id"] is None and r["after"]["decider"] == "R" for r in rows)


def test_reopening_resumes_with_the_undecided_and_keeps_the_counts(study):
    with ScreeningSession(study, "sub-01", "R", **OPTIONS) as session:
        session.accept(session.items[0])
        session.reject(session.items[2])
        items = session.items
    with ScreeningSession(study, "sub-01", "R", **OPTIONS) as session:
        assert str(session.progress) == "2 of 4 reviewed, 1 accepted"
        assert session.remaining == [items[1], items[3]]
        assert session.next() == items[1] and session.next() == items[3]
        assert session.next() == items[1]  # wraps over the undecided only
        assert session.previous() == items[3]
        assert len(session.labels.ids()) == 1


def test_the_rater_is_locked_while_screening(study):
    with ScreeningSession(study, "sub-01", "R", **OPTIONS):
        with pytest.raises(FerretError, match="already open"):
            ScreeningSession(study, "sub-01", "R", **OPTIONS)


def test_accepting_where_the_rater_painted_adopts_that_lesion(study):
    with ScreeningSession(study, "sub-01", "R", **OPTIONS) as session:
        session.labels.write_voxels(np.array([np.ravel_multi_index(FOCUS_A, (40, 48, 20))]), 5)
        decision = session.accept(session.items[0])
        assert decision.lesions == (5,) and session.labels.ids() == [5]
    assert decisions(study)[0]["after"]["adopted"] is True


def test_a_missing_or_damaged_table_is_one_clear_error(study):
    path = candidates_file(study, "sub-01", "acmi")
    text = path.read_text()
    path.write_text(text.replace("diameter_mm", "size"))
    with pytest.raises(FerretError, match="lacks the column") as error:
        ScreeningSession(study, "sub-01", "R", **OPTIONS)
    assert str(path) in str(error.value) and "--steps candidates" in str(error.value)
    path.write_text(text.replace("9.0", "nine", 1))
    with pytest.raises(FerretError, match="line 5 of the candidate table"):
        ScreeningSession(study, "sub-01", "R", **OPTIONS)
    path.unlink()
    with pytest.raises(FerretError, match="no acmi candidates") as error:
        ScreeningSession(study, "sub-01", "R", **OPTIONS)
    assert "--steps candidates" in str(error.value) and "\n" not in str(error.value)
    assert not rater_folder(study, "R").exists()  # refused before anything was written


def test_the_visit_by_visit_walk_needs_no_table(study):
    candidates_file(study, "sub-01", "acmi").unlink()
    with ScreeningSession(study, "sub-01", "R", walk="visits", **OPTIONS) as session:
        assert [i.visit for i in session.items] == ["ses-01", "ses-02", "ses-03"]
        item = session.next()
        session.prepare_edit(item)
        assert session.annotation.visit == "ses-01"
        with pytest.raises(FerretError, match="screened"):
            session.accept()
        session.decide(None, "screened")
        assert str(session.progress) == "1 of 3 reviewed, 0 accepted"
        assert session.current.visit == "ses-02"
    assert decisions(study)[0]["field"] == "sub-01:ses-01:visit"
