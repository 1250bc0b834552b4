"""``ferret timecourses`` and ``ferret stats timecourses`` on a small study on disk."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from app.cli import main
from processing.annotations import Grid, RaterWorkspace
from processing.fileio import save_nifti
from processing.study.example import write_tiny_study

SHAPE = (12, 12, 6)
AFFINE = np.diag([2.0, 2.0, 2.0, 1.0])
CENTRES = [(2, 2, 3), (6, 6, 3), (9, 3, 3)]
ONSET_JUMP = [1.0, 2.0, 1.5]  # MD rise at onset (ses-02), half of it at ses-03


@pytest.fixture()
def study(tmp_path):
    root = write_tiny_study(tmp_path / "study", participants=1, visits=3)
    for visit, scale in (("ses-01", 0.0), ("ses-02", 1.0), ("ses-03", 0.5)):
        md = np.full(SHAPE, 0.5, dtype=np.float32)
        for centre, jump in zip(CENTRES, ONSET_JUMP, strict=True):
            md[centre] += scale * jump
        base = root / "derivatives" / "ferret" / "sub-01" / visit
        save_nifti(
            base / "dwi" / f"sub-01_{visit}_space-ref_model-tensor_param-md_dwimap.nii.gz",
            md,
            AFFINE,
        )
        save_nifti(
            base / "anat" / f"sub-01_{visit}_space-ref_R2starmap.nii.gz",
            np.full(SHAPE, 16.0, np.float32),
            AFFINE,
        )
    workspace = RaterWorkspace(root, "A")
    try:
        session = workspace.open_session("sub-01", Grid(SHAPE, AFFINE), visit="ses-02")
        for lesion_id, (i, j, k) in enumerate(CENTRES, start=1):
            session.labels.write(
                (slice(i, i + 1), slice(j, j + 1), slice(k, k + 1)),
                np.full((1, 1, 1), lesion_id, np.int32),
            )
        session.flush()
    finally:
        workspace.close()
    return root


def test_timecourses_command_writes_rows_and_figures(study, tmp_path, capsys):
    out = tmp_path / "tc.csv"
    assert (
        main(
            [
                "timecourses",
                str(study),
                "--rater",
                "A",
                "--out",
                str(out),
                "--figures",
                str(tmp_path / "figs"),
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 3 * 3 * 2  # lesions x visits x parameters
    md = [r for r in rows if r["parameter"] == "MD" and r["lesion_id"] == "2"]
    assert [float(r["normalised_difference"]) for r in md] == pytest.approx([0.0, 2.0, 1.0])
    assert [r["visit_class"] for r in md] == ["pre-lesional", "lesional", "post-lesional"]
    assert md[0]["lesion_voxels"] == "1" and md[0]["control_voxels"] == "26"
    printed = capsys.readouterr().out
    assert "3 lesion(s), 2 parameter(s)" in printed
    assert (tmp_path / "figs" / "timecourses_rater-A.png").stat().st_size > 0


def test_stats_timecourses_command(study, tmp_path, capsys):
    out = tmp_path / "stats.xlsx"
    assert main(["stats", "timecourses", str(study), "--rater", "A", "--out", str(out)]) == 0
    sheet = load_workbook(out)["statistics"]
    header = [c.value for c in sheet[1]]
    rows = [
        dict(zip(header, [c.value for c in line], strict=True))
        for line in sheet.iter_rows(min_row=2)
    ]
    md = [r for r in rows if r["parameter"] == "MD"]
    assert md[0]["test"] == "repeated-measures ANOVA" and md[0]["n"] == 3
    onset = next(r for r in md if r["comparison"] == "lesional - pre-lesional")
    assert onset["mean_difference"] == pytest.approx(np.mean(ONSET_JUMP))
    assert "repeated-measures ANOVA" in capsys.readouterr().out


def test_timecourses_command_reports_bad_rater(study, tmp_path, capsys):
    assert main(["timecourses", str(study), "--rater", "Z", "--out", str(tmp_path / "x.csv")]) == 2
    assert "no annotated participant of rater Z" in capsys.readouterr().err


def test_unknown_participant_is_named(study, tmp_path, capsys):
    code = main(
        [
            "timecourses",
            str(study),
            "--rater",
            "A",
            "--participant",
            "sub-99",
            "--out",
            str(tmp_path / "x.csv"),
        ]
    )
    assert code == 2 and "sub-99 not in this study" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_provenance_lists_the_annotations_and_maps_read(study, tmp_path):
    import json

    out = tmp_path / "tc.csv"
    assert main(["timecourses", str(study), "--rater", "A", "--out", str(out)]) == 0
    inputs = json.loads(out.with_suffix(".json").read_text())["Inputs"]
    names = {Path(entry["path"]).name for entry in inputs}
    assert all(entry["checksum"].startswith("sha256:") for entry in inputs)
    assert (
        "sub-01_annotations.sqlite" in names
        and "sub-01_space-ref_desc-lesions_dseg.nii.gz" in names
    )
    assert {
        f"sub-01_{v}_space-ref_R2starmap.nii.gz" for v in ("ses-01", "ses-02", "ses-03")
    } <= names
