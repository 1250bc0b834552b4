"""Outputs chosen by the user never land in the raw part of a study."""

from __future__ import annotations

import pytest

from processing.errors import FerretError
from processing.study.outputs import check_output_location, raw_study_holding


@pytest.fixture
def study(tmp_path):
    root = tmp_path / "study"
    (root / "sub-01" / "ses-01").mkdir(parents=True)
    (root / "derivatives" / "ferret").mkdir(parents=True)
    (root / "dataset_description.json").write_text('{"Name": "s", "BIDSVersion": "1.9.0"}')
    (root / "derivatives" / "ferret" / "dataset_description.json").write_text('{"Name": "d"}')
    return root


@pytest.mark.parametrize("relative", ["x.csv", "sub-01", "sub-01/ses-01/anat/out.csv", "."])
def test_raw_part_of_a_study_is_refused_with_a_fix(study, relative):
    target = study / relative
    assert raw_study_holding(target) == study.resolve()
    with pytest.raises(FerretError) as err:
        check_output_location(target)
    assert (
        "raw study" in err.value.problem
        and "derivatives" in err.value.fix
        and err.value.path == target
    )


@pytest.mark.parametrize(
    "relative", ["derivatives/x.csv", "derivatives/ferret/sub-01/t.csv", "../elsewhere/t.csv"]
)
def test_derivatives_and_other_folders_are_allowed(study, relative):
    target = study / relative
    assert raw_study_holding(target) is None
    assert check_output_location(target, study) == target


def test_the_named_study_is_protected_even_without_its_description(study):
    (study / "dataset_description.json").unlink()
    assert raw_study_holding(study / "t.csv") is None
    with pytest.raises(FerretError):
        check_output_location(study / "t.csv", study)
    assert check_output_location(study / "derivatives" / "t.csv", study)
