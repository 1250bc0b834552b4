"""The rating form of a consensus item: agreed answers filled in, conflicts marked with both answers."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from processing.annotations import load_schemas
from processing.consensus.prefill import Prefill
from viewers.state.tools.consensus_form import ItemForm
from viewers.widgets.annotation.rating_form import CONFLICT_STYLE, RatingFormWidget

PREFILL = Prefill(
    values={"type": "A-CMI", "onset_visit": "ses-02", "rating:md_onset": "hypo"},
    conflicts={
        "rating:dwi_onset": {"A": "hyper", "B": "iso"},
        "onset_visit": {"A": "ses-02", "B": "ses-03"},
    },
    fallback_type="A-CMI",
)


@pytest.fixture
def schema():
    return load_schemas()["A-CMI"]


def checked(widget: RatingFormWidget, field_id: str) -> list[str]:
    group = widget.choices[field_id]
    return [button.text() for button in group.buttons() if button.isChecked()]


@pytest.mark.gui
def test_the_form_shows_both_answers_of_a_conflict_and_the_agreed_value(qtbot, schema):
    item = ItemForm("sub-01:A=8:B=8", schema, PREFILL)
    widget = RatingFormWidget()
    qtbot.addWidget(widget)
    widget.set_form(item.form, "ratings-differ", item.conflicts)
    widget.show()
    assert widget.conflicts["dwi_onset"].text() == "A: hyperintense / B: isointense"
    assert widget.conflicts["dwi_onset"].isVisible()
    row_of = widget.rows.getWidgetPosition
    assert row_of(widget.conflicts["dwi_onset"])[0] == row_of(widget.labels["dwi_onset"])[0] + 1
    assert CONFLICT_STYLE in widget.labels["dwi_onset"].styleSheet()
    assert "A: hyperintense / B: isointense" in widget.labels["dwi_onset"].toolTip()
    assert checked(widget, "dwi_onset") == []  # neither rater's answer is written
    assert item.form.values.get("dwi_onset") is None
    assert checked(widget, "md_onset") == ["o  hypointense"]  # agreed: filled in
    assert "md_onset" not in widget.conflicts
    assert CONFLICT_STYLE not in widget.labels["md_onset"].styleSheet()
    assert item.header_conflicts() == ["onset visit: A: ses-02 / B: ses-03"]
    widget.set_form(None)
    assert widget.conflicts == {} and not widget.findChildren(QtWidgets.QRadioButton)


def test_answers_before_the_decision_wait_for_its_lesion(schema):
    item = ItemForm("sub-01:A=8:B=8", schema, PREFILL)
    assert item.form.current_id == "dwi_onset"  # the first unanswered field has the focus
    item.form.press("i")
    assert item.pending == {"dwi_onset": "iso"}
    written = []
    item.apply([12, 13], lambda lesion, field, value: written.append((lesion, field, value)))
    assert written == [(12, "dwi_onset", "iso"), (13, "dwi_onset", "iso")]
    assert item.pending == {}


def test_an_existing_lesion_shows_its_stored_answers_and_is_rated_at_once(schema):
    rated = []
    item = ItemForm(
        "sub-01:A=8:B=8",
        schema,
        PREFILL,
        lesion_id=4,
        stored={"dwi_onset": "hyper"},
        rate=lambda lesion, field, value: rated.append((lesion, field, value)),
    )
    assert item.form.values == {"dwi_onset": "hyper"}  # stored (accept A), not the prefill
    assert set(item.conflicts) == {"dwi_onset"}  # still marked
    item.form.set_value("md_onset", "iso")
    assert rated == [(4, "md_onset", "iso")] and item.pending == {}
