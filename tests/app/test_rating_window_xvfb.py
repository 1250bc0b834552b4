"""The rater's whole path in the real main window under Xvfb, driven by xdotool (issue 12, "done when").

The window process (this file run as a script under ``xvfb-run``) opens the
main window in rating mode on a copy of the tiny phantom, whose images are not
registered (header-aligned), and prints where on screen the ses-02 DWI tile
and the rating form are. The test clicks one brush dab onto that tile with the
real X pointer, sees the mask drawn in its own and another visit's tile (screen
pixels before and after), gives the form the focus with a click, types a whole
rating with real key presses, quits with Ctrl+Q and exports: the spreadsheet
holds exactly the typed answers, the visit and onset of the row painted on and
a one-voxel diameter.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.app.test_rater_session_xvfb import ratings_on_disk, wait_for, xdotool
from tests.app.test_rating_keyboard import expected_values, keys_for

pytestmark = [
    pytest.mark.gui,
    pytest.mark.slow,
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("xvfb-run", "xdotool", "import")),
        reason="needs xvfb-run, xdotool and ImageMagick's import",
    ),
]
SCREEN = (1600, 1000)


def window_process(study: Path) -> None:
    """Show the rating window and print the screen points to press."""
    from PySide6 import QtCore, QtWidgets

    from app.main_window import MainWindow
    from processing.study import discover

    app = QtWidgets.QApplication([])
    window = MainWindow(discover(study), settings_file=study.parent / "settings.json", rater="K")
    window.setGeometry(0, 0, *SCREEN)
    window.start()
    window.show()

    def report() -> None:
        window.wait_for_images()
        canvas = window.grid_view.canvas

        def tile_point(session: str, dx: int = 14, dy: int = 10) -> list[int]:
            x, y, w, h = window.grid_view.view(session, "b1000").rect
            point = canvas.mapToGlobal(QtCore.QPoint(x + w // 2 + dx, y + h // 2 + dy))
            return [point.x(), point.y()]

        cell = window.session.grid.cells[("ses-02", "b1000")]
        title = window.rating.annotation.panel.form.title
        print(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "display": os.environ["DISPLAY"],
                    "xauthority": os.environ.get("XAUTHORITY", ""),
                    "registered": cell.placement.registered,
                    "dab": tile_point("ses-02"),
                    "other": tile_point("ses-01"),
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


def screen_patch(info: dict, centre: list[int], half: int = 6) -> np.ndarray:
    """RGB pixels of the real screen around a point (ImageMagick's ``import``)."""
    env = dict(os.environ, DISPLAY=info["display"], XAUTHORITY=info["xauthority"])
    x, y = centre[0] - half, centre[1] - half
    raw = subprocess.run(
        [
            "import",
            "-window",
            "root",
            "-crop",
            f"{2 * half}x{2 * half}+{x}+{y}",
            "-depth",
            "8",
            "rgb:-",
        ],
        check=True,
        env=env,
        capture_output=True,
        timeout=30,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(2 * half, 2 * half, 3)


def drawn(info: dict, before: list[np.ndarray]) -> list[bool]:
    """Whether the screen around the dab and the other point changed since ``before``."""
    after = [screen_patch(info, info[name]) for name in ("dab", "other")]
    return [
        np.abs(new.astype(int) - old.astype(int)).sum(axis=2).max() > 60
        for old, new in zip(before, after, strict=True)
    ]


def xdotool_keys(info: dict, keys: list[str]) -> None:
    for key in keys:
        if key == "Enter":
            xdotool(info, "key", "Return")
        elif key == " ":
            xdotool(info, "key", "space")
        else:
            xdotool(info, "type", "--delay", "20", key)


def test_paint_unregistered_rate_from_the_keyboard_quit_and_export(phantom_copy, tmp_path):
    from processing.annotations import load_schemas
    from processing.annotations.export import export_rater

    root = Path(__file__).resolve().parents[2]
    env = dict(
        os.environ,
        PYTHONPATH=str(root),
        QT_QPA_PLATFORM="xcb",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    process = subprocess.Popen(
        [
            "xvfb-run",
            "-a",
            "-s",
            f"-screen 0 {SCREEN[0]}x{SCREEN[1]}x24",
            sys.executable,
            __file__,
            str(phantom_copy),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=root,
        start_new_session=True,
    )
    try:
        info = json.loads(process.stdout.readline())
        assert not info["registered"]  # a header-aligned view
        before = [screen_patch(info, info[name]) for name in ("dab", "other")]
        xdotool(info, "mousemove", *map(str, info["dab"]), "click", "1")  # one brush dab
        db = (
            phantom_copy
            / "derivatives"
            / "ferret-annotations"
            / "rater-K"
            / "sub-01"
            / "sub-01_annotations.sqlite"
        )
        wait_for(lambda: db.exists())
        wait_for(lambda: all(drawn(info, before)))  # the overlay redraws on the next pass
        assert all(drawn(info, before))  # drawn on its tile and another row's
        keys = keys_for(load_schemas(phantom_copy)["A-CMI"])
        xdotool(info, "mousemove", *map(str, info["form"]), "click", "1")
        xdotool_keys(info, keys)
        wanted = expected_values(load_schemas(phantom_copy)["A-CMI"], keys)
        wait_for(lambda: ratings_on_disk(db) == wanted)
        xdotool(info, "key", "ctrl+q")
        process.wait(30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 9)
            process.wait(30)
    export_rater(phantom_copy, "K", tmp_path / "export")
    with open(tmp_path / "export" / "rater-K_lesions.csv", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert {
        k[len("rating_") :]: v for k, v in row.items() if k.startswith("rating_") and v
    } == wanted
    assert (row["visit"], row["onset_visit"]) == ("ses-02", "ses-02")
    assert 3.9 <= float(row["diameter_mm"]) <= 4.1  # one 4 mm voxel of the tiny DWI grid


if __name__ == "__main__":
    window_process(Path(sys.argv[1]))
