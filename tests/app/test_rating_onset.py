"""The visit a lesion is painted on is its visit and (A-CMI) its onset, editable in the panel (issue 12.3)."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

from processing.annotations.workspace import read_only_store

LEFT = QtCore.Qt.MouseButton.LeftButton


@pytest.fixture
def window(phantom_copy, open_rating_window):
    window = open_rating_window(phantom_copy, "K")  # no --visit
    yield window
    window.close()


def paint_on_row(qtbot, window, session: str) -> None:
    canvas, tile = window.grid_view.canvas, window.grid_view.view(session, "b1000")
    start = QtCore.QPoint(
        tile.rect[0] + tile.rect[2] // 2 + 15, tile.rect[1] + tile.rect[3] // 2 + 12
    )
    qtbot.mousePress(canvas, LEFT, pos=start)
    qtbot.mouseMove(canvas, start + QtCore.QPoint(6, 0))
    qtbot.mouseRelease(canvas, LEFT, pos=start + QtCore.QPoint(6, 0))


def lesions_on_disk(window) -> dict:
    with read_only_store(window.study.root, "K", "sub-01") as store:
        return {record.lesion_id: record for record in store.lesions()}


def test_the_row_of_the_first_stroke_is_the_visit_and_onset_and_the_onset_can_be_changed(
    qtbot, window
):
    assert window.rating.annotation.session.visit is None
    paint_on_row(qtbot, window, "ses-03")
    ((lesion_id, record),) = lesions_on_disk(window).items()
    assert (record.visit, record.onset_visit) == ("ses-03", "ses-03")  # was (None, None)
    panel = window.rating.annotation.panel
    window.rating.annotation.session.select(lesion_id)
    qtbot.waitUntil(lambda: panel.onset_box.currentText() == "ses-03")
    panel.onset_box.setCurrentText("ses-02")
    panel.onset_box.activated.emit(panel.onset_box.currentIndex())
    assert lesions_on_disk(window)[lesion_id].onset_visit == "ses-02"
    assert [r["onset_visit"] for r in window.rating.annotation.session.table.rows] == ["ses-02"]


def test_the_cortex_flag_is_measured_when_the_maps_arrive(qtbot, window):
    import nibabel as nib
    import numpy as np

    from processing.annotations.cortex import BRAIN_NAME, R1_NAME, cortex_mask

    session = window.rating.annotation.session
    paint_on_row(qtbot, window, "ses-02")
    assert [row["in_cortex"] for row in session.table.rows] == [None]  # no R1 map yet
    grid = session.labels.grid  # the maps arrive: R1 and brain mask
    radius = np.linalg.norm(
        (np.indices(grid.shape).T - (np.array(grid.shape) - 1) / 2).T
        / (np.array(grid.shape)[:, None, None, None] / 2),
        axis=0,
    )
    r1 = np.select([radius < 0.55, radius < 0.95], [1.0, 0.6], 0.25).astype(np.float32)
    folder = window.study.root / "derivatives" / "ferret" / "sub-01" / "ses-01"
    for kind, name, data in (
        ("anat", R1_NAME, r1),
        ("dwi", BRAIN_NAME, (radius < 1.0).astype(np.uint8)),
    ):
        (folder / kind).mkdir(parents=True, exist_ok=True)
        nib.save(nib.Nifti1Image(data, grid.affine), folder / kind / f"sub-01_ses-01_{name}")
    window.take_outputs("sub-01", [])
    expected = bool(
        cortex_mask(window.study.root, "sub-01", grid)[session.labels.data > 0].mean() >= 0.5
    )
    assert [row["in_cortex"] for row in session.table.rows] == [expected]
