"""The study browser's rows and the main presenter, driven with a recording view (no Qt)."""

import pytest

from app.browser_model import default_kind, find_participant, study_kinds, visit_rows
from app.main_presenter import MainPresenter
from processing.errors import FerretError
from processing.study import discover
from viewers.state import ViewGeometry, WorldCursor


class RecordingView:
    """Stands in for the main window: records what the presenter asks it to show."""

    def __init__(self):
        self.calls = []
        self.status = ""
        self.title = ""

    def show_participants(self, labels, current):
        self.calls.append(("participants", labels, current))

    def show_visits(self, rows, kinds):
        self.calls.append(("visits", rows, kinds))

    def mark_selection(self, session, kind):
        self.calls.append(("selection", session, kind))

    def set_image_title(self, text):
        self.title = text

    def set_status(self, text):
        self.status = text

    def show_error(self, text):
        self.calls.append(("error", text))


@pytest.fixture(scope="module")
def study(small_study):
    return discover(small_study)


@pytest.fixture
def presenter(study):
    view = RecordingView()
    presenter = MainPresenter(view, study, WorldCursor(), ViewGeometry())
    presenter.start()
    return presenter


def test_rows_show_dates_weeks_and_missing_scans(study):
    kinds = study_kinds(study)
    assert kinds == ["MEGRE", "FLAIR", "T1w", "dwi"]
    rows = visit_rows(study.participant("sub-01"), kinds)
    assert [(r.session, r.date, r.weeks) for r in rows] == [
        ("ses-01", "2024-01-08", "0.0"),
        ("ses-02", "2024-02-05", "4.0"),
        ("ses-03", "2024-03-04", "8.0"),
    ]
    assert rows[1].present == (True, True, False, True)
    assert all(rows[0].present)


def test_participant_lookup(study):
    assert find_participant(study, None).label == "sub-01"
    assert find_participant(study, "02").label == "sub-02"
    with pytest.raises(FerretError, match="sub-07.*use one of: sub-01, sub-02"):
        find_participant(study, "sub-07")


def test_default_kind_prefers_the_current_modality(study):
    visit = study.participant("sub-01").visit("ses-02")
    assert default_kind(visit) == "FLAIR"
    assert default_kind(visit, "dwi") == "dwi"
    assert default_kind(visit, "T1w") == "FLAIR"


def test_start_shows_first_participant_and_its_first_flair(presenter):
    view = presenter.view
    assert view.calls[0] == ("participants", ["sub-01", "sub-02"], "sub-01")
    assert view.calls[1][0] == "visits" and len(view.calls[1][1]) == 3
    assert ("selection", "ses-01", "FLAIR") in view.calls
    assert view.title.startswith("FLAIR  sub-01 ses-01, week 0.0")
    assert presenter.slice_model.pixels() is not None
    assert "voxel (20, 24, 10)" in view.status  # cursor at the image centre


def test_cursor_moves_update_the_status_readout(presenter):
    presenter.slice_model.click(0.0, 0.0)
    assert presenter.view.status.startswith("RAS (0.0, 0.0, -1.0) mm | voxel (19, 23, 10) | value ")


def test_dwi_shows_the_first_b0_volume(presenter):
    presenter.select_cell("ses-03", "dwi")
    assert presenter.selection == ("ses-03", "dwi")
    assert (
        presenter.slice_model.volume.data.max() > 5000
    )  # the b=0 volume (index 1) is marked by +5000
    assert "[volume 1]" in presenter.view.title


def test_missing_modality_is_reported_and_keeps_the_image(presenter):
    shown = presenter.slice_model.volume
    presenter.select_cell("ses-02", "T1w")
    assert presenter.slice_model.volume is shown
    assert presenter.view.status == "sub-01_ses-02: no T1w at this visit"


def test_clicking_a_visit_keeps_the_modality_and_the_cursor(presenter):
    presenter.select_cell("ses-01", "MEGRE")
    presenter.slice_model.click(5.0, -4.0)
    before = presenter.cursor.position
    presenter.select_cell("ses-03", None)
    assert presenter.selection == ("ses-03", "MEGRE")
    assert presenter.cursor.position.tolist() == before.tolist()


def test_switching_participant_lists_their_visits(presenter):
    presenter.select_participant("sub-02")
    assert presenter.view.calls[-1] == ("selection", "ses-01", "FLAIR")
    assert presenter.participant.label == "sub-02"


def test_unreadable_image_is_shown_as_an_error_not_raised(tmp_path, small_study):
    study = discover(small_study)
    acquisition = study.participant("sub-01").visit("ses-02").acquisitions["FLAIR"]
    broken = tmp_path / "broken_FLAIR.nii.gz"
    broken.write_bytes(b"not a nifti")
    acquisition.files[0].path = broken
    view = RecordingView()
    presenter = MainPresenter(view, study, WorldCursor(), ViewGeometry())
    presenter.start()
    presenter.select_cell("ses-02", "FLAIR")
    errors = [c for c in view.calls if c[0] == "error"]
    assert errors and "broken_FLAIR.nii.gz" in errors[0][1]
    assert presenter.selection == ("ses-01", "FLAIR")


def test_computed_maps_are_columns_and_open_with_their_preset(tmp_path, study_writer):
    import nibabel as nib
    import numpy as np

    root = study_writer(tmp_path / "study", participants=("sub-01",))
    out = (
        root
        / "derivatives"
        / "ferret"
        / "sub-01"
        / "ses-02"
        / "anat"
        / "sub-01_ses-02_R2starmap.nii.gz"
    )
    out.parent.mkdir(parents=True)
    values = np.random.default_rng(0).uniform(10, 30, (40, 48, 20)).astype(np.float32)
    nib.save(nib.Nifti1Image(values, np.diag([1.0, 1.0, 2.0, 1.0])), str(out))
    study = discover(root)
    kinds = study_kinds(study)
    assert kinds[-1] == "R2starmap"
    assert [row.present[-1] for row in visit_rows(study.participant("sub-01"), kinds)] == [
        False,
        True,
        False,
    ]
    view = RecordingView()
    presenter = MainPresenter(view, study, WorldCursor(), ViewGeometry())
    presenter.start()
    presenter.select_cell("ses-02", "R2starmap")
    assert presenter.selection == ("ses-02", "R2starmap")
    assert (presenter.window.low, presenter.window.high) == (0.0, 50.0)
    presenter.select_cell("ses-03", None)  # the map is missing there: fall back to the FLAIR
    assert presenter.selection == ("ses-03", "FLAIR")
