"""Rating mode in the grid: blinding of overlays (model), painting in one grid cell (window, qtbot)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from app.annotation import RaterSession
from processing.study import discover
from viewers.state.grid import GridModel
from viewers.state.loader import VolumeLoader
from viewers.state.tools.label_slice import PALETTE

LEFT = QtCore.Qt.MouseButton.LeftButton


def paint_a_lesion(root, rater: str) -> None:
    """Rater ``rater`` paints one dab at the reference grid's centre, then closes the session."""
    from viewers.state.tools import event

    session = RaterSession(root, rater, "sub-01", visit="ses-01")
    try:
        centre = tuple(session.cursor.position)
        session.toolbox.press(event(centre))
        session.toolbox.release(event(centre))
        assert session.labels.data.any()
    finally:
        session.close()


def overlays_of(root, mode: str):
    loader = VolumeLoader()
    grid = GridModel(loader, overlay_mode=mode)
    grid.open(discover(root).participants["sub-01"])
    loader.wait()
    names = {layer.name for cell in grid.cells.values() for layer in cell.layers}
    sources = {lesion.source for lesion in grid.overlays.lesions}
    return grid, loader, names, sources


def test_rating_mode_hides_other_raters_and_the_truth_review_shows_them(phantom_copy):
    paint_a_lesion(phantom_copy, "B")
    grid, loader, names, sources = overlays_of(phantom_copy, "rating")
    assert names == set() and sources == set() and grid.overlays.truth is None
    grid.set_overlay_mode("review")  # an explicit switch re-reads the overlays
    loader.wait()
    assert "rater B" in {layer.name for cell in grid.cells.values() for layer in cell.layers}
    assert "rater B" in {lesion.source for lesion in grid.overlays.lesions}
    loader.shutdown()
    _, loader, names, sources = overlays_of(phantom_copy, "view")
    assert (
        "rater B" not in names and "rater B" not in sources and "truth" in names
    )  # the demo truth only
    loader.shutdown()
    with pytest.raises(ValueError):
        GridModel(VolumeLoader(), overlay_mode="peek")


@pytest.mark.gui
def test_painting_in_one_grid_cell_reaches_the_labels_and_every_cell_of_the_visit(
    qtbot, phantom_copy, open_rating_window
):
    paint_a_lesion(phantom_copy, "B")  # another rater's work: must stay invisible
    window = open_rating_window(phantom_copy, "A", "ses-01")
    attachment = window.rating.annotation
    canvas, session = window.grid_view.canvas, attachment.session
    assert canvas in attachment.overlays and session.cursor is window.session.grid.cursor
    assert not session.labels.data.any()  # rater A starts blind to rater B's mask
    assert not window.menus.review.isEnabled()
    attachment.style.set(mode="fill", opacity=1.0)
    tile = window.grid_view.view("ses-01", "b1000")
    start = QtCore.QPoint(
        tile.rect[0] + tile.rect[2] // 2 + 15, tile.rect[1] + tile.rect[3] // 2 + 12
    )  # off the crosshair
    end = start + QtCore.QPoint(8, 0)
    cursor_before = window.session.grid.cursor.position
    qtbot.mousePress(canvas, LEFT, pos=start)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, LEFT, pos=end)
    assert np.allclose(
        window.session.grid.cursor.position, cursor_before
    )  # painting, not navigating
    world = canvas.hit(QtCore.QPointF(start), tile).world
    voxel = tuple(np.floor(session.labels.grid.world_to_voxel(world) + 0.5).astype(int))
    assert session.labels.data[voxel] > 0  # the stroke is in the one label volume
    overlay = attachment.overlays[canvas]
    session.select(None)  # the new lesion is selected (drawn white): show it in its own colour
    overlay.shown_ids = None  # forget the last drawing: the wait below sees the next redraw
    qtbot.waitUntil(lambda: attachment.session.toolbox.selection.lesion_id is None)
    qtbot.waitUntil(lambda: overlay.shown_ids is not None and overlay.shown_ids.any())
    canvas.repaint()
    picture = canvas.grab().toImage()
    u, v = window.session.grid.geometry.plane.to_plane(world)
    others = [
        t
        for (s, k), t in window.grid_view.views.items()
        if s == "ses-01" and k != "b1000" and t.model.volume is not None
    ]
    assert others
    for other in others:  # drawn at the same plane point in every other cell of the visit
        x, y = other.current_frame().to_pixel(u, v)
        colour = picture.pixelColor(int(x), int(y))
        assert (colour.red(), colour.green(), colour.blue()) == tuple(PALETTE[0]), other.cell.key
    analysis = window.rating.analysis  # the analysis dock follows the rater's own masks
    assert analysis is not None and analysis.rater == "A" and analysis.session is session
    # a recompute may still be running ("updating..."): wait for the one that names the rater
    qtbot.waitUntil(
        lambda: analysis.panel.result is not None and "rater A" in analysis.panel.status.text(),
        timeout=60000,
    )
    window.close()
    RaterSession(phantom_copy, "A", "sub-01").close()  # the window released the rater's lock
