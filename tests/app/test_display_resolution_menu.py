"""View -> Display resolution in the main window (qtbot, offscreen): reload, cursor kept, remembered."""

import json

import numpy as np
import pytest

from app.main_window import MainWindow
from tests.viewers.display_data import write_participant

pytestmark = pytest.mark.gui


@pytest.fixture
def study(tmp_path):
    return write_participant(tmp_path / "study")


def open_window(qtbot, study, settings_file):
    window = MainWindow(study, settings_file=settings_file)
    qtbot.addWidget(window)
    window.resize(1400, 800)
    window.start()
    window.show()
    qtbot.waitExposed(window)
    window.wait_for_images()
    return window


def entry(window, text: str):
    return next(a for a in window.menus.resolution.menu.actions() if a.text().startswith(text))


def test_the_menu_reloads_at_0_85_mm_keeping_the_cursor_and_is_remembered(qtbot, study, tmp_path):
    settings_file = tmp_path / "settings.json"
    window = open_window(qtbot, study, settings_file)
    grid = window.session.grid
    reference = entry(window, "Reference grid")
    window.menus.resolution.refresh()
    assert reference.isChecked() and reference.text().endswith("3.4 mm")
    assert grid.placer.display_grid.shape == (32, 32, 20)
    grid.cursor.set_position([6.1, -8.2, 3.3])
    entry(window, "Anatomical").trigger()
    assert not window.loading.isHidden()  # the reload's progress, in the status bar
    assert window.loading.format().startswith("Loading at 0.85 mm")
    qtbot.waitUntil(lambda: window.loading.isHidden(), timeout=60_000)
    loadable = [cell for cell in grid.cells.values() if cell.source.loadable]
    assert len(loadable) == 8 and all(cell.state == "shown" for cell in loadable)
    assert window.loading.value() == window.loading.maximum() == 8
    assert grid.placer.display_grid.spacing.tolist() == [0.85, 0.85, 0.85]
    assert grid.placer.display_grid.shape == (128, 128, 80)
    assert grid.cursor.position == pytest.approx([6.1, -8.2, 3.3])
    shapes = {
        key: cell.view.volume.data.shape for key, cell in grid.cells.items() if cell.view.volume
    }
    assert shapes[("ses-02", "R1")] == (64, 64, 40)  # R1's own 1.7 mm voxels, not finer
    assert shapes[("ses-02", "SWI")] == (128, 128, 20)  # 1.6 mm in plane, 4 mm slices
    assert entry(window, "Anatomical").isChecked() and not reference.isChecked()
    tile = window.grid_view.view("ses-01", "R1")
    window.grid_view.canvas.repaint()
    picture = tile.grab().toImage()
    x, y = (int(c - o) for c, o in zip(tile.crosshair_pixel(), tile.rect[:2], strict=False))
    grey = picture.pixelColor(x + 3, y + 3)
    assert grey.red() > 20  # the head is drawn at the cursor after the reload
    window.close()
    saved = json.loads(settings_file.read_text())
    assert saved["display"]["display_spacing_mm"] == 0.85
    again = open_window(qtbot, study, settings_file)
    assert again.session.grid.display_spacing_mm == 0.85
    assert again.session.grid.placer.display_grid.shape == (128, 128, 80)
    assert entry(again, "Anatomical").isChecked()
    volume = again.session.grid.cell("ses-01", "b1000").view.volume
    assert np.diag(volume.affine)[:3] == pytest.approx([3.4, 3.4, 3.4], rel=1e-6)
    again.close()
