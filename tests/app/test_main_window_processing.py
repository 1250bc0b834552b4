"""The main window computes a participant's missing derivatives in the background and fills in.

Opened on a fresh phantom (raw scans only), the grid first shows raw images
placed by their headers ("not registered"); as the engine's jobs finish, the
same cells switch to the computed maps, placed by the registration chain,
while the cursor stays where the rater left it.
"""

from __future__ import annotations

import numpy as np
import pytest

from processing.phantom import make_phantom_study
from processing.study import discover

pytestmark = [pytest.mark.slow, pytest.mark.gui]


def test_views_fill_in_as_background_jobs_finish(qtbot, tmp_path):
    from app.main_window import MainWindow

    root = make_phantom_study(tmp_path / "study", visits=2, scale="tiny", seed=3)
    window = MainWindow(discover(root), settings_file=tmp_path / "settings.json", process=True)
    qtbot.addWidget(window)
    window.start()
    grid = window.session.grid
    before = {
        key: (cell.source.status, cell.placement.registered) for key, cell in grid.cells.items()
    }
    assert not any(registered for _, registered in before.values())  # nothing registered yet
    assert window.processing is not None and window.processing.dock is not None
    grid.cursor.set_position(grid.cursor.position + np.array([3.0, -2.0, 1.0]), source="test")
    where = grid.cursor.position.copy()

    qtbot.waitUntil(
        lambda: all(
            cell.placement.registered
            for cell in grid.cells.values()
            if cell.source.acquisition is not None
        ),
        timeout=240_000,
    )
    qtbot.waitUntil(
        lambda: grid.cells[("ses-01", "R2star")].source.status == "derived", timeout=60_000
    )
    assert np.allclose(grid.cursor.position, where)  # the rater's place is kept
    window.close()
