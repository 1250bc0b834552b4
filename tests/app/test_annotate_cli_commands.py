"""``ferret annotate import`` and ``ferret export`` end to end on a minimal BIDS folder."""

from __future__ import annotations

import csv

import nibabel as nib
import numpy as np
import pytest

from app.cli import main

AFFINE = np.diag([2.0, 2.0, 2.0, 1.0])


@pytest.fixture
def study(tmp_path):
    folder = tmp_path / "study" / "sub-01" / "ses-01" / "dwi"
    folder.mkdir(parents=True)
    nib.save(
        nib.Nifti1Image(np.zeros((20, 20, 10, 2), np.float32), AFFINE),
        folder / "sub-01_ses-01_dwi.nii.gz",
    )
    mask = np.zeros((20, 20, 10), np.uint8)
    mask[2:4, 2:4, 2] = 1
    mask[10, 10, 5] = 1
    nib.save(nib.Nifti1Image(mask, AFFINE), tmp_path / "itksnap.nii.gz")
    return tmp_path


def test_import_then_export(study, capsys):
    root = study / "study"
    code = main(
        [
            "annotate",
            "import",
            str(root),
            str(study / "itksnap.nii.gz"),
            "--rater",
            "R1",
            "--participant",
            "sub-01",
            "--visit",
            "ses-01",
            "--type",
            "CMB",
        ]
    )
    assert code == 0 and "imported 2 lesion(s)" in capsys.readouterr().out
    assert main(["export", str(root), "--rater", "R1", "--out", str(study / "out")]) == 0
    rows = list(csv.DictReader(open(study / "out" / "rater-R1_lesions.csv")))
    assert [(r["lesion_id"], r["type"], r["volume_mm3"]) for r in rows] == [
        ("1", "CMB", "32.0"),
        ("2", "CMB", "8.0"),
    ]
    exported = nib.load(str(study / "out" / "sub-01" / "sub-01_space-ref_desc-lesions_dseg.nii.gz"))
    assert np.array_equal(
        np.asarray(exported.dataobj) > 0,
        np.asarray(nib.load(str(study / "itksnap.nii.gz")).dataobj) > 0,
    )


def test_errors_are_messages_not_tracebacks(study, capsys):
    code = main(["export", str(study / "study"), "--rater", "nobody", "--out", str(study / "out")])
    assert code == 2 and "has no annotations" in capsys.readouterr().err
    code = main(
        [
            "annotate",
            "import",
            str(study / "study"),
            str(study / "itksnap.nii.gz"),
            "--rater",
            "R1",
            "--participant",
            "sub-07",
            "--visit",
            "ses-01",
            "--type",
            "CMB",
        ]
    )
    assert code == 2 and "sub-07 is not in this study" in capsys.readouterr().err


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["annotate", "import", "--help"])
    out = capsys.readouterr().out
    assert "--participant" in out and "A-CMI" in out


def test_export_into_the_raw_study_is_refused_and_writes_nothing(study, capsys):
    root = study / "study"
    main(
        [
            "annotate",
            "import",
            str(root),
            str(study / "itksnap.nii.gz"),
            "--rater",
            "R1",
            "--participant",
            "sub-01",
            "--visit",
            "ses-01",
            "--type",
            "CMB",
        ]
    )
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    code = main(["export", str(root), "--rater", "R1", "--out", str(root / "sub-01")])
    assert code == 2 and "raw study" in capsys.readouterr().err
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_empty_mask_is_named_and_leaves_no_annotation_folder(study, capsys):
    empty = study / "empty.nii.gz"
    nib.save(nib.Nifti1Image(np.zeros((20, 20, 10), np.uint8), AFFINE), empty)
    code = main(
        [
            "annotate",
            "import",
            str(study / "study"),
            str(empty),
            "--rater",
            "R2",
            "--participant",
            "sub-01",
            "--visit",
            "ses-01",
            "--type",
            "CMB",
        ]
    )
    assert code == 2 and "the mask is empty" in capsys.readouterr().err
    outside = study / "outside.nii.gz"
    shifted = AFFINE.copy()
    shifted[:3, 3] = 1000.0
    nib.save(nib.Nifti1Image(np.ones((2, 2, 2), np.uint8), shifted), outside)
    code = main(
        [
            "annotate",
            "import",
            str(study / "study"),
            str(outside),
            "--rater",
            "R2",
            "--participant",
            "sub-01",
            "--visit",
            "ses-01",
            "--type",
            "CMB",
        ]
    )
    assert code == 2 and "no voxel inside" in capsys.readouterr().err
    assert not (study / "study" / "derivatives" / "ferret-annotations" / "rater-R2").exists()
