"""A screening session killed (SIGKILL) mid-walk: no stored decision lost, the store sound, no lesion twice.

A child process accepts the even-ranked and rejects the odd-ranked candidates of
:mod:`tests.processing.screening_data` one by one, printing each stored
decision, and is killed while it makes the third. The reopened session offers
exactly the undecided candidates; finishing them gives one lesion per accepted
candidate, also when the kill fell between an accept's voxels and its audit row.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from processing.annotations import ReviewWorkspace
from processing.annotations.integrity import inspect_store
from processing.annotations.workspace import rater_folder
from processing.screening.session import ScreeningSession
from tests.processing.screening_data import write_screening_study
from tests.processing.test_screening_session import OPTIONS, decisions

ROOT = Path(__file__).resolve().parents[2]
SCREENER = textwrap.dedent(
    """
    import sys
    from processing.screening.session import ScreeningSession

    session = ScreeningSession(sys.argv[1], "sub-01", "R",
                               checkpoint_delay=0.05, backup_interval=3600)
    print("open", flush=True)
    while session.remaining:
        item = session.remaining[0]
        session.decide(item, "accept" if item.rank % 2 else "reject")
        print(item.item_id, flush=True)
        sys.stdin.readline()  # the test says when to go on
    """
)


def test_a_kill_loses_no_stored_decision_and_paints_no_lesion_twice(tmp_path):
    study = write_screening_study(tmp_path / "study")
    child = subprocess.Popen(
        [sys.executable, "-c", SCREENER, str(study)],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "open"
    done = [child.stdout.readline().strip()]
    child.stdin.write("\n")
    child.stdin.flush()
    done.append(child.stdout.readline().strip())
    child.stdin.write("\n")  # the third decision starts: the kill may land inside it
    child.stdin.flush()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert inspect_store(rater_folder(study, "R") / "sub-01", "sub-01") == []
    with ScreeningSession(study, "sub-01", "R", **OPTIONS) as session:
        decided = {i.item_id for i in session.items} - {i.item_id for i in session.remaining}
        assert set(done) <= decided and len(decided) <= len(done) + 1
        for item in session.remaining:
            session.decide(item, "accept" if item.rank % 2 else "reject")
        assert str(session.progress) == "4 of 4 reviewed, 2 accepted"
        data = session.labels.data.copy()
    labels, rows = ReviewWorkspace(study).read("R", "sub-01")
    assert np.array_equal(labels.data, data)
    assert len(rows) == len(labels.ids()) == 2  # ranks 1 and 3
    assert {row.onset_visit for row in rows} == {"ses-02", "ses-03"}
    fields = [row["field"] for row in decisions(study)]
    assert len(fields) == len(set(fields)) == 4
