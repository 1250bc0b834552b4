"""ferret import-dicom on the real Canon DWI series (classic slices and enhanced DICOM)."""

from __future__ import annotations

import gzip
import json
import shutil

import nibabel as nib
import numpy as np
import pytest

from app.cli import main
from processing.dicom import import_visit
from processing.errors import Cancelled, FerretError
from processing.progress import Progress

pytestmark = pytest.mark.realdata

REFERENCE = "canon_dwi/nifti/3000_DTI_PA-ortho_cl"


def gunzip_into(sources, folder):
    folder.mkdir(parents=True)
    for source in sources:
        with gzip.open(source) as packed:
            (folder / source.name[: -len(".gz")]).write_bytes(packed.read())
    return folder


@pytest.fixture(scope="module")
def classic(real_data, tmp_path_factory):
    """Return the 520 classic slices of series 3000, gunzipped."""
    sources = sorted((real_data / "canon_dwi" / "dicom_classic_3000").glob("*.dcm.gz"))
    assert len(sources) == 520
    return gunzip_into(sources, tmp_path_factory.mktemp("dicom") / "classic")


@pytest.fixture(scope="module")
def enhanced(real_data, tmp_path_factory):
    source = real_data / "canon_dwi" / "dicom_enhanced" / "3000.dcm.gz"
    return gunzip_into([source], tmp_path_factory.mktemp("dicom") / "enhanced")


def assert_same_as_reference(dwi, real_data):
    ref = real_data / REFERENCE
    ours, theirs = nib.load(f"{dwi}.nii.gz"), nib.load(f"{ref}.nii.gz")
    assert ours.shape == theirs.shape == (80, 80, 40, 13)
    assert np.array_equal(np.asanyarray(ours.dataobj), np.asanyarray(theirs.dataobj))
    assert np.abs(ours.affine - theirs.affine).max() < 1e-4
    assert np.array_equal(np.loadtxt(f"{dwi}.bval"), np.loadtxt(f"{ref}.bval"))
    assert np.array_equal(np.loadtxt(f"{dwi}.bvec"), np.loadtxt(f"{ref}.bvec"))


@pytest.mark.parametrize("which", ["classic", "enhanced"])
def test_canon_dwi_comes_out_as_the_reference_conversion(
    which, request, real_data, tmp_path, capsys
):
    dicom = request.getfixturevalue(which)
    study = tmp_path / "study"
    status = main(
        ["import-dicom", str(dicom), str(study), "--participant", "sub-01", "--session", "ses-01"]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "the visit is usable" in out
    dwi = study / "sub-01" / "ses-01" / "dwi" / "sub-01_ses-01_dwi"
    assert_same_as_reference(dwi, real_data)
    sidecar = json.loads(dwi.with_suffix(".json").read_text())
    assert sidecar["SeriesNumber"] == 3000
    assert not [k for k in sidecar if k.startswith("Patient")]
    assert "AcquisitionDateTime" not in sidecar  # dcm2niix -ba y: dates only in sessions.tsv
    assert (study / "participants.tsv").read_text().split() == ["participant_id", "sub-01"]
    sessions = (study / "sub-01" / "sub-01_sessions.tsv").read_text().split()
    assert sessions == ["session_id", "acq_time", "ses-01", "2021-10-06T15:41:43"]
    assert json.loads((study / "dataset_description.json").read_text())["BIDSVersion"]
    assert [p.name for p in study.iterdir() if p.name.startswith(".")] == []


def test_dry_run_lists_and_writes_nothing(classic, tmp_path, capsys):
    study = tmp_path / "study"
    status = main(
        [
            "import-dicom",
            str(classic),
            str(study),
            "--participant",
            "sub-01",
            "--session",
            "ses-01",
            "--dry-run",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "series 3000 'DTI_PA-ortho'" in out
    assert f"would go to {study}/sub-01/ses-01/dwi/sub-01_ses-01_dwi.nii.gz" in out
    assert "dry run: nothing was written." in out
    assert not study.exists()


def test_an_existing_visit_is_kept_unless_overwrite(classic, tmp_path, capsys):
    study = tmp_path / "study"
    args = [
        "import-dicom",
        str(classic),
        str(study),
        "--participant",
        "sub-01",
        "--session",
        "ses-01",
    ]
    assert main(args) == 0
    marker = study / "sub-01" / "ses-01" / "dwi" / "note.txt"
    marker.write_text("the rater's note")
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--overwrite" in err and "Traceback" not in err
    assert marker.read_text() == "the rater's note"
    assert main([*args, "--overwrite"]) == 0
    assert not marker.exists()
    assert (study / "sub-01" / "ses-01" / "dwi" / "sub-01_ses-01_dwi.nii.gz").is_file()
    assert (study / "sub-01" / "sub-01_sessions.tsv").read_text().count("ses-01") == 1


def bad_inputs(classic, tmp_path):
    missing = tmp_path / "missing_slice"
    shutil.copytree(classic, missing)
    (missing / "3000_100.dcm").unlink()
    text = tmp_path / "not_dicom"
    text.mkdir()
    (text / "notes.txt").write_text("not an image")
    gz = tmp_path / "gzipped"
    gz.mkdir()
    (gz / "3000.dcm.gz").write_bytes(gzip.compress(b"x"))
    return {
        "missing slices": (missing, "missing slices"),
        "not DICOM": (text, "no DICOM files found"),
        "gzipped": (gz, "gunzip them first"),
        "no folder": (tmp_path / "absent", "no such folder"),
    }


def test_bad_input_is_one_line_exit_2_and_nothing_written(classic, tmp_path, capsys):
    study = tmp_path / "study"
    for name, (folder, said) in bad_inputs(classic, tmp_path).items():
        status = main(
            [
                "import-dicom",
                str(folder),
                str(study),
                "--participant",
                "sub-01",
                "--session",
                "ses-01",
            ]
        )
        err = capsys.readouterr().err.strip()
        assert status == 2, name
        assert len(err.splitlines()) == 1 and said in err and str(folder) in err, (name, err)
        assert "Fix:" in err and "Traceback" not in err
        assert not study.exists(), name


def test_bad_labels_are_refused(classic, tmp_path):
    with pytest.raises(FerretError, match="not a BIDS label"):
        import_visit(classic, tmp_path / "s", "sub-0_1", "ses-01")
    with pytest.raises(FerretError, match="not a BIDS label"):
        import_visit(classic, tmp_path / "s", "sub-01", "01")


def interrupt_after_first_file(monkeypatch):
    import processing.dicom.visit as visit

    original = visit.stage_placement

    def stage_then_stop(*args):
        original(*args)  # some files are renamed into the staged visit...
        raise KeyboardInterrupt  # ...then the import is killed

    monkeypatch.setattr(visit, "stage_placement", stage_then_stop)


def test_an_interrupted_import_leaves_no_partial_visit(classic, tmp_path, monkeypatch):
    study = tmp_path / "study"
    study.mkdir()
    (study / "dataset_description.json").write_text('{"Name": "x", "BIDSVersion": "1.9.0"}')
    interrupt_after_first_file(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        import_visit(classic, study, "sub-01", "ses-01")
    assert sorted(p.name for p in study.iterdir()) == ["dataset_description.json"]


def test_an_interrupted_overwrite_keeps_the_old_visit(classic, tmp_path, monkeypatch):
    study = tmp_path / "study"
    import_visit(classic, study, "sub-01", "ses-01")
    old = study / "sub-01" / "ses-01" / "dwi" / "old.txt"
    old.write_text("old visit")
    interrupt_after_first_file(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        import_visit(classic, study, "sub-01", "ses-01", overwrite=True)
    assert old.read_text() == "old visit"
    assert not [p for p in study.iterdir() if p.name.startswith(".ferret-import")]


def test_a_failed_final_move_puts_the_old_visit_back(classic, tmp_path, monkeypatch):
    from pathlib import Path

    study = tmp_path / "study"
    import_visit(classic, study, "sub-01", "ses-01")
    visit = study / "sub-01" / "ses-01"
    (visit / "dwi" / "old.txt").write_text("old visit")
    rename = Path.rename

    def refuse_the_new_visit(self, target):
        if Path(target) == visit and self.name == visit.name:  # the staged visit, not the old one
            raise OSError(28, "No space left on device")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", refuse_the_new_visit)
    with pytest.raises(FerretError, match="the study is as it was"):
        import_visit(classic, study, "sub-01", "ses-01", overwrite=True)
    assert (visit / "dwi" / "old.txt").read_text() == "old visit"
    assert not [p for p in study.iterdir() if p.name.startswith(".ferret-import")]


def cancel_when(stage):
    """Return a progress object cancelled as soon as a message starts with ``stage``."""
    progress = Progress()
    progress.subscribe(lambda _f, message: message.startswith(stage) and progress.cancel())
    return progress


@pytest.mark.parametrize("stage", ["reading the DICOM", "converting"])
def test_a_cancelled_import_leaves_the_study_as_it_was(classic, tmp_path, stage):
    study = tmp_path / "study"
    import_visit(classic, study, "sub-01", "ses-01")
    old = study / "sub-01" / "ses-01" / "dwi" / "old.txt"
    old.write_text("old visit")
    before = sorted(p.relative_to(study) for p in study.rglob("*"))
    with pytest.raises(Cancelled):
        import_visit(classic, study, "sub-01", "ses-02", progress=cancel_when(stage))
    with pytest.raises(Cancelled):
        import_visit(
            classic, study, "sub-01", "ses-01", overwrite=True, progress=cancel_when(stage)
        )
    assert sorted(p.relative_to(study) for p in study.rglob("*")) == before
    assert old.read_text() == "old visit"


def test_a_visit_older_than_the_first_is_refused_unless_earlier_visit(classic, tmp_path, capsys):
    """The Canon scan (2021-10-06) into a participant first seen in 2024 would move its reference."""
    study = tmp_path / "study"
    (study / "sub-01").mkdir(parents=True)
    (study / "sub-01" / "sub-01_sessions.tsv").write_text(
        "session_id\tacq_time\nses-01\t2024-01-10T09:00:00\n"
    )
    argv = ["import-dicom", str(classic), str(study), "--participant", "sub-01"]
    status = main([*argv, "--session", "ses-02"])
    err = capsys.readouterr().err.strip()
    assert status == 2 and len(err.splitlines()) == 1, err
    assert "acquired on 2021-10-06, before sub-01's first visit ses-01 (2024-01-10)" in err
    assert "--earlier-visit" in err and not (study / "sub-01" / "ses-02").exists()
    assert main([*argv, "--session", "ses-02", "--earlier-visit"]) == 0
    assert (study / "sub-01" / "ses-02" / "dwi" / "sub-01_ses-02_dwi.nii.gz").is_file()
