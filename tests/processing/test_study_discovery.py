"""Discovery of a BIDS study: participants, dated visits, grouped acquisitions, derivatives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from processing.errors import FerretError
from processing.study import discover
from processing.study.example import write_tiny_study


@pytest.fixture()
def tiny(tmp_path) -> Path:
    return write_tiny_study(tmp_path / "study", participants=2, visits=3)


def _set_sessions(root: Path, label: str, rows: list[tuple[str, str]]) -> None:
    text = "session_id\tacq_time\n" + "".join(f"{s}\t{t}\n" for s, t in rows)
    (root / label / f"{label}_sessions.tsv").write_text(text)


def test_participants_visits_and_acquisitions(tiny):
    study = discover(tiny)
    assert study.name == "tiny" and list(study.participants) == ["sub-01", "sub-02"]
    visit = study.participant("sub-01").visits[1]
    assert visit.session == "ses-02" and visit.weeks_since_baseline == pytest.approx(4.0)
    assert set(visit.acquisitions) == {
        "MEGRE",
        "MESE",
        "MP2RAGE",
        "UNIT1",
        "FLAIR",
        "T1w",
        "dwi",
        "epi",
    }
    megre = visit.acquisitions["MEGRE"]
    assert [f.echo for f in megre.part("mag")] == [1, 2, 3] == [f.echo for f in megre.part("phase")]
    assert megre.echo_times == [0.005, 0.01, 0.015]
    assert [f.entities["inv"] for f in visit.acquisitions["MP2RAGE"].files] == ["1", "2"]
    dwi = visit.acquisitions["dwi"]
    assert dwi.bval.name == "sub-01_ses-02_dwi.bval" and dwi.bvec.name == "sub-01_ses-02_dwi.bvec"
    assert visit.acquisitions["MEGRE"].files[0].sidecar.name.endswith("echo-1_part-mag_MEGRE.json")


def test_visits_ordered_by_date_not_label(tiny):
    _set_sessions(
        tiny,
        "sub-01",
        [
            ("ses-01", "2021-03-01T09:00:00"),
            ("ses-02", "2021-01-04T09:00:00"),
            ("ses-03", "2021-01-18T09:00:00"),
        ],
    )
    visits = discover(tiny).participant("sub-01").visits
    assert [v.session for v in visits] == ["ses-02", "ses-03", "ses-01"]
    assert [v.weeks_since_baseline for v in visits] == pytest.approx([0.0, 2.0, 8.0])


def test_dates_fall_back_to_scans_table_then_sidecars(tiny):
    (tiny / "sub-01" / "sub-01_sessions.tsv").unlink()
    ses1 = tiny / "sub-01" / "ses-01"
    (ses1 / "sub-01_ses-01_scans.tsv").write_text(
        "filename\tacq_time\nanat/sub-01_ses-01_FLAIR.nii.gz\t2020-06-02T10:00:00\n"
        "anat/sub-01_ses-01_T1w.nii.gz\t2020-06-01T10:00:00\n"
    )
    flair_json = tiny / "sub-01" / "ses-02" / "anat" / "sub-01_ses-02_FLAIR.json"
    flair_json.write_text(json.dumps({"AcquisitionDateTime": "2020-06-15T10:00:00"}))
    visits = discover(tiny).participant("sub-01").visits
    assert str(visits[0].date) == "2020-06-01 10:00:00"  # earliest scan of scans.tsv
    assert str(visits[1].date) == "2020-06-15 10:00:00"  # sidecar
    assert visits[1].weeks_since_baseline == pytest.approx(2.0)
    assert visits[2].date is None and visits[2].weeks_since_baseline is None  # undated: last


def test_participants_from_table_and_folders(tiny):
    (tiny / "participants.tsv").write_text("participant_id\tage\nsub-01\t60\nsub-07\t70\n")
    study = discover(tiny)
    assert list(study.participants) == ["sub-01", "sub-02"]  # sub-07 has nothing to process
    assert study.listed_without_folder == ["sub-07"]
    assert study.participants_table[1]["age"] == "70"  # its row stays for the tables


def test_ferret_derivatives_found_others_ignored(tiny):
    out = tiny / "derivatives" / "ferret" / "sub-01" / "ses-02" / "anat"
    out.mkdir(parents=True)
    for name in (
        "sub-01_ses-02_R2starmap.nii.gz",
        "sub-01_ses-02_R2starmap.json",
        ".sub-01_ses-02_R1map.abc.part.nii.gz",
        ".DS_Store",
    ):
        (out / name).write_bytes(b"x")
    xfm = tiny / "derivatives" / "ferret" / "sub-01" / "xfm"
    xfm.mkdir()
    (xfm / "sub-01_from-ses-02_to-ses-01_xfm.txt").write_text("x")
    truth = tiny / "derivatives" / "phantom-truth" / "sub-01" / "ses-02" / "anat"
    truth.mkdir(parents=True)
    (truth / "sub-01_ses-02_T1map.nii.gz").write_bytes(b"x")
    study = discover(tiny)
    visit = study.participant("sub-01").visit("ses-02")
    assert visit.derived == {"R2starmap.nii.gz": out / "sub-01_ses-02_R2starmap.nii.gz"}
    assert visit.derived["R2starmap.nii.gz"] == visit.derivative("R2starmap.nii.gz")
    assert list(study.participant("sub-01").derived) == ["xfm/sub-01_from-ses-02_to-ses-01_xfm.txt"]
    assert study.participant("sub-01").visit("ses-01").derived == {}


def test_multi_echo_as_one_4d_file(tiny):
    anat = tiny / "sub-02" / "ses-01" / "anat"
    for path in anat.glob("*MEGRE*"):
        path.unlink()
    affine = np.eye(4)
    for part in ("mag", "phase"):
        nib.save(
            nib.Nifti1Image(np.ones((4, 4, 3, 3), np.float32), affine),
            anat / f"sub-02_ses-01_part-{part}_MEGRE.nii.gz",
        )
    (anat / "sub-02_ses-01_part-mag_MEGRE.json").write_text(
        json.dumps({"EchoTime": [0.004, 0.008, 0.012]})
    )
    megre = discover(tiny).participant("sub-02").visit("ses-01").acquisitions["MEGRE"]
    assert megre.echoes_in_volumes and megre.echo_times == [0.004, 0.008, 0.012]
    assert [f.entities["part"] for f in megre.files] == ["mag", "phase"]


def test_second_acquisition_of_a_kind_gets_a_qualified_key(tiny):
    dwi = tiny / "sub-01" / "ses-01" / "dwi"
    shutil.copy(dwi / "sub-01_ses-01_dwi.nii.gz", dwi / "sub-01_ses-01_dir-AP_dwi.nii.gz")
    acqs = discover(tiny).participant("sub-01").visit("ses-01").acquisitions
    assert acqs["dwi"].files[0].path.name == "sub-01_ses-01_dwi.nii.gz"
    assert acqs["dwi_dir-AP"].bval is None


def test_discovery_reads_no_voxel_data(tiny):
    """Every image cut to a header-only stub (data truncated) still discovers."""
    for path in tiny.rglob("*.nii.gz"):
        path.write_bytes(path.read_bytes()[:40])  # a gzip stream cut before the voxels
    anat = tiny / "sub-01" / "ses-01" / "anat"
    for path in anat.glob("*_MESE.*"):
        path.unlink()
    header_only = nib.Nifti1Image(np.zeros((4, 4, 3, 3), np.float32), np.eye(4))
    (anat / "sub-01_ses-01_MESE.nii").write_bytes(header_only.to_bytes()[:352])  # 4D, no voxels
    study = discover(tiny)
    visits = [v for p in study.participants.values() for v in p.visits]
    assert len(visits) == 6 and all(len(v.acquisitions) == 8 for v in visits)
    assert study.participant("sub-01").visit("ses-01").acquisitions["MESE"].echoes_in_volumes


def test_non_bids_and_misplaced_files_are_skipped(tiny):
    anat = tiny / "sub-01" / "ses-01" / "anat"
    (anat / "scan 3.nii.gz").write_bytes(b"x")
    (anat / "sub-02_ses-01_FLAIR.nii.gz").write_bytes(b"x")  # wrong participant for this folder
    shutil.copy(
        anat / "sub-01_ses-01_FLAIR.nii.gz",
        tiny / "sub-01" / "ses-01" / "dwi" / "sub-01_ses-01_FLAIR.nii.gz",
    )
    acqs = discover(tiny).participant("sub-01").visit("ses-01").acquisitions
    assert [f.path.parent.name for f in acqs["FLAIR"].files] == ["anat"]


def test_missing_root_is_a_ferret_error(tmp_path):
    with pytest.raises(FerretError, match="does not exist"):
        discover(tmp_path / "nope")
