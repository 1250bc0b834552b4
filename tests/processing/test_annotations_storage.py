"""Annotation storage: stable IDs, journal replay, audit log, crash safety, two raters, blinding."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from processing.annotations import Grid, RaterWorkspace, ReviewWorkspace, rater_folder
from processing.annotations.editing import delete_lesion, merge_lesions, split_lesion
from processing.errors import FerretError

ROOT = Path(__file__).resolve().parents[2]
GRID = Grid((32, 32, 16), np.diag([1.0, 1.0, 2.0, 1.0]))


def cube(session, corner, value=None, size=2):
    box = tuple(slice(c, c + size) for c in corner)
    block = session.labels.data[box].copy()
    block[...] = value if value is not None else session.labels.reserve_id()
    with session.labels.stroke():
        session.labels.write(box, block)


def test_ids_are_stable_across_edits_and_reloads(tmp_path):
    with RaterWorkspace(tmp_path, "A") as workspace:
        session = workspace.open_session("sub-01", GRID)
        for corner in [(2, 2, 2), (10, 10, 2), (20, 20, 2)]:
            cube(session, corner)
        cube(session, (14, 10, 2), value=2)  # a second, detached piece of lesion 2
        assert session.labels.ids() == [1, 2, 3]
        delete_lesion(session.labels, 1)
        session.mark_deleted([1])
        _, new_ids = split_lesion(session.labels, 2)
        assert new_ids == [4]  # never reuses the deleted ID 1
        merge_lesions(session.labels, 3, [4])
        session.set_lesion_type(3, "CMB")
        before = session.labels.data.copy()
    with RaterWorkspace(tmp_path, "A") as workspace:
        session = workspace.open_session("sub-01")
        assert np.array_equal(session.labels.data, before)
        assert [r.lesion_id for r in session.store.lesions()] == [2, 3, 4]
        assert session.store.lesions(deleted=True)[0].deleted
        assert session.labels.reserve_id() == 5
        assert {r["lesion_id"]: r["type"] for r in session.lesions()} == {2: "A-CMI", 3: "CMB"}


def test_journal_replays_over_a_stale_checkpoint(tmp_path):
    with RaterWorkspace(tmp_path, "A") as workspace:
        session = workspace.open_session("sub-01", GRID)
        cube(session, (4, 4, 4))
        session.flush()
        session.checkpointer.stop()  # no more checkpoints: only the journal
        cube(session, (12, 4, 4))
        cube(session, (12, 4, 4), value=0)
        cube(session, (20, 4, 4))
        expected = session.labels.data.copy()
        session.checkpointer.stop = lambda: None  # close without a final checkpoint
        session.checkpointer.flush = lambda: None
    saved = np.asarray(
        nib.load(
            str(
                rater_folder(tmp_path, "A") / "sub-01" / "sub-01_space-ref_desc-lesions_dseg.nii.gz"
            )
        ).dataobj
    )
    assert saved.max() == 1  # the checkpoint is stale
    labels, rows = ReviewWorkspace(tmp_path).read("A", "sub-01")
    assert np.array_equal(labels.data, expected) and [r["lesion_id"] for r in rows] == [1, 3]


def test_audit_log_records_and_is_append_only(tmp_path):
    with RaterWorkspace(tmp_path, "B") as workspace:
        session = workspace.open_session("sub-01", GRID)
        cube(session, (4, 4, 4))
        session.set_rating(1, "dwi_onset", "hyper")
        session.set_rating(1, "dwi_onset", "iso")
        log = session.store.audit_log()
        assert [row["action"] for row in log] == ["paint", "add_lesion", "rate", "rate"]
        assert (log[-1]["before"], log[-1]["after"], log[-1]["rater"]) == ("hyper", "iso", "B")
        assert log[0]["after"] == {"1": 8}
        for statement in ("UPDATE audit SET after = 'x'", "DELETE FROM audit"):
            with pytest.raises(Exception, match="append-only"):
                session.store.db.execute(statement)


WRITER = textwrap.dedent("""
    import sys, numpy as np
    from processing.annotations import Grid, RaterWorkspace
    root, rater = sys.argv[1], sys.argv[2]
    grid = Grid((40, 40, 20), np.diag([1.0, 1.0, 2.0, 1.0]))
    with RaterWorkspace(root, rater) as workspace:
        session = workspace.open_session("sub-01", grid, checkpoint_delay=0.01)
        for n in range(int(sys.argv[3])):
            x, y, z = n % 38, (n // 38) % 38, 1 + n % 18
            with session.labels.stroke():
                session.labels.write((slice(x, x + 2), slice(y, y + 2), slice(z, z + 1)),
                                     np.full((2, 2, 1), n + 1))
            session.set_rating(n + 1, "comment", rater)
            print(n, flush=True)
        print("done", flush=True)
        sys.stdin.readline()
""")


def start_writer(root, rater, strokes):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), rater, str(strokes)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_kill_minus_nine_loses_no_completed_stroke(tmp_path):
    writer = start_writer(tmp_path, "A", 100000)
    done = [int(writer.stdout.readline()) for _ in range(150)]
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    with RaterWorkspace(tmp_path, "A") as workspace:  # the lock died with the writer
        session = workspace.open_session("sub-01")
        ratings = session.store.ratings()
        for n in done:
            x, y, z = n % 38, (n // 38) % 38, 1 + n % 18
            assert n + 1 in session.labels.data[x : x + 2, y : y + 2, z], f"stroke {n} lost"
            assert ratings[n + 1]["comment"] == "A"
        assert session.labels.reserve_id() > done[-1] + 1


def test_two_raters_at_once_never_overwrite_each_other(tmp_path):
    writers = {rater: start_writer(tmp_path, rater, 40) for rater in ("A", "B")}
    for writer in writers.values():  # both run at the same time; then let them finish
        output = writer.communicate("\n")[0].split()
        assert output[-1] == "done" and writer.returncode == 0
    review = ReviewWorkspace(tmp_path)
    assert review.raters() == ["A", "B"]
    for rater in ("A", "B"):
        labels, rows = review.read(rater, "sub-01")
        assert len(rows) == 40 and {r["ratings"]["comment"] for r in rows} == {rater}


def test_one_writer_per_rater(tmp_path):
    first = RaterWorkspace(tmp_path, "A")
    with pytest.raises(FerretError, match="already open for writing"):
        RaterWorkspace(tmp_path, "A")
    RaterWorkspace(tmp_path, "B").close()  # another rater is fine
    first.close()
    RaterWorkspace(tmp_path, "A").close()  # and the lock is free again


def test_rating_mode_is_blinded_and_review_mode_is_explicit(tmp_path):
    (tmp_path / "participants.tsv").write_text(
        "participant_id\tage\tsex\tstroke\nsub-01\t71\tF\tyes\n"
    )
    with RaterWorkspace(tmp_path, "B") as other:
        cube(other.open_session("sub-01", GRID), (4, 4, 4))
    with RaterWorkspace(tmp_path, "A") as workspace:
        assert workspace.participant_table() == [{"participant_id": "sub-01"}]
        session = workspace.open_session("sub-01", GRID)
        assert not session.labels.data.any()  # rater B's lesion is not visible
        assert "rater-B" not in str(session.store.folder)
        assert not hasattr(workspace, "read")  # no way to open others' work here
    review = ReviewWorkspace(tmp_path)
    assert review.participant_table()[0]["age"] == "71"
    assert review.read("B", "sub-01")[0].data.any()


def test_bad_rater_ids_are_refused(tmp_path):
    with pytest.raises(FerretError, match="letters and digits"):
        RaterWorkspace(tmp_path, "../B")
