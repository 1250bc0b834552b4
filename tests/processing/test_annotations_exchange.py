"""Import of masks in foreign grids, export checked voxel by voxel and cell by cell, schemas."""

from __future__ import annotations

import csv
import json

import nibabel as nib
import numpy as np
import openpyxl
import pytest

from processing.annotations import RaterWorkspace, load_schema, load_schemas
from processing.annotations.export import export_rater
from processing.annotations.importing import import_mask
from processing.errors import FerretError

REF_AFFINE = np.array([[-2.0, 0, 0, 30.0], [0, 2.0, 0, -30.0], [0, 0, 2.0, -20.0], [0, 0, 0, 1]])


def make_study(root):
    """Return a minimal BIDS study: sub-01 with two visits, each with a DWI (the second on another grid)."""
    grids = {
        "ses-01": ((30, 30, 20), REF_AFFINE),
        "ses-02": (
            (40, 40, 27),
            np.diag([1.5, 1.5, 1.5, 1.0])
            + np.array([[0, 0, 0, -29.0], [0, 0, 0, -28.0], [0, 0, 0, -19.0], [0, 0, 0, 0]]),
        ),
    }
    for visit, (shape, affine) in grids.items():
        folder = root / "sub-01" / visit / "dwi"
        folder.mkdir(parents=True)
        nib.save(
            nib.Nifti1Image(np.zeros(shape + (2,), np.float32), affine),
            folder / f"sub-01_{visit}_dwi.nii.gz",
        )
    (root / "participants.tsv").write_text("participant_id\tage\nsub-01\t70\n")
    return grids


def test_import_from_a_foreign_grid_places_each_component(tmp_path):
    make_study(tmp_path)
    fine = np.diag([0.5, 0.5, 0.5, 1.0])
    fine[:3, 3] = [-10.0, -10.0, -10.0]
    mask = np.zeros((60, 60, 60), np.uint8)
    mask[10:14, 10:14, 10:14] = 1  # world x,y,z in [-5, -3.5]: reference voxels i=17, j=12..13, k=5
    mask[40:44, 40:44, 40:44] = 7  # another component (any non-zero value counts)
    nib.save(nib.Nifti1Image(mask, fine), tmp_path / "detector.nii.gz")
    ids = import_mask(tmp_path, "A", "sub-01", "ses-02", "A-CMI", tmp_path / "detector.nii.gz")
    assert ids == [1, 2]
    with RaterWorkspace(tmp_path, "A") as workspace:
        session = workspace.open_session("sub-01")
        assert session.labels.grid.same_as(nib_grid(REF_AFFINE, (30, 30, 20)))
        rows = {r["lesion_id"]: r for r in session.lesions()}
        # IDs follow the reference grid's voxel order (x is flipped there): lesion 2 is the first component
        assert np.allclose(
            rows[2]["centre"], (-4.25, -4.25, -4.25), atol=1.01
        )  # within one reference voxel
        assert np.allclose(rows[1]["centre"], (10.75, 10.75, 10.75), atol=1.01)
        assert rows[2]["onset_visit"] == "ses-02" and rows[2]["origin"] == "import:detector.nii.gz"
        # nearest neighbour: every imported voxel centre lies inside the source component's extent
        centres = session.labels.grid.voxel_to_world(np.argwhere(session.labels.data == 2))
        assert np.all((centres >= -5.25) & (centres <= -3.25))


def nib_grid(affine, shape):
    from processing.annotations import Grid

    return Grid(shape, affine)


def test_import_refuses_bad_input(tmp_path):
    make_study(tmp_path)
    far = np.zeros((5, 5, 5), np.uint8)
    far[2, 2, 2] = 1
    nib.save(
        nib.Nifti1Image(far, np.diag([1, 1, 1, 1.0]) + np.diag([0, 0, 0, 0]) * 0 + _shift(500)),
        tmp_path / "far.nii.gz",
    )
    with pytest.raises(FerretError, match="no voxel inside"):
        import_mask(tmp_path, "A", "sub-01", "ses-01", "CMB", tmp_path / "far.nii.gz")
    with pytest.raises(FerretError, match="visit ses-09"):
        import_mask(tmp_path, "A", "sub-01", "ses-09", "CMB", tmp_path / "far.nii.gz")
    with pytest.raises(FerretError, match="not found"):
        import_mask(tmp_path, "A", "sub-01", "ses-01", "CMB", tmp_path / "missing.nii.gz")


def _shift(mm):
    out = np.zeros((4, 4))
    out[:3, 3] = mm
    return out


def test_export_voxel_by_voxel_and_cell_by_cell(tmp_path):
    grids = make_study(tmp_path)
    with RaterWorkspace(tmp_path, "A") as workspace:
        session = workspace.open_session(
            "sub-01", nib_grid(REF_AFFINE, (30, 30, 20)), visit="ses-01"
        )
        with session.labels.stroke():
            session.labels.write((slice(5, 7), slice(5, 7), slice(5, 6)), np.full((2, 2, 1), 1))
        session.lesion_type = "CMB"
        with session.labels.stroke():
            session.labels.write(
                (slice(20, 21), slice(20, 21), slice(10, 11)), np.full((1, 1, 1), 2)
            )
        for field, value in [
            ("certainty", "definite"),
            ("mars_region", "lobar"),
            ("mars_lobe", "occipital"),
        ]:
            session.set_rating(2, field, value)
        session.set_rating(1, "dwi_onset", "hyper")
        reference = session.labels.data.copy()
    out = (
        tmp_path / "derivatives" / "export"
    )  # exports may go under derivatives/, never the raw study
    written = export_rater(tmp_path, "A", out)
    ref_img = nib.load(str(written["reference_masks"][0]))
    assert np.array_equal(np.asarray(ref_img.dataobj), reference) and np.allclose(
        ref_img.affine, REF_AFFINE
    )
    native = {p.parent.name: nib.load(str(p)) for p in written["native_masks"]}
    assert np.array_equal(np.asarray(native["ses-01"].dataobj), reference)
    shape2, affine2 = grids["ses-02"]
    data2 = np.asarray(native["ses-02"].dataobj)
    assert data2.shape == shape2
    for ijk in np.argwhere(data2 > 0):  # every native voxel maps back into its lesion
        back = np.round(np.linalg.solve(REF_AFFINE, affine2 @ [*ijk, 1])[:3]).astype(int)
        assert reference[tuple(back)] == data2[tuple(ijk)]
    assert set(np.unique(data2)) == {0, 1, 2}
    rows = list(csv.DictReader(open(out / "rater-A_lesions.csv")))
    assert [(r["lesion_id"], r["type"]) for r in rows] == [("1", "A-CMI"), ("2", "CMB")]
    first, second = rows
    centre = REF_AFFINE @ [5.5, 5.5, 5, 1]
    assert (float(first["centre_x"]), float(first["centre_y"]), float(first["centre_z"])) == tuple(
        centre[:3]
    )
    assert float(first["volume_mm3"]) == 4 * 8.0 and first["rating_dwi_onset"] == "hyper"
    assert first["onset_visit"] == "ses-01" and first["rater"] == "A" and first["created"]
    assert second["location"] == "lobar:occipital" and second["rating_certainty"] == "definite"
    assert second["onset_visit"] == "" and float(second["diameter_mm"]) == 2.0
    book = openpyxl.load_workbook(out / "rater-A_ratings.xlsx")
    sheet = book["lesions"]
    header = [c.value for c in sheet[1]]
    assert header == list(rows[0].keys())
    definitions = {row[0]: row[1] for row in book["columns"].iter_rows(min_row=2, values_only=True)}
    assert "edge of a cube" in definitions["diameter_mm"] and set(definitions) <= set(header)
    for excel_row, csv_row in zip(sheet.iter_rows(min_row=2, values_only=True), rows, strict=True):
        for column, value in zip(header, excel_row, strict=True):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                assert float(csv_row[column]) == value, column
            else:
                assert ("" if value is None else str(value)) == csv_row[column], column
    summary = [tuple(c.value for c in row) for row in book["summary"].iter_rows(min_row=2)]
    assert ("sub-01", "CMB", "all", 1) in summary and (
        "sub-01",
        "CMB",
        "lobar:occipital",
        1,
    ) in summary
    sidecar = json.loads(
        written["reference_masks"][0]
        .with_name("sub-01_space-ref_desc-lesions_dseg.json")
        .read_text()
    )
    assert sidecar["Parameters"] == {"space": "reference"} and sidecar["Inputs"]


def test_builtin_schemas_cover_the_issue():
    schemas = load_schemas()
    assert set(schemas) == {"A-CMI", "C-CMI", "CMB", "lacune", "WMH", "other"}
    acmi = schemas["A-CMI"].field_ids
    for modality in ("dwi", "md", "flair", "t1", "swi", "r2star"):
        assert f"{modality}_onset" in acmi and f"{modality}_last" in acmi
    assert {"visible_followup", "excluded", "exclusion_reason", "comment"} <= set(acmi)
    assert {"t1", "flair", "swi", "r2star", "cavitation"} <= set(schemas["C-CMI"].field_ids)
    assert [o.value for o in schemas["CMB"].field("certainty").options] == ["definite", "possible"]


@pytest.mark.parametrize(
    "broken, message",
    [
        ("{", "cannot read"),
        (
            '{"lesion_type": "tumour", "fields": [{"id": "a", "kind": "text"}]}',
            "lesion_type 'tumour'",
        ),
        (
            '{"lesion_type": "CMB", "fields": [{"id": "a", "options": [{"value": "x", "key": "xy"}]}]}',
            "one-character",
        ),
        (
            '{"lesion_type": "CMB", "fields": [{"id": "a", "options": [{"value": "x", "key": "k"}, '
            '{"value": "y", "key": "K"}]}]}',
            "same key",
        ),
        (
            '{"lesion_type": "CMB", "fields": [{"id": "a", "kind": "text", "when": {"b": "x"}}]}',
            "unknown field",
        ),
    ],
)
def test_broken_schema_names_the_file(tmp_path, broken, message):
    path = tmp_path / "CMB.json"
    path.write_text(broken)
    with pytest.raises(FerretError, match=message) as caught:
        load_schema(path)
    assert caught.value.path == path


def test_a_study_brings_its_own_schema(tmp_path):
    folder = tmp_path / "code" / "ferret" / "rating_schemas"
    folder.mkdir(parents=True)
    (folder / "other.json").write_text(
        json.dumps(
            {
                "lesion_type": "other",
                "fields": [{"id": "finding", "options": [{"value": "cyst", "key": "c"}]}],
            }
        )
    )
    schemas = load_schemas(tmp_path)
    assert schemas["other"].field_ids == ["finding"] and "comment" in schemas["CMB"].field_ids
