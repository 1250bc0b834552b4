"""Rating from the keyboard in the real main window: every key lands in its field (issue 12.1).

The rater paints a lesion, gives the rating form the focus and types a whole
rating (option keys that are also view shortcuts: o, s, a, c, r, p, t, l,
w, then a comment with those letters). Before the fix the window's shortcuts
took the letters (o toggled outline/fill and every later answer landed one
field early; s in the comment turned the grid sagittal). The expected answers
come from the Qt-free form model fed the same keys.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore
from PySide6.QtTest import QTest

from processing.annotations.workspace import read_only_store
from viewers.state.tools import event
from viewers.state.tools.rating_form import RatingFormModel

VIEW_KEYS = set("oascrptlw")
COMMENT = "small spot, lateral to the sulcus"


@pytest.fixture
def window(phantom_copy, open_rating_window):
    window = open_rating_window(phantom_copy, "K", "ses-01")
    yield window
    window.close()


def paint(window) -> int:
    session = window.rating.annotation.session
    centre = tuple(session.cursor.position)
    session.toolbox.press(event(centre))
    session.toolbox.release(event(centre))
    lesion_id = int(session.labels.data.max())
    assert lesion_id > 0
    session.select(lesion_id)
    return lesion_id


def keys_for(schema) -> list[str]:
    """Return the keys that answer every shown field once, in the form's order.

    A choice key (a view shortcut's letter where the field offers one), or the
    comment typed and Enter.
    """
    model, keys, seen = RatingFormModel(schema), [], set()
    while model.current_id not in seen:
        seen.add(model.current_id)
        spec = model.current
        if spec.kind == "text":
            batch = list(COMMENT) + ["Enter"]
        else:
            colliding = [o.key for o in spec.options if o.key.lower() in VIEW_KEYS]
            batch = [(colliding or [spec.options[-1].key])[0]]
        for key in batch:
            model.press(key)
        keys += batch
    return keys


def expected_values(schema, keys) -> dict:
    model = RatingFormModel(schema)
    for key in keys:
        model.press(key)
    return dict(model.values)


def type_keys(widget, keys) -> None:
    for key in keys:
        if key == "Enter":
            QTest.keyClick(widget, QtCore.Qt.Key.Key_Return)
        else:
            QTest.keyClicks(widget, key)


def test_a_rating_typed_from_the_keyboard_lands_in_every_right_field(qtbot, window):
    lesion_id = paint(window)
    panel = window.rating.annotation.panel
    qtbot.waitUntil(lambda: panel.form.form is not None)
    form = panel.form.form
    keys = keys_for(form.schema)
    assert VIEW_KEYS & {k for k in keys if len(k) == 1}, (
        "the schema offers no colliding key to test"
    )
    orientation, fill = (
        window.session.grid.geometry.orientation,
        window.rating.annotation.style.mode,
    )
    panel.form.setFocus()
    qtbot.waitUntil(panel.form.hasFocus)
    type_keys(panel.form, keys)
    assert window.session.grid.geometry.orientation == orientation  # 's' and 'a' stayed text
    assert window.rating.annotation.style.mode == fill  # 'o' stayed an answer
    wanted = expected_values(form.schema, keys)
    assert wanted.get("comment") == COMMENT or COMMENT in wanted.values()
    with read_only_store(
        window.study.root, "K", "sub-01"
    ) as store:  # what is on disk, read from outside
        stored = store.ratings()[lesion_id]
    assert {k: v for k, v in stored.items() if v is not None} == wanted


def test_view_keys_work_in_the_views_and_page_keys_are_never_ambiguous(qtbot, window):
    paint(window)
    canvas = window.grid_view.canvas
    canvas.setFocus()
    qtbot.waitUntil(canvas.hasFocus)
    QTest.keyClick(canvas, QtCore.Qt.Key.Key_S)
    assert window.session.grid.geometry.orientation == "sagittal"
    messages = []
    QtCore.qInstallMessageHandler(lambda kind, context, text: messages.append(text))
    try:
        before = window.session.grid.cursor.position.copy()
        QTest.keyClick(canvas, QtCore.Qt.Key.Key_PageUp)
        assert not np.allclose(window.session.grid.cursor.position, before)  # five slices
        table = window.rating.annotation.panel.table
        table.view.setFocus()
        qtbot.waitUntil(table.view.hasFocus)
        QTest.keyClick(table.view, QtCore.Qt.Key.Key_PageDown)
    finally:
        QtCore.qInstallMessageHandler(None)
    assert not [m for m in messages if "Ambiguous shortcut" in m], messages


def test_help_lists_every_shortcut_of_rating_mode_with_where_it_works(window):
    window.show_help()
    html = window.help_dialog.text.toHtml()
    for text in (
        "Go to the next lesion",
        "Undo stroke",
        "Next lesion",
        "New lesion",
        "Answer the current field",
    ):
        assert text in html, text
    assert "lesion list" in html and "image views" in html and "window" in html
