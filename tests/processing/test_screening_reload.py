"""A screening session reads its rewritten candidate tables again (the engine ran while it was open).

The study is :mod:`tests.processing.screening_data` (four ranked A-CMI
candidates: A, a false one, B, the block).
"""

from __future__ import annotations

import pytest

from processing.candidates.table import Candidate, candidates_file, write_candidates
from processing.errors import FerretError
from processing.screening.session import RELOAD_ACTION, ScreeningSession
from tests.processing.screening_data import BLOCK, FALSE, FOCUS_A, FOCUS_B, world
from tests.processing.test_screening_session import OPTIONS, decisions, study  # noqa: F401

NEW = (6, 6, 6)


def rewrite(root, candidates) -> None:
    """Write the A-CMI table again with ``candidates`` ((visit, voxel), rank 1 first)."""
    rows = [
        Candidate("sub-01", visit, "acmi", 10.0 - rank, tuple(world(ijk)), 2.0, True, {}, rank)
        for rank, (visit, ijk) in enumerate(candidates, start=1)
    ]
    write_candidates(rows, candidates_file(root, "sub-01", "acmi"))


def audit(root, action: str) -> list[dict]:
    from processing.annotations.store import RaterStore
    from processing.annotations.workspace import rater_folder

    store = RaterStore(rater_folder(root, "R") / "sub-01", "R", "sub-01", readonly=True)
    try:
        return [row for row in store.audit_log() if row["action"] == action]
    finally:
        store.close()


def test_a_new_table_keeps_the_decisions_and_the_candidate_shown(study):  # noqa: F811
    seen = []
    with ScreeningSession(study, "sub-01", "R", **OPTIONS) as session:
        session.accept(session.items[0])  # A
        false = session.reject().item_id  # the false one; B is shown now
        shown = session.current
        assert shown.visit == "ses-03" and shown.rank == 3
        for name in ("reloaded", "progress", "current"):
            getattr(session.events, name).subscribe(lambda v, n=name: seen.append((n, v)))
        rewrite(
            study, [("ses-03", FOCUS_B), ("ses-02", FOCUS_A), ("ses-01", NEW), ("ses-03", BLOCK)]
        )
        summary = session.reload()
        assert (summary.added, summary.removed, summary.total, summary.current_kept) == (
            1,
            1,
            4,
            True,
        )
        assert str(summary) == "1 new, 1 gone, 4 in the queue; decisions kept"
        assert session.current.item_id == shown.item_id and session.current.rank == 1  # new rank
        assert [name for name, _ in seen] == ["reloaded", "progress"]  # the grid stays put
        assert str(session.progress) == "1 of 4 reviewed, 1 accepted"  # A counts, the gone one not
        assert false in session.decided and false not in {i.item_id for i in session.items}
        assert [i.rank for i in session.remaining] == [1, 3, 4]
        with pytest.raises(FerretError, match="already decided"):
            session.reject(session.items[1])  # A again, at its new rank
    rows = decisions(study)
    assert [r["after"]["decision"] for r in rows] == ["accept", "reject"]  # nothing rewritten
    (reload,) = audit(study, RELOAD_ACTION)
    assert reload["after"] == {"added": 1, "removed": 1, "items": 4}
    with ScreeningSession(study, "sub-01", "R", **OPTIONS) as session:  # reopened: the same
        assert str(session.progress) == "1 of 4 reviewed, 1 accepted"


def test_when_the_candidate_shown_is_gone_the_next_undecided_is_shown(study):  # noqa: F811
    with ScreeningSession(study, "sub-01", "R", **OPTIONS) as session:
        session.reject(session.items[2])  # B decided
        session.go_to(session.items[1].item_id)  # the false one shown
        shown = []
        session.events.current.subscribe(shown.append)
        rewrite(study, [("ses-02", FOCUS_A), ("ses-03", FOCUS_B), ("ses-03", BLOCK)])
        summary = session.reload()
        assert not summary.current_kept and summary.removed == 1
        assert [item.item_id for item in shown] == [session.items[2].item_id]  # the block
        assert session.current.rank == 3 and session.current is session.items[2]


def test_new_candidates_after_the_last_decision_are_shown(study):  # noqa: F811
    with ScreeningSession(study, "sub-01", "R", **OPTIONS) as session:
        session.next()
        for _ in range(4):
            session.reject()
        assert session.current is None
        rewrite(study, [("ses-02", FOCUS_A), ("ses-01", NEW)])
        summary = session.reload()
        assert not summary.current_kept and session.current.visit == "ses-01"
        assert str(session.progress) == "1 of 2 reviewed, 0 accepted"
        rewrite(study, [("ses-02", FOCUS_A), ("ses-01", NEW)])
        again = session.reload()
        assert str(again) == "the candidates were written again, the same 2"
        assert again.current_kept


def test_a_damaged_table_is_one_error_and_the_queue_stays(study):  # noqa: F811
    with ScreeningSession(study, "sub-01", "R", **OPTIONS) as session:
        session.next()
        items = list(session.items)
        path = candidates_file(study, "sub-01", "acmi")
        path.write_text(path.read_text().replace("diameter_mm", "size"))
        with pytest.raises(FerretError, match="lacks the column"):
            session.reload()
        assert session.items == items and session.current is items[0]
        assert session.tables_stamp() and session.tables[0] == path
        rewrite(study, [("ses-02", FALSE)])
        assert session.reload().removed == 3
