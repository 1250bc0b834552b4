"""``ferret cmb counts`` and ``ferret process --steps location`` on the command line.

The GRE-only study of the nnU-Net tests (no T1, rater AB's four microbleeds,
two marked at ses-01 and two at ses-02) with a hand-made atlas map: counts per
visit, one row per participant with ``--visit``, and every bad input as one
line naming the file and the fix, exit status 2.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from app.cli import main as ferret
from processing.fileio import save_nifti
from processing.location.participant import atlas_file
from tests.processing.nnunet_data import GRID, write_gre_study


@pytest.fixture
def study(tmp_path):
    return write_gre_study(tmp_path / "study")


def with_atlas(study, region: int = 9):
    data = np.full(GRID.shape, region, np.uint8)
    data[:, :, GRID.shape[2] // 2 :] = 2  # the upper half: cerebellum
    save_nifti(atlas_file(study, "sub-01"), data, GRID.affine)
    return study


def read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


def test_counts_per_visit_and_for_one_visit(study, tmp_path, capsys):
    with_atlas(study)
    out = tmp_path / "counts.xlsx"
    assert ferret(["cmb", "counts", str(study), "--rater", "AB", "--out", str(out)]) == 0
    assert "cmb_infratentorial" in capsys.readouterr().out
    out = tmp_path / "counts.csv"
    assert ferret(["cmb", "counts", str(study), "--rater", "AB", "--out", str(out)]) == 0
    rows = read(out)
    assert [r["cmb_total"] for r in rows] == ["2", "4", "4"]  # ses-02 adds two; they persist
    # lesions at z voxel 5 and 4 lie in the lower half (frontal), at 7 in the upper (cerebellum)
    assert [(r["cmb_lobar"], r["cmb_cerebellar"]) for r in rows] == [
        ("1", "1"),
        ("2", "2"),
        ("2", "2"),
    ]
    assert all(r["cmb_infratentorial"] == r["cmb_cerebellar"] for r in rows)
    assert all(r["cmb_location_atlas"] == r["cmb_total"] for r in rows)
    tsv = tmp_path / "counts.tsv"
    args = ["cmb", "counts", str(study), "--rater", "AB", "--visit", "first", "--out", str(tsv)]
    assert ferret(args) == 0
    lines = tsv.read_text().splitlines()
    assert len(lines) == 2 and lines[0].split("\t")[:3] == [
        "participant_id",
        "session_id",
        "cmb_total",
    ]


@pytest.mark.parametrize(
    "prepare, extra, message",
    [
        (None, ["--rater", "XY"], "rater XY has no annotations"),
        (None, ["--rater", "AB"], "the MARS atlas step has not run for this participant yet"),
        ("damaged", ["--rater", "AB"], "the MARS atlas map is damaged"),
        ("atlas", ["--rater", "AB", "--visit", "ses-09"], "no participant with the visit ses-09"),
    ],
)
def test_counts_bad_input_is_one_line(study, tmp_path, capsys, prepare, extra, message):
    if prepare == "atlas":
        with_atlas(study)
    if prepare == "damaged":
        path = with_atlas(study) and atlas_file(study, "sub-01")
        path.write_bytes(path.read_bytes()[:100])
    out = ["--out", str(tmp_path / "c.csv")]
    assert ferret(["cmb", "counts", str(study), *out, *extra]) == 2
    err = one_line(capsys)
    assert message in err
    if prepare is None and "atlas" in message:
        assert "sub-01_space-ref_mars.nii.gz" in err and "--steps location" in err


def test_counts_refuse_a_bad_suffix(study, tmp_path, capsys):
    assert ferret(["cmb", "counts", str(study), "--rater", "AB", "--out", str(tmp_path / "c")]) == 2
    assert "F.csv, F.xlsx or F.tsv" in one_line(capsys)


def test_location_without_a_t1_names_the_missing_image(study, capsys):
    assert ferret(["process", str(study), "--steps", "location"]) == 2
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert "no T1-like image (T1w, UNIT1 or an R1 map)" in text and "Traceback" not in text


def test_the_raters_region_wins_and_needs_no_atlas(study, tmp_path, capsys):
    from processing.annotations.workspace import RaterWorkspace, ReviewWorkspace

    rows = ReviewWorkspace(study).read("AB", "sub-01")[1]
    with RaterWorkspace(study, "AB") as workspace:
        session = workspace.open_session("sub-01")
        for row in rows:
            session.set_rating(row.lesion_id, "mars_region", "deep")
            session.set_rating(row.lesion_id, "certainty", "definite")
        session.set_rating(rows[0].lesion_id, "mars_deep", "thalamus")
        session.flush()
    out = tmp_path / "c.csv"
    assert ferret(["cmb", "counts", str(study), "--rater", "AB", "--out", str(out)]) == 0
    last = read(out)[-1]
    assert (last["cmb_deep"], last["cmb_location_rater"], last["cmb_definite"]) == ("4", "4", "4")
    assert last["cmb_location_atlas"] == "0"
