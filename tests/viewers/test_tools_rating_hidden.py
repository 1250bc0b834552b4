"""The rating form clears the answers of fields that become hidden, on disk too."""

from __future__ import annotations

import pytest

from processing.annotations import load_schemas
from viewers.state.tools import RatingFormModel


@pytest.fixture(scope="module")
def schemas():
    return load_schemas()


def test_unexcluding_clears_the_reason_and_tells_the_store(schemas):
    saved = []
    form = RatingFormModel(schemas["A-CMI"], on_change=lambda f, v: saved.append((f, v)))
    form.set_value("excluded", "yes")
    form.set_value("exclusion_reason", "pial_surface")
    form.set_value("excluded", "no")
    assert form.values == {"excluded": "no"}
    assert saved[-2:] == [("excluded", "no"), ("exclusion_reason", None)]


def test_changing_the_mars_region_clears_the_old_structure(schemas):
    saved = []
    form = RatingFormModel(schemas["CMB"], on_change=lambda f, v: saved.append((f, v)))
    form.type_text("dd")  # definite, deep
    form.press("t")  # thalamus
    form.set_value("mars_region", "lobar")
    assert "mars_deep" not in form.values and ("mars_deep", None) in saved


def test_set_value_refuses_an_unknown_option(schemas):
    form = RatingFormModel(schemas["CMB"])
    with pytest.raises(ValueError):
        form.set_value("certainty", "maybe")
    with pytest.raises(KeyError):
        form.set_value("no_such_field", "x")
