"""Painting on a view shown by header alignment (not registered yet): drawn, read out, moved later (12.2)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from app.jobs import refresh_participant
from processing.annotations.relocation import PAINTED, unregistered_origin
from processing.annotations.workspace import read_only_store
from processing.registration import store as registration_store
from processing.study import discover
from tests.app.test_rating_onset import paint_on_row

MOVE = np.array(
    [[0.996, -0.087, 0.0, 2.5], [0.087, 0.996, 0.0, -2.0], [0.0, 0.0, 1.0, 3.0], [0, 0, 0, 1]]
)


@pytest.fixture
def window(phantom_copy, open_rating_window):
    window = open_rating_window(phantom_copy, "K")
    yield window
    window.close()


def register(window, session: str, acquisition: str):
    """Write the composed transform of a visit's acquisition, as the registration chain does; rediscover."""
    visit = discover(window.study.root).participants["sub-01"].visit(session)
    path = registration_store.xfm_path(visit, acquisition, "ref")
    path.parent.mkdir(parents=True, exist_ok=True)
    registration_store.write_transform(
        path, MOVE, source=acquisition, target="ref", method="test", parameters={}, inputs=[]
    )
    refresh_participant(window.study, "sub-01")
    return path


def records(window) -> dict:
    with read_only_store(window.study.root, "K", "sub-01") as store:
        return {record.lesion_id: record for record in store.lesions()}


def test_a_lesion_painted_unregistered_is_drawn_named_and_moves_with_its_registration(
    qtbot, window
):
    grid, session = window.session.grid, window.rating.annotation.session
    cell = grid.cells[("ses-02", "b1000")]
    assert (
        not cell.placement.registered and cell.source.acquisition
    )  # header-aligned: the case of 12.2
    paint_on_row(qtbot, window, "ses-02")
    ((lesion_id, record),) = records(window).items()
    assert record.origin == unregistered_origin(cell.source.acquisition)
    voxels = np.argwhere(session.labels.data == lesion_id)
    centre = session.labels.grid.voxel_to_world(voxels.mean(0))
    # drawn over every tile of the slice it crosses, and named by the read-out there
    overlay = next(iter(window.rating.annotation.overlays.values()))
    qtbot.waitUntil(
        lambda: overlay.shown_ids is not None and (overlay.shown_ids == lesion_id).any()
    )
    grid.cursor.set_position(session.labels.grid.voxel_to_world(voxels[0]))
    panel = window.readout
    qtbot.waitUntil(lambda: f"A-CMI {lesion_id} (yours)" in panel.lesion.text())
    assert "painted on ses-02" in session.table.rows[0]["warning"]
    # the registration of that acquisition arrives: the lesion moves with the image
    path = register(window, "ses-02", cell.source.acquisition)
    window.take_outputs("sub-01", [path])  # what the background run announces
    qtbot.waitUntil(lambda: records(window)[lesion_id].origin == PAINTED)
    moved = session.labels.grid.voxel_to_world(
        np.argwhere(session.labels.data == lesion_id).mean(0)
    )
    assert np.linalg.norm(moved - (MOVE[:3, :3] @ centre + MOVE[:3, 3])) < 0.5 * min(
        session.labels.grid.spacing
    )
    assert "moved with the registration" in window.statusBar().currentMessage()
    assert (
        not session.table.rows[0]["warning"] or "painted on" not in session.table.rows[0]["warning"]
    )
    grid.cursor.set_position(moved)
    qtbot.waitUntil(lambda: f"A-CMI {lesion_id} (yours)" in panel.lesion.text())
    QtCore.QCoreApplication.processEvents()


def test_review_mode_draws_and_names_a_rater_mask_in_every_visit_row(
    qtbot, phantom_copy, open_rating_window
):
    rating = open_rating_window(phantom_copy, "K")
    paint_on_row(qtbot, rating, "ses-03")
    labels = rating.rating.annotation.session.labels
    lesion_voxel = np.argwhere(labels.data > 0)[0]
    world = labels.grid.voxel_to_world(lesion_voxel)
    rating.close()
    window = open_rating_window(phantom_copy, None)
    grid = window.session.grid
    window.rating.set_review(True)
    grid.cursor.set_position(world)
    shown = [cell for cell in grid.cells.values() if cell.source.loadable]
    assert {cell.visit.session for cell in shown} == {"ses-01", "ses-02", "ses-03", "ses-04"}
    for cell in shown:  # every row, registered or not, draws it ...
        ((slicer,),) = [
            [
                s
                for s, layer in zip(cell.slicers, cell.layers, strict=True)
                if layer.name == "rater K"
            ]
        ]
        assert slicer.mask(grid.geometry.plane, grid.cursor.position).data.any(), cell.key
        grid.set_focus(*cell.key)  # ... and the read-out names it there
        assert any("rater K" in text for text in grid.lesions_at_cursor()), cell.key
    window.close()


def test_a_relocation_waits_for_the_stroke_and_undo_never_cuts_the_moved_lesion(qtbot, window):
    from viewers.state.tools import event

    grid, session = window.session.grid, window.rating.annotation.session
    cell = grid.cells[("ses-02", "b1000")]
    paint_on_row(qtbot, window, "ses-02")
    ((lesion_id, _),) = records(window).items()
    path = register(window, "ses-02", cell.source.acquisition)
    far = tuple(np.asarray(grid.cursor.position) + np.array([-20.0, -20.0, 0.0]))
    session.toolbox.press(event(far))  # the rater is in the middle of another stroke
    window.take_outputs("sub-01", [path])
    assert records(window)[lesion_id].origin != PAINTED  # not moved inside the stroke
    session.toolbox.release(event(far))
    qtbot.waitUntil(
        lambda: records(window)[lesion_id].origin == PAINTED
    )  # moved once it was committed
    moved = session.labels.data == lesion_id
    assert moved.any()
    assert not session.toolbox.undo()  # the strokes before the move cannot cut it apart
    assert np.array_equal(session.labels.data == lesion_id, moved)
