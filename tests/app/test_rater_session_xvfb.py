"""A real window under Xvfb driven by xdotool: paint, rate, kill -9 mid-stroke, reopen, export.

The window process (this file run as a script under ``xvfb-run``) shows an
axial and a coronal view of the first visit's DWI with the annotation dock
attached by ``attach_annotation``, and prints where on screen to press. The
test moves the real X pointer and types with xdotool, sees the rating land in
the SQLite file from outside, presses the button for a second stroke and kills
the window process before releasing it.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(
        not (shutil.which("xvfb-run") and shutil.which("xdotool")),
        reason="needs xvfb-run and xdotool",
    ),
]
AFFINE = np.array([[1.5, 0, 0, -30.0], [0, 1.5, 0, -30.0], [0, 0, 2.0, -16.0], [0, 0, 0, 1]])
SHAPE = (40, 40, 16)


def make_study(root: Path) -> Path:
    folder = root / "sub-01" / "ses-01" / "dwi"
    folder.mkdir(parents=True)
    data = np.random.default_rng(0).uniform(100, 200, SHAPE + (2,)).astype(np.float32)
    nib.save(nib.Nifti1Image(data, AFFINE), folder / "sub-01_ses-01_dwi.nii.gz")
    (root / "participants.tsv").write_text("participant_id\tage\nsub-01\t71\n")
    return root


def window_process(study: Path) -> None:
    """Show the window and print the screen points of the strokes and of the form."""
    from PySide6 import QtCore, QtWidgets

    from app.annotation import RaterSession, attach_annotation
    from viewers.state import ViewGeometry, WindowLevel, WorldCursor
    from viewers.state.slice_view_model import SliceViewModel
    from viewers.state.volume import Volume
    from viewers.widgets import SliceView

    app = QtWidgets.QApplication([])
    image = nib.load(study / "sub-01" / "ses-01" / "dwi" / "sub-01_ses-01_dwi.nii.gz")
    volume = Volume.from_array(np.asarray(image.dataobj)[..., 0], image.affine, "DWI", "ses-01")
    cursor, level, views = WorldCursor(volume.centre), WindowLevel(), []
    main, grid = QtWidgets.QMainWindow(), QtWidgets.QWidget()
    row = QtWidgets.QHBoxLayout(grid)
    for orientation in ("axial", "coronal"):
        model = SliceViewModel(cursor, ViewGeometry(orientation), level)
        model.set_volume(volume)
        views.append(SliceView(model, orientation))
        row.addWidget(views[-1])
    main.setCentralWidget(grid)
    session = RaterSession(study, "X", "sub-01", visit="ses-01", cursor=cursor)
    attachment = attach_annotation(main, session)
    attachment.panel.tools.set_brush_size(3.0)
    report_strokes(session.labels)
    main.setGeometry(0, 0, 1200, 700)
    main.show()

    def report() -> None:
        axial, coronal = views
        x, y, z = cursor.position

        def screen(view, u, v):
            point = view.viewport().mapToGlobal(
                view.mapFromScene(view.view_box.mapViewToScene(QtCore.QPointF(u, v)))
            )
            return [point.x(), point.y()]

        title = attachment.panel.form.title
        print(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "display": os.environ["DISPLAY"],
                    "xauthority": os.environ.get("XAUTHORITY", ""),
                    "cursor": [x, y, z],
                    "first": [
                        screen(axial, x - 4, y),
                        screen(axial, x, y),
                        screen(axial, x + 4, y),
                    ],
                    "second": [screen(coronal, x - 9, z + 6), screen(coronal, x - 5, z + 6)],
                    "form": [
                        title.mapToGlobal(title.rect().center()).x(),
                        title.mapToGlobal(title.rect().center()).y(),
                    ],
                }
            ),
            flush=True,
        )

    QtCore.QTimer.singleShot(1500, report)
    app.exec()


def report_strokes(labels) -> None:
    """Print ``painting`` at the first dab of every stroke, so that the test knows one is under way."""
    fresh = [True]

    def on_live(edit) -> None:
        if fresh[0] and labels.in_stroke:
            fresh[0] = False
            print("painting", flush=True)

    def on_change(edit) -> None:
        fresh[0] = True

    labels.subscribe_live(on_live)
    labels.subscribe(on_change)


def xdotool(info: dict, *args: str) -> None:
    env = dict(os.environ, DISPLAY=info["display"], XAUTHORITY=info["xauthority"])
    subprocess.run(["xdotool", *args], check=True, env=env, timeout=30)


def wait_for(condition, timeout: float = 20.0) -> float:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "timed out"
        time.sleep(0.01)
    return time.monotonic() - start


def all_threads_gone(pid: int) -> bool:
    """Return True when no thread of ``pid`` is still running (gone, or only a zombie left)."""
    try:
        states = [
            (task / "stat").read_text().split(")")[-1].split()[0]
            for task in Path(f"/proc/{pid}/task").iterdir()
        ]
    except OSError:
        return True
    return all(state in ("Z", "X") for state in states)


def ratings_on_disk(db: Path) -> dict:
    if not db.exists():
        return {}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return dict(connection.execute("SELECT field, value FROM ratings WHERE value IS NOT NULL"))


@pytest.mark.slow
def test_real_window_paint_rate_kill_reopen_export(tmp_path):
    from app.annotation import RaterSession
    from processing.annotations.export import export_rater

    study = make_study(tmp_path / "study")
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root), QT_QPA_PLATFORM="xcb")
    process = subprocess.Popen(
        ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable, __file__, str(study)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=root,
        start_new_session=True,
    )
    try:
        info = json.loads(process.stdout.readline())
        first, second = info["first"], info["second"]
        xdotool(info, "mousemove", *map(str, first[0]), "mousedown", "1")
        for point in first[1:]:
            xdotool(info, "mousemove", *map(str, point))
        xdotool(info, "mouseup", "1")
        xdotool(info, "mousemove", *map(str, info["form"]), "click", "1")
        xdotool(info, "key", "h", "o")
        db = (
            study
            / "derivatives"
            / "ferret-annotations"
            / "rater-X"
            / "sub-01"
            / "sub-01_annotations.sqlite"
        )
        wait_for(lambda: ratings_on_disk(db) == {"dwi_onset": "hyper", "md_onset": "hypo"})
        xdotool(info, "mousemove", *map(str, second[0]), "mousedown", "1")
        xdotool(info, "mousemove", *map(str, second[1]))
        strokes = [process.stdout.readline().strip() for _ in range(2)]
        assert strokes == ["painting"] * 2  # the second stroke is painted in memory, not released
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the window process and its Xvfb
        process.wait(30)
    # a killed process's threads may still be finishing a write (fsync) after its main thread is a zombie;
    # the rater's lock is free only once the last one is gone
    wait_for(lambda: all_threads_gone(info["pid"]))
    session = RaterSession(study, "X", "sub-01")
    try:
        assert session.labels.ids() == [1]  # the unfinished second stroke is gone
        painted = session.labels.grid.voxel_to_world(np.argwhere(session.labels.data == 1))
        cursor = np.array(info["cursor"])
        assert np.ptp(painted[:, 0]) >= 6.0 and np.all(np.abs(painted[:, 1] - cursor[1]) <= 2.0)
        assert np.all(np.abs(painted[:, 2] - cursor[2]) <= 1.0)  # one axial slab through the cursor
        voxels = session.labels.data.copy()
    finally:
        session.close()
    export_rater(study, "X", study / "derivatives" / "export")
    exported = nib.load(
        study / "derivatives" / "export" / "sub-01" / "sub-01_space-ref_desc-lesions_dseg.nii.gz"
    )
    assert np.array_equal(np.asarray(exported.dataobj), voxels)
    with open(study / "derivatives" / "export" / "rater-X_lesions.csv", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["lesion_id"], row["rating_dwi_onset"], row["rating_md_onset"]) == (
        "1",
        "hyper",
        "hypo",
    )


if __name__ == "__main__":
    window_process(Path(sys.argv[1]))
