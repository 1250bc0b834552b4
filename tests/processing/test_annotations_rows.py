"""One lesion row: the session and the review workspace read the same typed, frozen rows."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from processing.annotations import Grid, RaterWorkspace, ReviewWorkspace
from processing.annotations.rows import LesionRow

GRID = Grid((16, 16, 8), np.diag([1.0, 1.0, 2.0, 1.0]))


def paint_two(session):
    for corner in [(2, 2, 2), (9, 9, 2)]:
        box = tuple(slice(c, c + 2) for c in corner)
        with session.labels.stroke():
            session.labels.write(box, np.full((2, 2, 2), session.labels.reserve_id(), np.int32))


def test_session_and_review_read_the_same_rows(tmp_path):
    with RaterWorkspace(tmp_path, "A") as workspace:
        session = workspace.open_session("sub-01", GRID, visit="ses-02")
        paint_two(session)
        session.set_rating(2, "confidence", "high")
        live = session.lesions()
        session.flush()
    _, reviewed = ReviewWorkspace(tmp_path).read("A", "sub-01")
    assert [type(row) for row in live] == [LesionRow, LesionRow]
    assert reviewed == live
    assert [row.lesion_id for row in live] == [1, 2]
    assert live[1].ratings == {"confidence": "high"}
    assert live[0].volume_mm3 == pytest.approx(16.0)


def test_a_row_is_frozen_and_reads_like_the_former_dict(tmp_path):
    with RaterWorkspace(tmp_path, "A") as workspace:
        session = workspace.open_session("sub-01", GRID, visit="ses-02")
        paint_two(session)
        row = session.lesions()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.type = "CMB"  # type: ignore[misc]
    assert row["type"] == row.type == "A-CMI"
    assert row["onset_visit"] == "ses-02"
    assert dict(row) == {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
    assert {**row, "type": "CMB"}["type"] == "CMB"
    with pytest.raises(KeyError):
        row["no such field"]
