"""The phantom as a BIDS study: layout, sidecars, determinism, refusal, command line."""

from __future__ import annotations

import csv
import datetime as dt
import json

import nibabel as nib
import numpy as np
import pytest

from app.cli import main
from processing.errors import FerretError
from processing.phantom import load_truth, make_phantom_study
from processing.progress import Progress


def _files(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow  # builds phantom studies
def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a = make_phantom_study(tmp_path / "a", visits=1, scale="tiny", seed=3)
    b = make_phantom_study(tmp_path / "b", visits=1, scale="tiny", seed=3)
    c = make_phantom_study(tmp_path / "c", visits=1, scale="tiny", seed=4)
    files_a, files_b, files_c = _files(a), _files(b), _files(c)
    assert files_a.keys() == files_b.keys() == files_c.keys()
    assert files_a == files_b
    image = next(k for k in files_a if str(k).endswith("_UNIT1.nii.gz"))
    assert files_a[image] != files_c[image]


def test_layout_tables_and_sidecars(phantom_study):
    with open(phantom_study / "participants.tsv", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert rows[0]["participant_id"] == "sub-01"
    assert {"age", "sex", "hypertension", "group"} <= rows[0].keys()
    with open(phantom_study / "sub-01" / "sub-01_sessions.tsv", newline="") as handle:
        sessions = list(csv.DictReader(handle, delimiter="\t"))
    assert [s["session_id"] for s in sessions] == ["ses-01", "ses-02", "ses-03", "ses-04"]
    dates = [dt.datetime.fromisoformat(s["acq_time"]) for s in sessions]
    gaps = np.diff([d.timestamp() / 86400 for d in dates])
    assert np.all((gaps > 24) & (gaps < 32))
    anat = phantom_study / "sub-01" / "ses-02" / "anat"
    assert len(list(anat.glob("*_part-mag_MEGRE.nii.gz"))) == 6
    assert len(list(anat.glob("*_part-phase_MEGRE.nii.gz"))) == 6
    inv1 = json.loads((anat / "sub-01_ses-02_inv-1_MP2RAGE.json").read_text())
    inv2 = json.loads((anat / "sub-01_ses-02_inv-2_MP2RAGE.json").read_text())
    assert (inv1["InversionTime"], inv2["InversionTime"]) == (0.7, 2.5)
    for key in (
        "RepetitionTimePreparation",
        "RepetitionTimeExcitation",
        "NumberShots",
        "PartialFourier",
        "InversionEfficiency",
        "FlipAngle",
        "AcquisitionDateTime",
    ):
        assert key in inv1
    echo2 = json.loads((anat / "sub-01_ses-02_echo-2_part-mag_MEGRE.json").read_text())
    assert echo2["EchoTime"] == pytest.approx(0.00984)
    epi = json.loads(
        (phantom_study / "sub-01/ses-02/fmap/sub-01_ses-02_dir-AP_epi.json").read_text()
    )
    dwi = json.loads((phantom_study / "sub-01/ses-02/dwi/sub-01_ses-02_dwi.json").read_text())
    assert {epi["PhaseEncodingDirection"], dwi["PhaseEncodingDirection"]} == {"j", "j-"}
    assert (phantom_study / "derivatives/phantom-truth/sub-01/sub-01_truth.json").is_file()


def test_orientations_dtypes_and_noise(phantom_study):
    anat = phantom_study / "sub-01" / "ses-01" / "anat"
    codes = {
        name: nib.aff2axcodes(nib.load(str(anat / f"sub-01_ses-01_{name}.nii.gz")).affine)
        for name in ("UNIT1", "echo-1_part-mag_MEGRE", "FLAIR")
    }
    assert codes == {
        "UNIT1": ("A", "S", "R"),
        "echo-1_part-mag_MEGRE": ("L", "P", "S"),
        "FLAIR": ("R", "A", "S"),
    }
    mese = nib.load(str(anat / "sub-01_ses-01_echo-1_MESE.nii.gz")).affine[:3, :3]
    assert np.count_nonzero(np.abs(mese) > 1e-6) > 3  # oblique
    uni = nib.load(str(anat / "sub-01_ses-01_UNIT1.nii.gz"))
    assert uni.get_data_dtype() == np.uint16 and np.asarray(uni.dataobj).max() <= 4095
    magnitude = np.asarray(
        nib.load(str(anat / "sub-01_ses-01_echo-1_part-mag_MEGRE.nii.gz")).dataobj
    )
    assert magnitude.dtype == np.uint16
    corner = magnitude[:5, :5, :5].astype(float)  # background: Rayleigh noise, not zeros
    assert corner.mean() > 5 and corner.std() > 2
    phase = np.asarray(nib.load(str(anat / "sub-01_ses-01_echo-1_part-phase_MEGRE.nii.gz")).dataobj)
    assert phase.min() >= -np.pi and phase.max() < np.pi
    dwi = nib.load(str(phantom_study / "sub-01/ses-01/dwi/sub-01_ses-01_dwi.nii.gz"))
    bvals = np.loadtxt(phantom_study / "sub-01/ses-01/dwi/sub-01_ses-01_dwi.bval")
    assert dwi.shape[3] == bvals.size and set(bvals) == {0.0, 1000.0, 3000.0}


def test_truth_reader(phantom_study):
    truth = load_truth(phantom_study, "sub-01")
    assert truth.sessions == ["ses-01", "ses-02", "ses-03", "ses-04"]
    assert {lesion.type for lesion in truth.lesions} == {"acmi", "ccmi", "microbleed", "wmh"}
    acquisition = truth.acquisition("ses-03", "dwi")
    assert acquisition.load_map("MDmap").shape == acquisition.shape
    with pytest.raises(KeyError):
        acquisition.load_map("T1map")
    with pytest.raises(FerretError):
        load_truth(phantom_study, "sub-99")
    lesion = truth.lesions[0]
    source, target = truth.acquisition("ses-02", "MEGRE"), truth.acquisition("ses-01", "MP2RAGE")
    move = truth.world_transform(("ses-02", "MEGRE"), ("ses-01", "MP2RAGE"))
    in_source = source.world_from_anatomy @ np.r_[lesion.centre_mm, 1]
    np.testing.assert_allclose(
        move @ in_source, target.world_from_anatomy @ np.r_[lesion.centre_mm, 1]
    )


def test_refuses_foreign_folder_and_replaces_an_old_phantom(tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("precious")
    with pytest.raises(FerretError, match="not empty"):
        make_phantom_study(foreign, visits=1, scale="tiny")
    assert (foreign / "thesis.txt").read_text() == "precious" and len(list(foreign.iterdir())) == 1
    with pytest.raises(FerretError, match="scale"):
        make_phantom_study(tmp_path / "x", scale="huge")


@pytest.mark.slow  # builds phantom studies
def test_progress_reports_and_cancels(tmp_path):
    seen = []
    progress = Progress(lambda fraction, message: seen.append(fraction))
    make_phantom_study(tmp_path / "p", visits=1, scale="tiny", progress=progress, noise=False)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    cancelled = Progress()
    cancelled.cancel()
    from processing.errors import Cancelled

    with pytest.raises(Cancelled):
        make_phantom_study(tmp_path / "q", visits=1, scale="tiny", progress=cancelled)


@pytest.mark.slow  # builds phantom studies
def test_command_line_end_to_end(tmp_path, capsys):
    out = tmp_path / "cli"
    assert (
        main(
            [
                "phantom",
                str(out),
                "--scale",
                "tiny",
                "--visits",
                "1",
                "--no-noise",
                "--seed",
                "2",
                "--participants",
                "2",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "wrote phantom study" in printed and "52 images" in printed  # 26 per visit
    assert (out / "sub-02/ses-01/anat/sub-02_ses-01_UNIT1.nii.gz").is_file()
    groups = [
        line.split("\t")[-1] for line in (out / "participants.tsv").read_text().splitlines()[1:]
    ]
    assert groups == ["svd", "control"]
    assert (
        main(["phantom", str(out), "--scale", "tiny", "--visits", "2", "--no-noise"]) == 0
    )  # replaces
    assert sorted(p.name for p in out.glob("sub-01/ses-*")) == ["ses-01", "ses-02"]
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "data.nii").write_bytes(b"x")
    assert main(["phantom", str(tmp_path / "other"), "--scale", "tiny"]) == 2
    assert "not a phantom study" in capsys.readouterr().err


@pytest.mark.slow  # builds phantom studies
def test_no_motion_keeps_the_head_still_and_changes_nothing_else(tmp_path):
    assert (
        main(
            [
                "phantom",
                str(tmp_path / "still"),
                "--scale",
                "tiny",
                "--visits",
                "2",
                "--no-motion",
                "--seed",
                "5",
            ]
        )
        == 0
    )
    moving = make_phantom_study(tmp_path / "moving", visits=2, scale="tiny", seed=5)
    still, moved = load_truth(tmp_path / "still", "sub-01"), load_truth(moving, "sub-01")
    assert still.record["motion"] is False and moved.record["motion"] is True
    for key, acquisition in still.acquisitions.items():
        np.testing.assert_array_equal(acquisition.world_from_anatomy, np.eye(4))
        assert not np.allclose(moved.acquisitions[key].world_from_anatomy, np.eye(4), atol=1e-3)
    assert [lesion.centre_mm.tolist() for lesion in still.lesions] == [
        lesion.centre_mm.tolist() for lesion in moved.lesions
    ]
    again = make_phantom_study(tmp_path / "again", visits=2, scale="tiny", seed=5, motion=False)
    assert _files(again) == _files(tmp_path / "still")  # still deterministic
