"""Save latency through the app's rating path: a mouse stroke on a real SliceView (offscreen Qt).

A RaterSession is attached to an axial SliceView with ``attach_annotation``;
each stroke is Qt mouse press / moves / release sent to the view's viewport.
Measured from the moment the release event is sent:

- journal on disk: until a separate read-only SQLite connection sees the stroke;
- NIfTI on disk: until the label file on disk carries the stroke's journal seq;
- rating on disk: a key press in the rating form until the separate connection sees it.

Also the cost of the release itself in the GUI thread (journal write, lesion
table refresh, form) and of one mask-overlay redraw. Prints one JSON object per
figure. Run: ``.venv/bin/python bench/annotation_gui_latency.py``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nibabel as nib
import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6 import QtCore, QtWidgets  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from app.annotation import RaterSession, attach_annotation  # noqa: E402
from viewers.state import ViewGeometry, WindowLevel  # noqa: E402
from viewers.state.slice_view_model import SliceViewModel  # noqa: E402
from viewers.state.volume import Volume  # noqa: E402
from viewers.widgets import SliceView  # noqa: E402

GRIDS = {"dwi_1.7mm": ((128, 128, 80), 1.7), "mp2rage_0.85mm": ((256, 256, 192), 0.85)}
LEFT = QtCore.Qt.MouseButton.LeftButton


def report(name: str, value: float, unit: str = "ms") -> None:
    print(
        json.dumps(
            {"name": name, "value": round(value, 2), "unit": unit, "peer": None, "peer_value": None}
        ),
        flush=True,
    )


def make_study(root: Path, shape, spacing: float) -> Path:
    folder = root / "sub-01" / "ses-01" / "dwi"
    folder.mkdir(parents=True)
    affine = np.diag([spacing, spacing, spacing, 1.0])
    affine[:3, 3] = -np.array(shape) * spacing / 2
    data = np.random.default_rng(0).uniform(0, 100, shape + (1,)).astype(np.float32)
    nib.save(nib.Nifti1Image(data, affine), folder / "sub-01_ses-01_dwi.nii.gz")
    return root


def wait(condition, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError
        QtWidgets.QApplication.processEvents()
        time.sleep(0.001)


def bench(label: str, shape, spacing: float, strokes: int = 10) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        study = make_study(Path(tmp) / "study", shape, spacing)
        session = RaterSession(study, "bench", "sub-01", visit="ses-01")
        image = nib.load(study / "sub-01" / "ses-01" / "dwi" / "sub-01_ses-01_dwi.nii.gz")
        model = SliceViewModel(session.cursor, ViewGeometry("axial"), WindowLevel())
        model.set_volume(
            Volume.from_array(np.asarray(image.dataobj)[..., 0], image.affine, "DWI", "ses-01")
        )
        view = SliceView(model)
        view.resize(600, 600)
        view.show()
        attachment = attach_annotation([view], session)
        attachment.panel.tools.set_brush_size(3.0)
        reader = sqlite3.connect(f"file:{session.annotation.store.db_path}?mode=ro", uri=True)
        labels_path = session.annotation.store.labels_path
        in_gui, journal, nifti, rating, overlay = [], [], [], [], []
        for n in range(strokes):
            u, v = -40.0 + 8 * n, 0.0
            points = [
                view.mapFromScene(view.view_box.mapViewToScene(QtCore.QPointF(u + d, v)))
                for d in (0, 2, 4)
            ]
            QTest.mousePress(view.viewport(), LEFT, pos=points[0])
            for point in points[1:]:
                QTest.mouseMove(view.viewport(), point)
            start = time.perf_counter()
            QTest.mouseRelease(view.viewport(), LEFT, pos=points[-1])
            in_gui.append(time.perf_counter() - start)
            seq = session.annotation.store.journal_seq
            wait(
                lambda seq=seq: (
                    reader.execute("SELECT COALESCE(MAX(seq), 0) FROM strokes").fetchone()[0] >= seq
                )
            )
            journal.append(time.perf_counter() - start)
            wait(
                lambda seq=seq: (
                    labels_path.exists()
                    and nib.load(labels_path).header["descrip"].tobytes().split(b"\0")[0]
                    == f"ferret-seq={seq}".encode()
                )
            )
            nifti.append(time.perf_counter() - start)
            start = time.perf_counter()
            session.form.press("h")
            wait(
                lambda n=n: (
                    reader.execute(
                        "SELECT COUNT(*) FROM ratings WHERE value IS NOT NULL"
                    ).fetchone()[0]
                    > n
                )
            )
            rating.append(time.perf_counter() - start)
            start = time.perf_counter()
            attachment.overlays[view].redraw()
            overlay.append(time.perf_counter() - start)
        reader.close()
        report(f"annotation_gui_release_in_gui_thread_{label}", 1000 * statistics.median(in_gui))
        report(
            f"annotation_gui_release_to_journal_on_disk_{label}", 1000 * statistics.median(journal)
        )
        report(f"annotation_gui_release_to_journal_on_disk_max_{label}", 1000 * max(journal))
        report(f"annotation_gui_release_to_nifti_on_disk_{label}", 1000 * statistics.median(nifti))
        report(f"annotation_gui_release_to_nifti_on_disk_max_{label}", 1000 * max(nifti))
        report(f"annotation_gui_rating_key_to_disk_{label}", 1000 * statistics.median(rating))
        report(f"annotation_gui_mask_overlay_redraw_{label}", 1000 * statistics.median(overlay))
        view.close()
        session.close()


if __name__ == "__main__":
    application = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    for name, (grid_shape, grid_spacing) in GRIDS.items():
        bench(name, grid_shape, grid_spacing)
