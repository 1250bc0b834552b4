"""The consensus session on synthetic raters with planted differences: queue, decisions, reopen, kill.

Rater A and B agree on lesions 1 (identical) and 4 (B shifted by one voxel,
Dice 0.75). B drops lesion 2, adds lesion 30 far from everything, dilates
lesion 3 (Dice 0.1), splits lesion 5 into 5 and 21, merges A's 6 and 7 into
one lesion 6, answers lesion 8's ``dwi_onset`` differently and types lesion 9
C-CMI where A says A-CMI. Lesions 8 and 9 have their onset at ses-02, the
others at ses-01.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from processing.annotations import Grid, RaterWorkspace, ReviewWorkspace
from processing.annotations.integrity import inspect_store
from processing.annotations.store import RaterStore
from processing.annotations.workspace import rater_folder
from processing.consensus.session import ConsensusSession
from processing.errors import FerretError

ROOT = Path(__file__).resolve().parents[2]
GRID = Grid((40, 40, 20), np.diag([1.0, 1.0, 2.0, 1.0]))
OPTIONS = {"checkpoint_delay": 0.05, "backup_interval": 3600}


def cube(corner, size=(2, 2, 2)):
    mask = np.zeros(GRID.shape, bool)
    mask[tuple(slice(c, c + s) for c, s in zip(corner, size, strict=True))] = True
    return mask


def planted() -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Lesion masks of A and B by lesion ID."""
    a = {
        1: cube((4, 4, 2), (3, 3, 2)),
        2: cube((12, 4, 2), (3, 3, 2)),
        3: cube((22, 4, 2)),
        4: cube((4, 14, 2), (4, 4, 2)),
        5: cube((14, 14, 2), (4, 4, 2)),
        6: cube((24, 14, 2), (3, 2, 2)),
        7: cube((24, 18, 2), (3, 2, 2)),
        8: cube((4, 26, 4), (3, 3, 2)),
        9: cube((14, 26, 4), (3, 3, 2)),
    }
    b = {k: v for k, v in a.items() if k not in (2, 3, 4, 5, 6, 7)}
    b[3] = cube((20, 2, 1), (6, 6, 4))
    b[4] = cube((5, 14, 2), (4, 4, 2))
    b[5], b[21] = cube((14, 14, 2), (2, 4, 2)), cube((16, 14, 2), (2, 4, 2))
    b[6] = cube((24, 14, 2), (3, 6, 2))
    b[30] = cube((34, 34, 16), (2, 2, 2))
    return a, b


def records(rater: str, lesion: int) -> tuple[str, str, dict]:
    """Type, onset visit and ratings of a planted lesion."""
    kind = "C-CMI" if (rater, lesion) == ("B", 9) else "CMB" if lesion == 30 else "A-CMI"
    onset = "ses-02" if lesion in (8, 9) else "ses-01"
    dwi = "iso" if (rater, lesion) == ("B", 8) else "hyper"
    return (
        kind,
        onset,
        {"dwi_onset": dwi, "md_onset": f"{rater}-{lesion}" if lesion == 6 else "hypo"},
    )


def write_rater(root, rater: str, lesions: dict[int, np.ndarray]) -> None:
    data = np.zeros(GRID.shape, np.int32)
    for lesion, mask in lesions.items():
        data[mask] = lesion
    with RaterWorkspace(root, rater) as workspace:
        session = workspace.open_session("sub-01", GRID, visit="ses-01")
        session.labels.write(tuple(slice(0, n) for n in GRID.shape), data, "import")
        for lesion in lesions:
            kind, onset, ratings = records(rater, lesion)
            session.set_lesion_type(lesion, kind)
            session.set_onset(lesion, onset)
            for field, value in ratings.items():
                session.set_rating(lesion, field, value)


@pytest.fixture
def study(tmp_path):
    a, b = planted()
    write_rater(tmp_path, "A", a)
    write_rater(tmp_path, "B", b)
    return tmp_path


EXPECTED = {  # item sources -> kind
    ((2,), ()): "only-a",
    ((), (30,)): "only-b",
    ((3,), (3,)): "low-dice",
    ((5,), (5, 21)): "split",
    ((6, 7), (6,)): "merged",
    ((8,), (8,)): "ratings-differ",
    ((9,), (9,)): "ratings-differ",
}


def by_sources(session):
    return {(item.sources["A"], item.sources["B"]): item for item in session.items}


def test_the_queue_is_what_was_planted(study):
    with ConsensusSession(study, "sub-01", ["A", "B"], decider="lead", **OPTIONS) as session:
        items = by_sources(session)
        assert {k: i.kind for k, i in items.items()} == EXPECTED
        assert [i.visit for i in session.items] == ["ses-01"] * 5 + ["ses-02"] * 2
        ses01 = [i.centre[::-1] for i in session.items[:5]]
        assert ses01 == sorted(ses01)
        a, b = planted()
        assert items[((3,), (3,))].dice == pytest.approx(2 * 8 / (8 + 144))
        assert items[((5,), (5, 21))].dice == pytest.approx(1.0)
        assert items[((2,), ())].dice is None
        assert items[((8,), (8,))].prefill.conflicts == {
            "rating:dwi_onset": {"A": "hyper", "B": "iso"}
        }
        assert items[((8,), (8,))].prefill.values["rating:md_onset"] == "hypo"
        assert items[((9,), (9,))].prefill.conflicts == {"type": {"A": "A-CMI", "B": "C-CMI"}}
        assert items[((6, 7), (6,))].prefill.conflicts["rating:md_onset"] == {
            "A": "A-6 / hypo",
            "B": "B-6",
        }
        far = items[((), (30,))]
        assert far.centre == pytest.approx(tuple(GRID.affine[:3, :3] @ [34.5, 34.5, 16.5]))
        assert far.radius_mm >= np.linalg.norm([0.5, 0.5, 1.0])
        assert str(session.progress) == "7 of 7 left"
        assert {i.item_id for i in session.agreed} == {"sub-01:A=1:B=1", "sub-01:A=4:B=4"}


def test_every_decision_lands_in_the_consensus_voxel_by_voxel(study):
    a, b = planted()
    seen = {"current": [], "decided": [], "progress": []}
    with ConsensusSession(study, "sub-01", ["A", "B"], decider="lead", **OPTIONS) as session:
        for name, values in seen.items():
            getattr(session.events, name).subscribe(values.append)
        items = by_sources(session)
        assert session.next() is session.items[0]
        rules = {
            ((2,), ()): "accept-a",
            ((), (30,)): "reject",
            ((3,), (3,)): "intersection",
            ((5,), (5, 21)): "union",
            ((6, 7), (6,)): "accept-b",
            ((8,), (8,)): "accept-a",
        }
        with pytest.raises(FerretError):
            session.decide(items[((2,), ())], "intersection")
        decisions = {key: session.decide(items[key], rule) for key, rule in rules.items()}
        ninth = items[((9,), (9,))]
        session.prepare_edit(ninth)
        painted = cube((14, 26, 4), (2, 2, 2))
        with session.labels.stroke():
            box = (slice(14, 16), slice(26, 28), slice(4, 6))
            session.labels.write(box, np.full((2, 2, 2), session.labels.reserve_id(), np.int32))
        decisions[((9,), (9,))] = session.decide(ninth, "edited")
        assert session.remaining == [] and session.current is None
        assert [p.left for p in seen["progress"]] == list(range(6, -1, -1))
        assert len(seen["decided"]) == 7 and seen["current"][-1] is None
        consensus = session.labels.data.copy()
    expected = {
        ((2,), ()): a[2],
        ((3,), (3,)): a[3] & b[3],
        ((5,), (5, 21)): a[5] | b[5] | b[21],
        ((6, 7), (6,)): b[6],
        ((8,), (8,)): a[8],
        ((9,), (9,)): painted,
    }
    assert decisions[((), (30,))].lesions == ()
    agreed = a[1] | b[1] | a[4] | b[4]
    covered = agreed.copy()
    for key, mask in expected.items():
        (lesion,) = decisions[key].lesions
        assert np.array_equal(consensus == lesion, mask), key
        covered |= mask
    assert not consensus[~covered].any()
    assert len(np.unique(consensus[agreed])) == 2  # lesions 1 and 4, by union, one ID each
    check_records(study, decisions)


def check_records(study, decisions):
    labels, rows = ReviewWorkspace(study).read("consensus", "sub-01")
    row = {r.lesion_id: r for r in rows}
    (only_a,) = decisions[((2,), ())].lesions
    assert (row[only_a].type, row[only_a].onset_visit) == ("A-CMI", "ses-01")
    assert row[only_a].origin == "consensus-accept-a"
    (merged,) = decisions[((6, 7), (6,))].lesions
    assert row[merged].ratings == {"dwi_onset": "hyper", "md_onset": "B-6"}
    (eighth,) = decisions[((8,), (8,))].lesions
    assert row[eighth].ratings["dwi_onset"] == "hyper" and row[eighth].onset_visit == "ses-02"
    (split,) = decisions[((5,), (5, 21))].lesions
    assert row[split].ratings == {"dwi_onset": "hyper", "md_onset": "hypo"}
    (edited,) = decisions[((9,), (9,))].lesions
    assert row[edited].type == "A-CMI" and row[edited].ratings["dwi_onset"] == "hyper"
    assert len(rows) == 8  # 6 decided lesions + the 2 agreed pairs
    decided = [r for r in audit_rows(study) if r["action"] == "consensus_decision"]
    assert len(decided) == 9 and {r["after"]["decider"] for r in decided} == {"lead"}
    by_item = {r["field"]: r for r in decided}
    assert sum(r["after"]["auto"] for r in decided) == 2
    split_row = by_item["sub-01:A=5:B=5,21"]
    assert split_row["before"] == {"kind": "split", "sources": {"A": [5], "B": [5, 21]}}
    assert split_row["after"]["rule"] == "union" and split_row["after"]["lesions"] == [split]
    assert by_item["sub-01:A=:B=30"]["after"]["rule"] == "reject"
    assert all(r["time"] and r["rater"] == "consensus" for r in decided)


def audit_rows(study):
    store = RaterStore(
        rater_folder(study, "consensus") / "sub-01", "consensus", "sub-01", readonly=True
    )
    try:
        return store.audit_log()
    finally:
        store.close()


def test_reopening_offers_nothing_twice_and_logs_each_opening(study):
    with ConsensusSession(study, "sub-01", ["A", "B"], decider="lead", **OPTIONS) as session:
        first, second = session.items[:2]
        session.decide(first, "reject")
        session.decide(second, "union")
        consensus = session.labels.data.copy()
    with ConsensusSession(study, "sub-01", ["A", "B"], decider="other", **OPTIONS) as session:
        assert str(session.progress) == "5 of 7 left"
        assert [i.item_id for i in session.remaining] == [i.item_id for i in session.items[2:]]
        assert session.next() is session.items[2]
        assert np.array_equal(session.labels.data, consensus)
        with pytest.raises(FerretError):
            session.decide(first, "union")
    rows = audit_rows(study)
    opened = [r for r in rows if r["action"] == "consensus_open"]
    assert [r["after"]["decider"] for r in opened] == ["lead", "other"]
    assert opened[1]["after"]["raters"] == ["A", "B"] and opened[1]["after"]["decided"] == 2
    assert sum(r["action"] == "consensus_decision" for r in rows) == 4  # 2 agreed + 2 decided


def test_the_consensus_is_locked_and_cannot_be_one_of_the_raters(study):
    with ConsensusSession(study, "sub-01", ["A", "B"], **OPTIONS):
        with pytest.raises(FerretError, match="already open"):
            ConsensusSession(study, "sub-01", ["A", "B"], **OPTIONS)
    with pytest.raises(FerretError):
        ConsensusSession(study, "sub-01", ["A", "B"], into="A")


DECIDER = textwrap.dedent(
    """
    import sys
    from processing.consensus.session import ConsensusSession

    session = ConsensusSession(sys.argv[1], "sub-01", ["A", "B"], decider="lead",
                               checkpoint_delay=0.05, backup_interval=3600)
    print("open", flush=True)
    while session.remaining:
        item = session.remaining[0]
        session.decide(item, session.rules(item)[0])
        print(item.item_id, flush=True)
        sys.stdin.readline()  # the test says when to go on
    print("done", flush=True)
    """
)


def test_a_kill_loses_no_completed_decision_and_leaves_the_store_sound(study):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-c", DECIDER, str(study)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "open"
    done = [child.stdout.readline().strip()]
    for _ in range(3):
        child.stdin.write("\n")
        child.stdin.flush()
        done.append(child.stdout.readline().strip())
    child.stdin.write("\n")  # a fifth decision starts: the kill may land inside it
    child.stdin.flush()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert inspect_store(rater_folder(study, "consensus") / "sub-01", "sub-01") == []
    a, b = planted()
    with ConsensusSession(study, "sub-01", ["A", "B"], decider="lead", **OPTIONS) as session:
        decided = {i.item_id for i in session.items} - {i.item_id for i in session.remaining}
        assert set(done) <= decided and len(decided) <= len(done) + 1
        for item in session.remaining:
            session.decide(item, session.rules(item)[0])
        consensus = session.labels.data.copy()
    labels, rows = ReviewWorkspace(study).read("consensus", "sub-01")
    assert np.array_equal(labels.data, consensus)
    expected = a[2] | a[3] | a[5] | a[6] | a[7] | a[8] | a[9] | b[30] | a[1] | b[1] | a[4] | b[4]
    assert np.array_equal(consensus > 0, expected)  # the first rule of each, union of the agreed
    assert len(rows) == len(np.unique(consensus[consensus > 0]))
    items = [r for r in audit_rows(study) if r["action"] == "consensus_decision"]
    assert len({r["field"] for r in items}) == len(items) == 9


def test_the_queue_command_lists_the_planted_items_and_marks_the_decided(study, capsys):
    from app.cli import main

    with ConsensusSession(study, "sub-01", ["A", "B"], decider="lead", **OPTIONS) as session:
        session.decide(by_sources(session)[((2,), ())], "accept-a")
    out = study / "queue.csv"
    args = ["consensus", "queue", str(study), "--raters", "A,B", "--participant", "sub-01"]
    assert main([*args, "--out", str(out)]) == 0
    assert "6 of 7 left" in capsys.readouterr().out
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    kinds = {
        (tuple(map(int, r["lesions_A"].split())), tuple(map(int, r["lesions_B"].split()))): r[
            "kind"
        ]
        for r in rows
    }
    assert kinds == EXPECTED
    assert [r["item_id"] for r in rows if r["decided"] == "True"] == ["sub-01:A=2:B="]
    assert (
        next(r for r in rows if r["item_id"] == "sub-01:A=8:B=8")["differs"] == "rating:dwi_onset"
    )
