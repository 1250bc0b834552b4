"""The CMB form of rating mode shows the registered atlas's MARS region as a suggestion.

The suggestion is not an answer: it is shown and not stored; Enter takes it
(then the suggested structure), an option key overrides it. Without the
``location`` step's map there is no suggestion.
"""

from __future__ import annotations

import numpy as np

from app.annotation.rater_session import RaterSession
from processing.annotations.workspace import ReviewWorkspace
from processing.fileio import save_nifti
from processing.location.participant import atlas_file
from tests.processing.nnunet_data import GRID, write_gre_study


def open_first(study):
    session = RaterSession(study, "AB", "sub-01")
    first = min(row.lesion_id for row in ReviewWorkspace(study).read("AB", "sub-01")[1])
    session.toolbox.selection.select(first)
    return session, first


def test_the_atlas_region_is_suggested_and_enter_takes_it(tmp_path):
    study = write_gre_study(tmp_path / "study")
    save_nifti(atlas_file(study, "sub-01"), np.full(GRID.shape, 10, np.uint8), GRID.affine)
    session, first = open_first(study)
    try:
        form = session.form
        assert form.suggestions == {"mars_region": "lobar", "mars_lobe": "parietal"}
        assert "mars_region" not in form.values  # shown, not stored
        form.current_id = "mars_region"
        assert form.press("Enter") and form.values["mars_region"] == "lobar"
        assert form.current_id == "mars_lobe" and form.press("Enter")
        stored = ReviewWorkspace(study).read("AB", "sub-01")[1]
        ratings = next(row.ratings for row in stored if row.lesion_id == first)
        assert ratings["mars_region"] == "lobar" and ratings["mars_lobe"] == "parietal"
        form.current_id = "mars_region"
        assert form.press("d") and form.values["mars_region"] == "deep"  # the rater overrides
        assert "mars_lobe" not in form.values
    finally:
        session.close()


def test_no_atlas_map_no_suggestion(tmp_path):
    study = write_gre_study(tmp_path / "study")
    session, _ = open_first(study)
    try:
        assert session.form.suggestions == {}
    finally:
        session.close()
