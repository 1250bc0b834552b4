"""An open main window keeps cyclic garbage collection in the GUI thread (viewers.widgets.collector)."""

import gc

import pytest

from app.main_window import MainWindow
from processing.study import discover
from viewers.widgets.collector import GuiThreadCollector

pytestmark = pytest.mark.gui


def test_an_open_main_window_holds_the_shared_collector_until_it_closes(qtbot, small_study):
    shared = GuiThreadCollector.shared()
    shared.release_all()  # the test harness's own hold around Qt tests
    assert gc.isenabled()
    window = MainWindow(discover(small_study))
    qtbot.addWidget(window)
    window.start()
    assert shared.held and not gc.isenabled()
    window.close()
    assert not shared.held and gc.isenabled()
