"""Undo/redo of label strokes: one step per stroke, at least 100 steps, bounded memory."""

from __future__ import annotations

import numpy as np

from processing.annotations import Grid, LabelVolume
from viewers.state.tools import ToolBox, event
from viewers.state.undo import LabelHistory, UndoHistory


def painted_toolbox(strokes: int, steps: int = 100):
    labels = LabelVolume(Grid((64, 64, 8), np.diag([1.0, 1.0, 2.0, 1.0])))
    tools = ToolBox(labels, history_steps=steps)
    tools.tools["brush"].size_mm = 3.0
    snapshots = [labels.data.copy()]
    for n in range(strokes):
        x, y = 4 + (n % 14) * 4, 4 + (n // 14) * 4
        tools.press(event((x, y, 4.0)))
        tools.move(event((x + 1, y, 4.0)))
        tools.release(event((x + 2, y, 4.0)))
        snapshots.append(labels.data.copy())
    return labels, tools, snapshots


def test_each_stroke_is_one_step_and_undo_walks_back_exactly():
    labels, tools, snapshots = painted_toolbox(5)
    assert len(tools.history) == 5
    for n in range(5, 0, -1):
        assert tools.undo()
        assert np.array_equal(labels.data, snapshots[n - 1])
    assert not tools.undo()
    for n in range(1, 6):
        assert tools.redo()
        assert np.array_equal(labels.data, snapshots[n])
    assert not tools.redo()


def test_at_least_100_steps_and_no_more_than_the_cap():
    labels, tools, snapshots = painted_toolbox(120, steps=100)
    undone = 0
    while tools.undo():
        undone += 1
    assert undone == 100
    assert np.array_equal(labels.data, snapshots[20])
    while tools.redo():
        pass
    assert np.array_equal(labels.data, snapshots[120])


def test_memory_holds_only_the_touched_regions():
    labels, tools, _ = painted_toolbox(30)
    volume_bytes = labels.data.nbytes
    assert tools.history.nbytes < 30 * volume_bytes / 50  # each stroke's box is a small fraction
    per_item = [item.nbytes for item in tools.history._done]
    # a 3 mm disc dragged 2 mm along x on 1 mm voxels changes a 5 x 3 x 1 box of int32
    assert max(per_item) == 5 * 3 * 1 * 4


def test_byte_cap_drops_oldest_steps():
    labels, _, _ = painted_toolbox(0)
    history = LabelHistory(labels, max_items=1000, max_bytes=4000)
    for n in range(20):
        labels.write((slice(n, n + 2), slice(0, 10), slice(0, 8)), np.full((2, 10, 8), n + 1))
    assert history.nbytes <= 4000 and 0 < len(history) < 20


def test_new_stroke_clears_redo_and_history_reports_changes():
    labels, tools, _ = painted_toolbox(2)
    seen = []
    tools.history.changed.connect(lambda can_undo, can_redo: seen.append((can_undo, can_redo)))
    tools.undo()
    assert tools.history.can_redo
    tools.press(event((40.0, 40.0, 4.0)))
    tools.release(event((40.0, 40.0, 4.0)))
    assert not tools.history.can_redo and seen[-1] == (True, False)


def test_generic_history_with_plain_items():
    log = []

    class Item:
        nbytes = 1

        def __init__(self, name):
            self.name = name

        def undo(self):
            log.append(("undo", self.name))

        def redo(self):
            log.append(("redo", self.name))

    history = UndoHistory(max_items=2)
    for name in "abc":
        history.push(Item(name))
    assert history.undo() and history.undo() and not history.undo()
    assert log == [("undo", "c"), ("undo", "b")]
