"""Schema validation fixes and stale hidden ratings: never validated away, never exported."""

from __future__ import annotations

import csv
import json

import nibabel as nib
import numpy as np
import pytest

from processing.annotations import Grid, RaterWorkspace, load_schema, load_schemas
from processing.annotations.export import export_rater
from processing.errors import FerretError

AFFINE = np.diag([2.0, 2.0, 2.0, 1.0])


def schema_text(version=1, options=None) -> str:
    options = options or [{"value": "x", "key": "x"}, {"value": "y", "key": "y"}]
    return json.dumps(
        {"lesion_type": "CMB", "version": version, "fields": [{"id": "a", "options": options}]}
    )


@pytest.mark.parametrize("version", ["2", 1.5, True, 0, None])
def test_schema_version_must_be_a_whole_number(tmp_path, version):
    path = tmp_path / "CMB.json"
    path.write_text(schema_text(version))
    with pytest.raises(FerretError, match="version must be a whole number") as caught:
        load_schema(path)
    assert caught.value.path == path


def test_schema_version_integer_is_kept(tmp_path):
    path = tmp_path / "CMB.json"
    path.write_text(schema_text(3))
    assert load_schema(path).version == 3


def test_duplicate_option_values_are_refused(tmp_path):
    path = tmp_path / "CMB.json"
    path.write_text(schema_text(options=[{"value": "x", "key": "a"}, {"value": "x", "key": "b"}]))
    with pytest.raises(FerretError, match="option value 'x' more than once"):
        load_schema(path)


def test_visible_values_drop_hidden_answers_in_cascade(tmp_path):
    path = tmp_path / "CMB.json"
    path.write_text(
        json.dumps(
            {
                "lesion_type": "CMB",
                "fields": [
                    {
                        "id": "a",
                        "options": [{"value": "yes", "key": "y"}, {"value": "no", "key": "n"}],
                    },
                    {"id": "b", "options": [{"value": "p", "key": "p"}], "when": {"a": "yes"}},
                    {"id": "c", "kind": "text", "when": {"b": "p"}},
                ],
            }
        )
    )
    schema = load_schema(path)
    assert schema.visible_values({"a": "yes", "b": "p", "c": "t"}) == {
        "a": "yes",
        "b": "p",
        "c": "t",
    }
    assert schema.visible_values({"a": "no", "b": "p", "c": "t", "zz": "1"}) == {"a": "no"}


def test_export_leaves_out_a_stale_exclusion_reason(tmp_path):
    folder = tmp_path / "sub-01" / "ses-01" / "dwi"
    folder.mkdir(parents=True)
    nib.save(
        nib.Nifti1Image(np.zeros((10, 10, 10, 2), np.float32), AFFINE),
        folder / "sub-01_ses-01_dwi.nii.gz",
    )
    with RaterWorkspace(tmp_path, "A") as workspace:
        session = workspace.open_session("sub-01", Grid((10, 10, 10), AFFINE), visit="ses-01")
        box = (slice(4, 6), slice(4, 6), slice(4, 6))
        session.labels.write(box, np.full((2, 2, 2), session.labels.reserve_id()))
        for field, value in [
            ("excluded", "yes"),
            ("exclusion_reason", "pial_surface"),
            ("excluded", "no"),
        ]:
            session.set_rating(
                1, field, value
            )  # written straight to the store, as an older Ferret did
    export_rater(tmp_path, "A", tmp_path / "derivatives" / "out")
    with open(tmp_path / "derivatives" / "out" / "rater-A_lesions.csv", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["rating_excluded"] == "no"
    assert row["rating_exclusion_reason"] == ""
    assert "exclusion_reason" in load_schemas()["A-CMI"].field_ids
