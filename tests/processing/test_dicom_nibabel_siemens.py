"""``ferret import-dicom`` on the Siemens DICOM samples that nibabel ships (nibabel/nicom/tests/data).

The four files are one series of a Siemens Trio DTI (series 12
``CBU_DTI_64D_1A``, ImageType ORIGINAL/PRIMARY/DIFFUSION/.../MOSAIC, patient
``1234``, acquired 2010-01-14 20:29:59): ``siemens_dwi_0.dcm.gz`` and
``siemens_dwi_1000.dcm.gz`` are its b=0 and b=1000 mosaics (896x896 pixels =
7x7 tiles of 128x128, 48 slices); ``0.dcm`` and ``1.dcm`` are 256x256-pixel
copies of instances 1 and 2 with the same header (nibabel uses them only for
its header tests; its ``get_data`` cannot read their pixels as a mosaic).

What came out (dcm2niix v1.0.20260724, dcm2bids 3.3.1, nibabel 5.4.2, the shipped Siemens
configuration):

- All four in one folder: dcm2niix says "Slices not stacked: dimensions vary
  across slices" and makes two images of the one series under one name
  (``12_CBU_DTI_64D_1A`` 128x128x48x2 and ``12_CBU_DTI_64D_1Aa`` 36x36x48x2).
  Before the fix beside this test (dcm2niix_run.check_output, visit.check_planned),
  Ferret's scan pass saw one sidecar (the second overwrote
  the first), placed one image and dropped the other silently. Now: one line,
  exit status 2, nothing written (bad input, like a series missing slices).
- ``siemens_dwi_0`` + ``siemens_dwi_1000``: exit 0, recognised by the shipped
  ``dwi`` description (``dti`` in the series description) as
  ``dwi/sub-01_ses-01_dwi.{nii.gz,json,bval,bvec}``, 128x128x48x2 int16;
  bval ``0 1000`` (the CSA B_value; nibabel's b-matrix gives 992.05); the
  b=1000 bvec equals nibabel's q-vector turned into the image's voxel axes
  within 1e-5; both volumes' voxels equal nibabel's ``get_data()`` after
  reorienting both to RAS; the affine equals the wrapper's (LPS to RAS) to
  1e-5 in rotation and zooms and 3.3e-4 mm in translation (dcm2niix's mosaic
  origin; so within 1e-3, not 1e-4); no ``Patient*`` keys in the sidecar;
  sessions.tsv acq_time 2010-01-14T20:29:59; validation: the visit is usable.
- ``0.dcm`` + ``1.dcm``: exit 0, placed the same way as a 36x36x48x2 DWI with
  bval ``0 0``. dcm2niix cuts 36x36 tiles from the 256x256 pixels, so this
  image is not the scan (nibabel refuses it); Ferret does not check that a
  mosaic's pixel matrix fits its tiles. Recorded, not endorsed.
"""

from __future__ import annotations

import gzip
import json
import shutil
import warnings
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from app.cli import main

pytestmark = pytest.mark.realdata

FILES = ("siemens_dwi_0.dcm.gz", "siemens_dwi_1000.dcm.gz", "0.dcm", "1.dcm")
IMPORT = ["--participant", "sub-01", "--session", "ses-01"]


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    """Return a folder with the four samples, gunzipped; skip when nibabel ships no test data."""
    try:
        import nibabel.nicom.tests as nicom_tests
    except ImportError:
        pytest.skip("nibabel.nicom.tests is not installed")
    data = Path(nicom_tests.__file__).parent / "data"
    missing = [name for name in FILES if not (data / name).is_file()]
    if missing:
        pytest.skip(f"nibabel's Siemens samples are absent from {data}: {', '.join(missing)}")
    folder = tmp_path_factory.mktemp("nibabel_siemens")
    for name in FILES:
        if name.endswith(".gz"):
            with gzip.open(data / name) as packed:
                (folder / name[: -len(".gz")]).write_bytes(packed.read())
        else:
            shutil.copyfile(data / name, folder / name)
    return folder


def subset(samples: Path, tmp_path: Path, names: tuple[str, ...]) -> Path:
    folder = tmp_path / "dicom"
    folder.mkdir()
    for name in names:
        shutil.copyfile(samples / name, folder / name)
    return folder


def wrapper(path: Path):
    from nibabel.nicom import dicomwrappers

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "the DICOM readers are highly experimental"
        return dicomwrappers.wrapper_from_file(str(path))


LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def test_all_four_in_one_folder_is_refused_in_one_line(samples, tmp_path, capsys):
    study = tmp_path / "new" / "study"  # its parent is absent too
    assert main(["import-dicom", str(samples), str(study), *IMPORT]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and str(samples) in err, err
    assert "a series holds images of different dimensions" in err and "Fix:" in err
    assert "Traceback" not in err + captured.out
    assert not (tmp_path / "new").exists()
    assert main(["import-dicom", str(samples), str(study), *IMPORT, "--dry-run"]) == 2
    assert "different dimensions" in capsys.readouterr().err


def test_the_b0_and_b1000_mosaics_come_out_as_nibabel_reads_them(samples, tmp_path, capsys):
    names = ("siemens_dwi_0.dcm", "siemens_dwi_1000.dcm")
    dicom = subset(samples, tmp_path, names)
    study = tmp_path / "new" / "study"
    status = main(["import-dicom", str(dicom), str(study), *IMPORT])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "1 image(s) placed, 0 skipped" in out and "the visit is usable" in out
    dwi = study / "sub-01" / "ses-01" / "dwi" / "sub-01_ses-01_dwi"
    visit = sorted(p.relative_to(study).as_posix() for p in (study / "sub-01").rglob("*"))
    assert visit == [
        "sub-01/ses-01",
        "sub-01/ses-01/dwi",
        *(f"sub-01/ses-01/dwi/sub-01_ses-01_dwi.{e}" for e in ("bval", "bvec", "json", "nii.gz")),
        "sub-01/sub-01_sessions.tsv",
    ]
    ours = nib.load(f"{dwi}.nii.gz")
    assert ours.shape == (128, 128, 48, 2)
    assert np.loadtxt(f"{dwi}.bval").tolist() == [0.0, 1000.0]
    bvec = np.loadtxt(f"{dwi}.bvec")
    canonical = nib.as_closest_canonical(ours)
    for volume, name in enumerate(names):
        source = wrapper(dicom / name)
        theirs = nib.as_closest_canonical(
            nib.Nifti1Image(source.get_data(), LPS_TO_RAS @ source.affine)
        )
        assert np.array_equal(np.asanyarray(canonical.dataobj)[..., volume], theirs.get_fdata())
        difference = np.abs(canonical.affine - theirs.affine)
        assert difference[:3, :3].max() < 1e-5 and difference[:3, 3].max() < 1e-3
    b1000 = wrapper(dicom / "siemens_dwi_1000.dcm")
    assert b1000.b_value == pytest.approx(992.05, abs=0.01)  # from the b-matrix; CSA says 1000
    unit = lambda m: m / np.linalg.norm(m, axis=0)  # noqa: E731
    world = unit((LPS_TO_RAS @ b1000.affine)[:3, :3]) @ b1000.b_vector
    assert np.allclose(unit(ours.affine[:3, :3]).T @ world, bvec[:, 1], atol=1e-5)
    assert np.linalg.det(ours.affine[:3, :3]) < 0  # FSL's bvec convention: no x flip
    assert np.array_equal(bvec[:, 0], [0, 0, 0])
    sidecar = json.loads(Path(f"{dwi}.json").read_text())
    assert (sidecar["SeriesNumber"], sidecar["Manufacturer"]) == (12, "Siemens")
    assert not [k for k in sidecar if k.startswith("Patient")]
    sessions = (study / "sub-01" / "sub-01_sessions.tsv").read_text().split()
    assert sessions == ["session_id", "acq_time", "ses-01", "2010-01-14T20:29:59"]
    assert (study / "participants.tsv").read_text().split() == ["participant_id", "sub-01"]


def test_the_small_copies_are_placed_as_dcm2niix_reads_them(samples, tmp_path, capsys):
    dicom = subset(samples, tmp_path, ("0.dcm", "1.dcm"))
    study = tmp_path / "study"
    status = main(["import-dicom", str(dicom), str(study), *IMPORT])
    out = capsys.readouterr().out
    assert status == 0, out
    dwi = study / "sub-01" / "ses-01" / "dwi" / "sub-01_ses-01_dwi"
    assert nib.load(f"{dwi}.nii.gz").shape == (36, 36, 48, 2)
    assert np.loadtxt(f"{dwi}.bval").tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="cannot reshape"):
        wrapper(dicom / "0.dcm").get_data()  # 256x256 pixels are not 7x7 tiles of 36x36
