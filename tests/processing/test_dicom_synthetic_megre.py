"""ferret import-dicom on synthetic Siemens-like multi-echo GRE DICOM written from a phantom visit.

The phantom's own BIDS MEGRE (6 echoes, magnitude and phase) is written as
DICOM with pydicom (:mod:`dicom_writer`), imported, validated and processed;
its R2* must equal the R2* of the phantom's BIDS input. The magnitude is
integer in the phantom and stored losslessly, so R2* (from the magnitudes
only) must agree to float32 rounding; the phase is quantised in steps of
1e-4 rad, so it must agree within half a step.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import nibabel as nib
import numpy as np
import pytest
from dicom_writer import (
    PHASE_SLOPE,
    common_dataset,
    stored_values,
    write_megre_dicom,
    write_series,
)

from app.cli import main
from processing.dicom.dcm2niix_run import run_dcm2niix

pytestmark = pytest.mark.slow

ECHO_TIMES = [0.00492 * n for n in range(1, 7)]
#: half a phase step, plus float32 rounding of scl_slope/scl_inter and of the phantom's phase
PHASE_TOLERANCE = PHASE_SLOPE / 2 + 1e-6


def canonical(path):
    """Return the image's data and affine reoriented to RAS (dcm2niix may flip the axes)."""
    image = nib.as_closest_canonical(nib.load(path))
    return image.get_fdata(), image.affine


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    from processing.phantom import make_phantom_study

    return make_phantom_study(
        tmp_path_factory.mktemp("phantom") / "study", visits=1, scale="tiny", seed=0
    )


def megre_only(phantom, target):
    """Copy the phantom without its derivatives and every image but the MEGRE: the reference."""
    shutil.copytree(phantom, target, ignore=shutil.ignore_patterns("derivatives"))
    for path in target.glob("sub-*/ses-*/*/*"):
        if "MEGRE" not in path.name:
            path.unlink()
    return target


def r2star(study):
    return study / "derivatives/ferret/sub-01/ses-01/anat/sub-01_ses-01_R2starmap.nii.gz"


@pytest.mark.parametrize("per_echo", [False, True], ids=["series-per-part", "series-per-echo"])
def test_synthetic_megre_imports_validates_and_gives_the_phantoms_r2star(
    per_echo, phantom, tmp_path, capsys
):
    dicom, study = tmp_path / "dicom", tmp_path / "imported"
    folders = write_megre_dicom(phantom / "sub-01" / "ses-01", dicom, per_echo=per_echo)
    assert len(folders) == (12 if per_echo else 2)
    args = ["--participant", "sub-01", "--session", "ses-01"]
    assert main(["import-dicom", str(dicom), str(study), *args]) == 0
    out = capsys.readouterr().out
    assert "12 image(s) placed, 0 skipped" in out and "the visit is usable" in out
    ours, theirs = study / "sub-01/ses-01/anat", phantom / "sub-01/ses-01/anat"
    for echo, te in enumerate(ECHO_TIMES, 1):
        for part in ("mag", "phase"):
            name = f"sub-01_ses-01_echo-{echo}_part-{part}_MEGRE"
            sidecar = json.loads((ours / f"{name}.json").read_text())
            assert sidecar["EchoTime"] == pytest.approx(te, abs=1e-9)
            assert sidecar["EchoNumber"] == echo
            assert not [k for k in sidecar if k.startswith("Patient")]
            mine, affine = canonical(ours / f"{name}.nii.gz")
            truth, truth_affine = canonical(theirs / f"{name}.nii.gz")
            assert np.abs(affine - truth_affine).max() < 1e-4
            tolerance = 0.0 if part == "mag" else PHASE_TOLERANCE
            assert np.abs(mine - truth).max() <= tolerance
    sessions = (study / "sub-01/sub-01_sessions.tsv").read_text().split()
    assert sessions == ["session_id", "acq_time", "ses-01", "2023-04-24T11:52:00"]
    assert main(["validate", str(study)]) == 0
    reference = megre_only(phantom, tmp_path / "reference")
    for root in (study, reference):
        assert main(["process", str(root), "--steps", "maps"]) == 0
    mine, affine = canonical(r2star(study))
    truth, truth_affine = canonical(r2star(reference))
    assert np.abs(affine - truth_affine).max() < 1e-4
    assert truth.max() > 10  # a real map, not an empty one
    assert np.abs(mine - truth).max() <= 1e-6 * np.abs(truth).max()


def test_oblique_geometry_survives_lps_and_dcm2niix(tmp_path):
    """An oblique, anisotropic volume comes back with its affine and voxels (any axis flips)."""
    angle, tilt = np.deg2rad(12.0), np.deg2rad(-7.0)
    rx = np.array(
        [[1, 0, 0], [0, np.cos(angle), -np.sin(angle)], [0, np.sin(angle), np.cos(angle)]]
    )
    rz = np.array([[np.cos(tilt), -np.sin(tilt), 0], [np.sin(tilt), np.cos(tilt), 0], [0, 0, 1]])
    affine = np.eye(4)
    affine[:3, :3] = rz @ rx @ np.diag([-0.8, 0.9, 2.0])
    affine[:3, 3] = [40.0, -60.0, -20.5]
    data = np.arange(7 * 9 * 5, dtype=np.uint16).reshape(7, 9, 5) * 3
    sidecar = {"RepetitionTime": 0.035, "FlipAngle": 15.0, "EchoTime": 0.005, "EchoNumber": 1}
    common = common_dataset(sidecar, dt.datetime(2024, 1, 2, 3, 4, 5), "1.2.3", "1.2.3.4")
    series = {
        "SeriesNumber": 9,
        "SeriesDescription": "gre_me3d_oblique",
        "ImageType": ["ORIGINAL", "PRIMARY", "M", "ND"],
        "RescaleSlope": 1.0,
        "RescaleIntercept": 0.0,
        "affine": affine,
    }
    write_series(tmp_path / "dicom", [(stored_values(data, 1.0, 0.0), sidecar)], series, common)
    (tmp_path / "out").mkdir()
    [converted] = run_dcm2niix(tmp_path / "dicom", tmp_path / "out", sidecars_only=False)
    mine, mine_affine = canonical(tmp_path / "out" / f"{converted.stem}.nii.gz")
    original = nib.as_closest_canonical(nib.Nifti1Image(data, affine))
    assert np.abs(mine_affine - original.affine).max() < 1e-4
    assert np.array_equal(mine, original.get_fdata())
