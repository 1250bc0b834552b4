"""Edge cases of the lesion table and rating form models: clearing text, stepping without a current row."""

from __future__ import annotations

import pytest

from processing.annotations import load_schemas
from viewers.state.tools import LesionTableModel, RatingFormModel


@pytest.fixture(scope="module")
def schemas():
    return load_schemas()


def _form_on_comment(schemas, comment: str, saved: list) -> RatingFormModel:
    form = RatingFormModel(
        schemas["other"], {"comment": comment}, on_change=lambda f, v: saved.append((f, v))
    )
    assert form.current_id == "comment"
    return form


def test_deleting_every_character_of_a_comment_clears_it(schemas):
    saved = []
    form = _form_on_comment(schemas, "ab", saved)
    form.press("Backspace")
    form.press("Backspace")
    form.press("Enter")
    assert "comment" not in form.values and saved == [("comment", None)]


def test_backspace_on_a_one_letter_comment_clears_it(schemas):
    saved = []
    form = _form_on_comment(schemas, "a", saved)
    form.press("Backspace")
    form.press("Tab")
    assert "comment" not in form.values and saved == [("comment", None)]


def test_escape_keeps_the_stored_comment_and_enter_without_typing_changes_nothing(schemas):
    saved = []
    form = _form_on_comment(schemas, "keep", saved)
    form.press("Backspace")
    form.press("Escape")
    form.press("Enter")
    assert form.values["comment"] == "keep" and saved == []


def _table(schemas) -> LesionTableModel:
    rows = [
        {
            "lesion_id": i,
            "type": "other",
            "visit": "ses-01",
            "onset_visit": None,
            "centre": (float(i), 0.0, 0.0),
            "volume_mm3": 1.0,
            "diameter_mm": 1.0,
            "in_cortex": None,
            "ratings": {},
        }
        for i in (3, 7, 9)
    ]
    return LesionTableModel(lambda: rows, schemas)


def test_page_up_without_a_current_row_goes_to_the_last_row(schemas):
    table = _table(schemas)
    assert table.press("PageUp") and table.current_id == 9
    table.press("PageUp")
    assert table.current_id == 7


def test_going_to_an_unknown_lesion_is_a_key_error(schemas):
    with pytest.raises(KeyError):
        _table(schemas).go_to(4)
