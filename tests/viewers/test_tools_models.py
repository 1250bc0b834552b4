"""The Qt-free lesion table and rating form models, driven by keys alone."""

from __future__ import annotations

import pytest

from processing.annotations import load_schemas
from viewers.state.cursor import WorldCursor
from viewers.state.tools import LesionTableModel, RatingFormModel


@pytest.fixture(scope="module")
def schemas():
    return load_schemas()


def rows_fixture(schemas):
    full = {
        spec.id: spec.options[0].value for spec in schemas["CMB"].fields if spec.kind == "choice"
    }
    full["mars_region"] = "lobar"
    full = {k: v for k, v in full.items() if k in ("certainty", "mars_region", "mars_lobe", "side")}
    return [
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
            "ratings": full,
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
            "ratings": {"t1": "hypo"},
        },
    ]


def test_table_sorts_filters_and_goes_to_lesions(schemas):
    cursor = WorldCursor()
    table = LesionTableModel(lambda: rows_fixture(schemas), schemas, cursor)
    assert [r["rated"] for r in table.rows] == [False, True, False]
    table.sort_by("volume_mm3", descending=True)
    assert [r["lesion_id"] for r in table.rows] == [5, 1, 2]
    table.set_filter(lesion_type="CMB")
    assert [r["lesion_id"] for r in table.rows] == [2]
    table.set_filter(unrated_only=True)
    assert [r["lesion_id"] for r in table.rows] == [5, 1]
    table.set_filter(text="ses-02")
    assert [r["lesion_id"] for r in table.rows] == [1]
    table.set_filter()
    table.go_to(5)
    assert tuple(cursor.position) == (-7.0, 8.0, 9.0)


def test_table_keyboard_steps_and_next_unrated(schemas):
    table = LesionTableModel(lambda: rows_fixture(schemas), schemas)
    assert table.press("PageDown") and table.current_id == 1
    table.press("PageDown")
    assert table.current_id == 2
    table.press("Ctrl+PageDown")
    assert table.current_id == 5
    table.press("Ctrl+PageDown")  # wraps around to the first unrated
    assert table.current_id == 1
    assert table.next(-1) is None and not table.press("x")


def test_form_rates_an_acmi_from_the_keyboard_alone(schemas):
    saved = []
    form = RatingFormModel(schemas["A-CMI"], on_change=lambda f, v: saved.append((f, v)))
    assert form.current_id == "dwi_onset"
    form.type_text("hoiiio" + "hoiion")  # 12 signal fields, onset then last follow-up
    assert form.values["dwi_onset"] == "hyper" and form.values["md_onset"] == "hypo"
    assert form.values["r2star_last"] == "not_assessable"
    form.press("y")  # visible at follow-up
    form.press("y")  # excluded: the reason field appears
    assert form.current_id == "exclusion_reason"
    form.press("p")
    assert form.values["exclusion_reason"] == "pial_surface" and form.current_id == "comment"
    form.type_text("near sulcus")
    form.press("Backspace")
    form.press("Enter")
    assert form.values["comment"] == "near sulcu"
    assert form.complete
    assert saved[-1] == ("comment", "near sulcu") and len(saved) == 16


def test_form_skips_hidden_fields_and_clears(schemas):
    form = RatingFormModel(schemas["CMB"])
    form.press("d")
    form.press("d")  # deep: the lobe field stays hidden
    assert form.current_id == "mars_deep"
    form.press("t")
    assert form.values == {"certainty": "definite", "mars_region": "deep", "mars_deep": "thalamus"}
    assert not form.complete  # side not yet rated
    form.press("Up")
    form.press("Delete")
    assert "mars_deep" not in form.values
    assert not form.press("z")  # no option has key z
