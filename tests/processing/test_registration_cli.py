"""``ferret process STUDY --steps maps,register,resample`` end to end on a 2-visit tiny phantom."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from app.cli import main as ferret
from processing.fileio import load_nifti
from processing.phantom import load_truth, make_phantom_study
from processing.registration.geometry import displacement_stats, mask_points


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    root = make_phantom_study(
        tmp_path_factory.mktemp("regcli") / "study", visits=2, scale="tiny", seed=3
    )
    assert ferret(["process", str(root), "--steps", "maps,register,resample"]) == 0
    return root


@pytest.mark.slow
def test_process_writes_transforms_and_space_ref_outputs(processed, capsys):
    xfm = processed / "derivatives" / "ferret" / "sub-01" / "ses-02" / "xfm"
    anat = xfm.parent / "anat"
    for name in (
        "from-MESE_to-UNIT1",
        "from-UNIT1_to-ses01UNIT1",
        "from-MESE_to-ref",
        "from-dwi_to-ref",
    ):
        assert (xfm / f"sub-01_ses-02_{name}_mode-image_xfm.txt").exists(), name
    sidecar = json.loads((xfm / "sub-01_ses-02_from-MESE_to-ref_mode-image_xfm.json").read_text())
    assert sidecar["Direction"].startswith(
        "MatrixRAS maps RAS mm of MESE's world to RAS mm of ref's world"
    )
    assert sidecar["QCFlags"] == [] and len(sidecar["Inputs"]) == 3
    assert sidecar["Chain"][0] == "ses-02 MESE -> ses-02 UNIT1"
    for name in ("R2starmap", "R2map", "R1map", "FLAIR", "desc-brainMESE_mask"):
        out = anat / f"sub-01_ses-02_space-ref_{name}.nii.gz"
        provenance = json.loads(out.with_name(out.name.replace(".nii.gz", ".json")).read_text())
        assert any("_to-ref_" in item["path"] for item in provenance["Inputs"]), name
    assert (
        xfm.parent / "dwi" / "sub-01_ses-02_space-ref_model-tensor_param-md_dwimap.nii.gz"
    ).exists()
    mask, _, _ = load_nifti(anat / "sub-01_ses-02_space-ref_desc-brainMESE_mask.nii.gz", dtype=None)
    assert set(np.unique(mask)) == {0, 1}  # nearest neighbour, not interpolated


@pytest.mark.slow
def test_composed_transforms_match_the_planted_motion(processed):
    truth = load_truth(processed, "sub-01")
    dwi1 = truth.acquisition("ses-01", "dwi")
    points = mask_points(dwi1.load_map("tissue") >= 4, dwi1.affine, max_points=4000)
    for key, name in (
        ("MESE", "MESE"),
        ("FLAIR", "FLAIR"),
        ("UNIT1", "MP2RAGE"),
        ("MEGRE", "MEGRE"),
    ):
        path = (
            processed
            / "derivatives"
            / "ferret"
            / "sub-01"
            / "ses-02"
            / "xfm"
            / f"sub-01_ses-02_from-{key}_to-ref_mode-image_xfm.json"
        )
        matrix = np.array(json.loads(path.read_text())["MatrixRAS"])
        expected = dwi1.world_from_anatomy @ np.linalg.inv(
            truth.acquisition("ses-02", name).world_from_anatomy
        )
        assert displacement_stats(matrix, expected, points)["mean_mm"] < 0.5, key


@pytest.mark.slow
def test_second_run_is_cached_and_rewrites_nothing(processed, capsys):
    outputs = sorted((processed / "derivatives" / "ferret").rglob("*_space-ref_*")) + sorted(
        (processed / "derivatives" / "ferret").rglob("*_xfm.txt")
    )
    before = {path: path.stat().st_mtime_ns for path in outputs}
    capsys.readouterr()
    assert ferret(["process", str(processed), "--steps", "register,resample"]) == 0
    captured = capsys.readouterr()
    assert "wrote" not in captured.out  # nothing written: no per-visit lines
    summary = next(line for line in captured.err.splitlines() if " up to date, " in line)
    assert (
        summary.startswith("0 done, ")
        and " 0 failed" in summary
        and not summary.startswith("0 done, 0 up")
    )
    registration_warnings = [
        line
        for line in captured.err.splitlines()
        if line.startswith("QC WARNING") and "_dwimap" not in line
    ]  # DWI zeros are the maps'
    assert registration_warnings == []
    assert {path: path.stat().st_mtime_ns for path in outputs} == before


@pytest.mark.slow
def test_a_flagged_link_prints_a_qc_warning_for_its_composed_transforms(
    processed, tmp_path, capsys
):
    root = tmp_path / "study"
    shutil.copytree(processed, root)
    xfm = root / "derivatives" / "ferret" / "sub-01" / "ses-02" / "xfm"
    link = xfm / "sub-01_ses-02_from-MESE_to-UNIT1_mode-image_xfm.json"
    record = json.loads(link.read_text())
    link.write_text(
        json.dumps({**record, "QCFlags": ["poor metric"]})
    )  # as if the registration were suspect
    capsys.readouterr()
    assert ferret(["process", str(root), "--steps", "register"]) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if line.startswith("QC WARNING:")]
    assert len(warnings) == 1 and "ses-02 MESE -> ses-02 UNIT1: poor metric" in warnings[0]
    composed = json.loads((xfm / "sub-01_ses-02_from-MESE_to-ref_mode-image_xfm.json").read_text())
    assert composed["QCFlags"] == ["ses-02 MESE -> ses-02 UNIT1: poor metric"]
