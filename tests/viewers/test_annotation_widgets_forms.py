"""Lesion table, rating form and undo/redo widgets driven like a rater would (offscreen Qt)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from processing.annotations import Grid, LabelVolume, load_schemas
from viewers.state.cursor import WorldCursor
from viewers.state.tools import LesionTableModel, RatingFormModel, ToolBox, event
from viewers.state.tools.label_slice import MaskStyle
from viewers.widgets.annotation.lesion_table import LesionTableWidget
from viewers.widgets.annotation.rating_form import RatingFormWidget
from viewers.widgets.annotation.tool_controller import ToolController
from viewers.widgets.annotation.tool_panel import ToolPanel, undo_actions

pytestmark = pytest.mark.gui
KEY = QtCore.Qt.Key
ROWS = [
    {
        "lesion_id": 1,
        "type": "A-CMI",
        "visit": "ses-02",
        "onset_visit": "ses-02",
        "centre": (1.0, 2.0, 3.0),
        "volume_mm3": 9.0,
        "diameter_mm": 3.0,
        "in_cortex": True,
        "ratings": {},
    },
    {
        "lesion_id": 2,
        "type": "CMB",
        "visit": "ses-01",
        "onset_visit": None,
        "centre": (4.0, 5.0, 6.0),
        "volume_mm3": 2.0,
        "diameter_mm": 1.5,
        "in_cortex": None,
        "ratings": {},
        "warning": "large",
    },
    {
        "lesion_id": 5,
        "type": "C-CMI",
        "visit": "ses-01",
        "onset_visit": None,
        "centre": (-7.0, 8.0, 9.0),
        "volume_mm3": 30.0,
        "diameter_mm": 4.0,
        "in_cortex": True,
        "ratings": {},
    },
]


@pytest.fixture(scope="module")
def schemas():
    return load_schemas()


@pytest.fixture
def table_widget(qtbot, schemas):
    cursor = WorldCursor()
    widget = LesionTableWidget(LesionTableModel(lambda: [dict(r) for r in ROWS], schemas, cursor))
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, cursor


def activate(qtbot, window):
    """Make ``window`` the active window (window shortcuts need it)."""
    window.raise_()
    window.windowHandle().requestActivate()
    qtbot.waitUntil(window.isActiveWindow)


def click_row(qtbot, widget, row: int):
    rect = widget.view.visualRect(widget.rows_model.index(row, 1))
    qtbot.mouseClick(widget.view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())


def shown_ids(widget):
    return [widget.rows_model.lesion_id(n) for n in range(widget.rows_model.rowCount())]


def test_clicking_a_row_moves_the_shared_cursor_to_the_lesion(qtbot, table_widget):
    widget, cursor = table_widget
    click_row(qtbot, widget, 2)
    np.testing.assert_allclose(cursor.position, (-7.0, 8.0, 9.0))
    assert widget.table.current_id == 5 and widget.view.currentIndex().row() == 2


def test_header_click_sorts_and_filters_narrow(qtbot, table_widget):
    widget, _ = table_widget
    header = widget.view.horizontalHeader()
    volume = 4  # the mm3 column
    qtbot.mouseClick(
        header.viewport(),
        QtCore.Qt.MouseButton.LeftButton,
        pos=QtCore.QPoint(header.sectionViewportPosition(volume) + 5, 5),
    )
    assert shown_ids(widget) == [2, 1, 5]
    widget.type_box.setCurrentText("C-CMI")
    assert shown_ids(widget) == [5]
    widget.type_box.setCurrentText("all types")
    widget.text_box.setText("ses-02")
    assert shown_ids(widget) == [1]
    assert widget.rows_model.data(widget.rows_model.index(0, 6)) == "yes"


def test_tab_leaves_the_lesion_table_for_the_next_widget(qtbot, table_widget):
    widget, _ = table_widget
    activate(qtbot, widget)
    widget.view.setFocus()
    qtbot.waitUntil(widget.view.hasFocus)
    qtbot.keyClick(widget.view, KEY.Key_Tab)  # towards the rating form below, not cell to cell
    assert not widget.view.hasFocus()


def test_page_down_and_ctrl_page_down_step_through_lesions(qtbot, table_widget):
    widget, cursor = table_widget
    activate(qtbot, widget)
    widget.view.setFocus()
    qtbot.keyClick(widget.view, KEY.Key_PageDown)
    qtbot.keyClick(widget.view, KEY.Key_PageDown)
    assert widget.table.current_id == 2
    np.testing.assert_allclose(cursor.position, (4.0, 5.0, 6.0))
    qtbot.keyClick(widget.view, KEY.Key_PageDown, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert widget.table.current_id == 5  # every row is unrated: the next one


def test_the_form_is_filled_from_the_keyboard_alone(qtbot, schemas):
    saved = []
    form = RatingFormModel(schemas["A-CMI"], on_change=lambda f, v: saved.append((f, v)))
    widget = RatingFormWidget()
    qtbot.addWidget(widget)
    widget.set_form(form, "Lesion 1")
    widget.show()
    qtbot.waitExposed(widget)
    widget.setFocus()
    qtbot.keyClicks(widget, "hoiiio" + "hoiion" + "yy")  # 12 signals, visible, excluded
    assert widget.rows.isRowVisible(widget.labels["exclusion_reason"])
    qtbot.keyClicks(widget, "p")
    qtbot.keyClicks(widget, "near pia")
    assert widget.texts["comment"].text() == "near pia"  # the draft shows while typing
    qtbot.keyClick(widget, KEY.Key_Return)
    assert form.values["comment"] == "near pia" and form.complete
    assert widget.choices["dwi_onset"].checkedButton().text().startswith("h")
    qtbot.keyClick(widget, KEY.Key_Up)  # back to the reason, then up to excluded
    qtbot.keyClick(widget, KEY.Key_Tab, QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert form.current_id == "excluded"
    qtbot.keyClicks(widget, "n")  # not excluded: the reason disappears, on disk too
    assert not widget.rows.isRowVisible(widget.labels["exclusion_reason"])
    assert ("exclusion_reason", None) in saved and "exclusion_reason" not in form.values


def test_a_radio_click_rates_too(qtbot, schemas):
    form = RatingFormModel(schemas["CMB"])
    widget = RatingFormWidget()
    qtbot.addWidget(widget)
    widget.set_form(form)
    widget.show()
    widget.choices["certainty"].button(1).click()
    assert form.values == {"certainty": "possible"}


def test_undo_and_redo_through_the_actions_and_their_shortcuts(qtbot):
    labels = LabelVolume(Grid((20, 20, 20), np.eye(4)))
    toolbox = ToolBox(labels)
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    panel = ToolPanel(toolbox, ToolController(toolbox), MaskStyle())
    window.setCentralWidget(panel)
    undo, redo = undo_actions(toolbox, window)
    window.addActions([undo, redo])
    window.show()
    qtbot.waitExposed(window)
    assert not undo.isEnabled() and not redo.isEnabled()
    panel.set_brush_size(3.0)
    assert panel.size_box.value() == 3.0 and toolbox.tools["eraser"].size_mm == 3.0
    for x in (5, 12):
        toolbox.press(event((x, 10, 10)))
        toolbox.release(event((x, 10, 10)))
    painted = labels.data.copy()
    assert undo.isEnabled() and labels.ids() == [1, 2]
    activate(qtbot, window)
    panel.tool_buttons["brush"].setFocus()  # not the size box: its text has its own Ctrl+Z
    qtbot.keyClick(window, KEY.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert labels.ids() == [1] and redo.isEnabled()
    undo.trigger()
    assert not labels.data.any() and not undo.isEnabled()
    qtbot.keyClick(
        window,
        KEY.Key_Z,
        QtCore.Qt.KeyboardModifier.ControlModifier | QtCore.Qt.KeyboardModifier.ShiftModifier,
    )
    redo.trigger()
    assert np.array_equal(labels.data, painted) and not redo.isEnabled()


def test_the_dock_scrolls_to_the_field_the_next_key_answers(qtbot, schemas):
    form = RatingFormModel(schemas["A-CMI"])
    widget, area = RatingFormWidget(), QtWidgets.QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    area.resize(320, 160)  # a few rows: the annotation dock's lower half
    qtbot.addWidget(area)
    widget.set_form(form, "Lesion 1")
    area.show()
    qtbot.waitExposed(area)
    widget.setFocus()
    qtbot.keyClicks(widget, "hoiiio" + "hoiion" + "yn")  # on to the comment, the last field

    def in_view(field: str) -> bool:
        label = widget.labels[field]
        top = label.mapTo(area.viewport(), QtCore.QPoint(0, 0)).y()
        return 0 <= top and top + label.height() <= area.viewport().height()

    assert form.current_id == "comment" and in_view("comment")
    assert area.verticalScrollBar().value() > 0
    qtbot.keyClick(widget, KEY.Key_Tab, QtCore.Qt.KeyboardModifier.ShiftModifier)
    while form.current_id != "dwi_onset":
        qtbot.keyClick(widget, KEY.Key_Up)
    assert in_view("dwi_onset")


def test_every_option_is_in_sight_in_a_dock_of_320_px(qtbot, schemas):
    widget, area = RatingFormWidget(), QtWidgets.QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    area.resize(320, 600)  # the annotation dock's width on a 1920 px screen
    qtbot.addWidget(area)
    form = RatingFormModel(schemas["A-CMI"], {"excluded": "yes"})  # the reasons shown too
    widget.set_form(form, "Lesion 1")
    area.show()
    qtbot.waitExposed(area)
    width = area.viewport().width()
    assert widget.rows.isRowVisible(widget.labels["exclusion_reason"])
    for group in widget.choices.values():
        for button in group.buttons():
            right = button.mapTo(area.viewport(), QtCore.QPoint(button.width(), 0)).x()
            assert right <= width, button.text()  # "n  not assessable" was cut off


def test_tabbing_through_the_fill_range_keeps_the_click_relative_range(qtbot):
    toolbox = ToolBox(LabelVolume(Grid((20, 20, 20), np.eye(4))))
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    panel = ToolPanel(toolbox, ToolController(toolbox), MaskStyle())
    window.setCentralWidget(panel)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    fill = toolbox.tools["fill"]
    assert fill.auto_range and panel.fill_auto_box.isChecked()
    panel.fill_low_box.setFocus()
    qtbot.waitUntil(panel.fill_low_box.hasFocus)
    for box in (panel.fill_low_box, panel.fill_high_box):
        qtbot.keyClick(box, KEY.Key_Tab)  # a rater tabbing on towards the lesion table
    assert fill.auto_range and panel.fill_auto_box.isChecked()
    panel.fill_high_box.setFocus()
    qtbot.waitUntil(panel.fill_high_box.hasFocus)
    qtbot.keyClick(panel.fill_high_box, KEY.Key_A, QtCore.Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(panel.fill_high_box, "250")
    qtbot.keyClick(panel.fill_high_box, KEY.Key_Tab)  # a range typed in is taken
    assert not fill.auto_range and (fill.low, fill.high) == (0.0, 250.0)


def test_form_widget_writes_the_atlas_suggestion_beside_an_unanswered_field(qtbot):
    schema = load_schemas()["CMB"]
    form = RatingFormModel(schema, {}, suggestions={"mars_region": "deep", "mars_deep": "thalamus"})
    widget = RatingFormWidget()
    qtbot.addWidget(widget)
    widget.set_form(form, "CMB 1")
    assert widget.labels["mars_region"].text() == "MARS region  (atlas: deep, Enter takes it)"
    assert "atlas: thalamus" in widget.labels["mars_deep"].text()
    assert not widget.choices["mars_region"].checkedButton()  # a suggestion, not an answer
    form.set_value("mars_region", "lobar")
    widget._on_form()
    assert widget.labels["mars_region"].text() == "MARS region"
