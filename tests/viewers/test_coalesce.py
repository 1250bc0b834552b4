"""One coalescer for every burst: one call per burst, with the last arguments; flush and cancel."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from viewers.widgets.coalesce import Coalescer

pytestmark = pytest.mark.gui


def test_a_burst_of_submits_is_one_call_with_the_last_arguments(qtbot):
    calls = []
    drags = Coalescer(lambda *args: calls.append(args))
    for point in [(1, 2), (3, 4), (5, 6)]:
        drags.submit(*point)
    assert calls == [] and drags.pending
    qtbot.waitUntil(lambda: calls == [(5, 6)])
    assert not drags.pending


def test_flush_runs_the_pending_call_now_once_and_cancel_drops_it(qtbot):
    calls = []
    redraws = Coalescer(lambda: calls.append("redraw"), delay_ms=10_000)
    redraws.poke(what="ignored payload")
    redraws.flush()
    redraws.flush()
    assert calls == ["redraw"]
    soon = Coalescer(lambda: calls.append("soon"))  # on the next pass of the event loop
    soon.poke()
    soon.cancel()
    QtWidgets.QApplication.processEvents()  # a zero-delay timer still active would fire here
    assert calls == ["redraw"] and not soon.pending


def test_a_misspelt_event_kind_fails_loudly():
    from viewers.state.geometry import ViewGeometry

    with pytest.raises(AttributeError):
        ViewGeometry().events.zooom.connect(print)
