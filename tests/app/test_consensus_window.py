"""The consensus session in the main window: two planted raters, the queue walked and decided by key.

The raters are those of :mod:`tests.processing.test_consensus_session` (planted
differences, seven queue items), drawn over the app's small study; a third
rater D must stay out of sight, and a rating window stays blind to all of them.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from app.cli import build_parser, main
from app.cli.window_cmds import _mode
from app.consensus_dock import CONSENSUS_KEYS
from app.grid_actions import SHORTCUTS
from processing.annotations import ReviewWorkspace
from processing.errors import FerretError
from tests.processing.test_consensus_session import (
    EXPECTED,
    audit_rows,
    cube,
    planted,
    write_rater,
)
from viewers.state.overlays import COMPARED_COLOURS as COMPARED

pytestmark = pytest.mark.gui
Key = QtCore.Qt.Key
#: The rule chosen per item kind (ratings-differ: lesion 8 by A, lesion 9 by B).
RULES = {
    "only-a": "accept-a",
    "only-b": "reject",
    "low-dice": "intersection",
    "split": "union",
    "merged": "accept-b",
}
KEYS = {"accept-a": Key.Key_1, "accept-b": Key.Key_2, "union": Key.Key_U}
KEYS |= {"intersection": Key.Key_I, "reject": Key.Key_X}


@pytest.fixture
def study(tmp_path, study_writer):
    root = study_writer(tmp_path / "study", participants=("sub-01",))
    a, b = planted()
    write_rater(root, "A", a)
    write_rater(root, "B", b)
    write_rater(root, "D", {1: cube((30, 4, 2))})  # not compared: never shown
    return root


@pytest.fixture
def open_window(open_rating_window):
    """``open_window(root, **mode)``: the main window in that mode (``consensus=``, ``rater=``)."""
    return lambda root, **mode: open_rating_window(root, **mode)


def rule_of(item) -> str:
    if item.kind == "ratings-differ":
        return "accept-a" if item.sources["A"] == (8,) else "accept-b"
    return RULES[item.kind]


def shown_layers(window) -> dict[str, tuple]:
    return {
        layer.name: layer.colour
        for cell in window.session.grid.cells.values()
        for layer in cell.layers
    }


def drawn_colours(window) -> set[tuple[int, int, int]]:
    """Return the colours of the raters' pictures of every tile (the pair is one picture)."""
    colours = set()
    canvas = window.grid_view.canvas
    for tile in canvas.tiles.values():
        for image, _ in tile.overlays(canvas.style):
            for y in range(image.height()):
                for x in range(image.width()):
                    colour = image.pixelColor(x, y)
                    if colour.alpha():
                        colours.add((colour.red(), colour.green(), colour.blue()))
    return colours


def test_the_queue_is_walked_and_decided_by_key_into_the_consensus(qtbot, study, open_window):
    window = open_window(study, consensus=["A", "B"])
    mode, grid, canvas = window.rating, window.session.grid, window.grid_view.canvas
    consensus, panel = mode.consensus, mode.queue
    assert "consensus of A and B into consensus" in window.windowTitle()
    assert shown_layers(window) == {"rater A": COMPARED["A"], "rater B": COMPARED["B"]}
    assert grid.overlays.truth is None and not window.menus.review.isEnabled()
    legend = panel.legend.text()
    assert "rater A (A) only: outline" in legend and "rater B (B) only" in legend
    assert "marked by both A and B" in legend and "consensus consensus: filled" in legend
    assert [colour for _, colour, _ in panel.legend.rows] == [
        COMPARED[role] for role in ("A", "B", "overlap", "consensus")
    ]  # the colours drawn: the layers' above, the consensus mask's below
    assert mode.annotation.style.colour == COMPARED["consensus"]
    attachment = mode.annotation  # the consensus mask is painted like a rater's own
    assert attachment.session.labels is consensus.labels and canvas in attachment.overlays
    headers = [label.text() for label in attachment.panel.findChildren(QtWidgets.QLabel)]
    assert any("consensus of A and B" in text for text in headers)  # not "rating (blinded)"
    assert not any("blinded" in text for text in headers)
    assert panel.progress.text() == "7 of 7 left" and panel.list.count() == 7
    items = consensus.items
    low_dice = next(item for item in items if item.kind == "low-dice")
    consensus.go_to(low_dice.item_id)
    assert drawn_colours(window) >= {COMPARED["A"], COMPARED["B"], COMPARED["overlap"]}
    consensus.go_to(items[0].item_id)
    assert consensus.current is items[0]
    assert np.allclose(grid.cursor.position, items[0].centre)
    assert grid.focus[0] == items[0].visit
    qtbot.keyClick(canvas, Key.Key_N)
    assert consensus.current is items[1] and panel.list.currentRow() == 1
    assert np.allclose(grid.cursor.position, items[1].centre)
    qtbot.keyClick(canvas, Key.Key_N, QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert consensus.current is items[0]
    chosen = {}
    while consensus.current is not None:
        item = consensus.current
        chosen[item.item_id] = rule_of(item)
        qtbot.keyClick(canvas, KEYS[chosen[item.item_id]])
        assert item.item_id in consensus.decided, item.item_id
        assert not attachment.session.toolbox.history.can_undo  # Ctrl+Z keeps decisions
    assert len(chosen) == 7 and panel.progress.text() == "0 of 7 left"
    assert all(panel.list.item(r).text().startswith("[x]") for r in range(7))
    window.close()  # the consensus is written and its lock released
    check_store(study, chosen, {item.item_id: item for item in items})


def check_store(study, chosen, items) -> None:
    a, b = planted()
    labels, rows = ReviewWorkspace(study).read("consensus", "sub-01")
    decided = [r for r in audit_rows(study) if r["action"] == "consensus_decision"]
    manual = {r["field"]: r["after"] for r in decided if not r["after"]["auto"]}
    assert {item_id: after["rule"] for item_id, after in manual.items()} == chosen
    assert {(items[i].sources["A"], items[i].sources["B"]) for i in manual} == set(EXPECTED)
    assert sum(r["after"]["auto"] for r in decided) == 2  # the agreed pairs 1 and 4
    masks = {
        "accept-a": lambda ids: np.isin(labels_of(a), ids["A"]),
        "accept-b": lambda ids: np.isin(labels_of(b), ids["B"]),
        "union": lambda ids: np.isin(labels_of(a), ids["A"]) | np.isin(labels_of(b), ids["B"]),
        "intersection": lambda ids: (
            np.isin(labels_of(a), ids["A"]) & np.isin(labels_of(b), ids["B"])
        ),
    }
    for item_id, after in manual.items():
        if after["rule"] == "reject":
            assert after["lesions"] == []
            continue
        (lesion,) = after["lesions"]
        expected = masks[after["rule"]](items[item_id].sources)
        assert np.array_equal(labels.data == lesion, expected), item_id
    assert len(rows) == 8  # six decided lesions and the two agreed pairs
    opened = [r for r in audit_rows(study) if r["action"] == "consensus_open"]
    assert len(opened) == 1 and opened[0]["after"]["raters"] == ["A", "B"]


def labels_of(lesions: dict[int, np.ndarray]) -> np.ndarray:
    data = np.zeros(next(iter(lesions.values())).shape, np.int32)
    for lesion, mask in lesions.items():
        data[mask] = lesion
    return data


def test_a_rating_window_still_shows_no_other_rater(study, open_window):
    window = open_window(study, rater="C", visit="ses-01")
    assert shown_layers(window) == {}
    assert {lesion.source for lesion in window.session.grid.overlays.lesions} == set()
    assert not window.menus.review.isEnabled()
    assert window.findChild(QtWidgets.QDockWidget, "consensus-dock") is None
    window.close()


def test_the_consensus_keys_are_free_and_the_command_line_opens_the_session(study, tmp_path):
    taken = {key for key, *_ in SHORTCUTS}
    assert not taken & {key for key, *_ in CONSENSUS_KEYS}
    args = build_parser().parse_args(["open", str(study), "--consensus", "A,B"])
    assert _mode(args) == {"rater": "consensus", "visit": None, "consensus": ["A", "B"]}
    with pytest.raises(FerretError):
        _mode(build_parser().parse_args(["open", str(study), "--consensus", "A"]))
    shot = tmp_path / "consensus.png"
    argv = ["open", str(study), "--consensus", "A,B", "--rater", "lead", "--screenshot", str(shot)]
    assert main([*argv, "--size", "1200x700"]) == 0 and shot.exists()
    assert "lead" in ReviewWorkspace(study).raters()  # opened, logged, and closed again


def test_the_form_opens_prefilled_with_conflicts_marked_and_keeps_the_answer(
    qtbot, study, open_window
):
    window = open_window(study, consensus=["A", "B"])
    mode, canvas = window.rating, window.grid_view.canvas
    consensus, form = mode.consensus, mode.annotation.panel.form
    item = next(i for i in consensus.items if i.sources == {"A": (8,), "B": (8,)})
    consensus.go_to(item.item_id)
    assert form.form is mode.item_form.form and "not decided yet" in form.title.text()
    assert form.conflicts["dwi_onset"].text() == "A: hyperintense / B: isointense"
    assert form.form.values == {"md_onset": "hypo"}  # agreed; the conflict left open
    assert form.form.current_id == "dwi_onset"
    qtbot.keyClick(form, Key.Key_O)  # the consensus answer: hypointense
    qtbot.keyClick(canvas, Key.Key_U)  # union: the lesion is made, the answer goes to it
    assert item.item_id in consensus.decided and consensus.current is not item
    (lesion,) = [d for d in audit_rows(study) if d["field"] == item.item_id][0]["after"]["lesions"]
    assert consensus.annotation.store.ratings()[lesion] == {"dwi_onset": "hypo", "md_onset": "hypo"}
    consensus.go_to(item.item_id)  # back to it: its lesion's form, still marked
    assert f"consensus lesion {lesion}" in form.title.text() and "dwi_onset" in form.conflicts
    assert mode.annotation.session.toolbox.selection.lesion_id == lesion
    window.close()


def test_after_the_last_decision_the_form_rates_the_lesion_it_made(qtbot, study, open_window):
    window = open_window(study, consensus=["A", "B"])
    mode, canvas = window.rating, window.grid_view.canvas
    consensus, form = mode.consensus, mode.annotation.panel.form
    last = next(i for i in consensus.items if i.sources == {"A": (8,), "B": (8,)})
    for item in [i for i in consensus.items if i is not last]:
        consensus.decide(item, rule_of(item))
    consensus.go_to(last.item_id)
    qtbot.keyClick(canvas, Key.Key_U)  # the last item: the queue is done
    assert consensus.current is None
    (lesion,) = [d for d in audit_rows(study) if d["field"] == last.item_id][0]["after"]["lesions"]
    assert f"consensus lesion {lesion}" in form.title.text()
    form.setFocus()
    qtbot.keyClick(form, Key.Key_H)  # an answer given now is the lesion's, on disk
    assert consensus.annotation.store.ratings()[lesion]["dwi_onset"] == "hyper"
    window.close()


def test_a_row_clicked_in_the_queue_is_shown_and_the_keys_decide_it(qtbot, study, open_window):
    window = open_window(study, consensus=["A", "B"])
    consensus, panel = window.rating.consensus, window.rating.queue
    row = next(n for n, item in enumerate(consensus.items) if "reject" in consensus.rules(item))
    window.activateWindow()
    rect = panel.list.visualItemRect(panel.list.item(row))
    qtbot.mouseClick(panel.list.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())
    assert consensus.current is consensus.items[row]
    qtbot.waitUntil(lambda: window.grid_view.isAncestorOf(QtWidgets.QApplication.focusWidget()))
    qtbot.keyClick(QtWidgets.QApplication.focusWidget(), Key.Key_X)  # X rejects the row clicked
    assert consensus.items[row].item_id in consensus.decided
    window.close()
