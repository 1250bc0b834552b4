"""Discovery and validation on every real scan, arranged into a BIDS tree of symlinks.

Real headers (LPS-stored, oblique, int16 with scaling, 4D multi-echo) must pass;
the known defects of the real files (phase in arbitrary units, NaN voxels,
missing echo times, dcm2niix MP2RAGE sidecars lacking keys) must be reported.
"""

from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from processing.study import discover, validate


def _link(target: Path, link: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def _write(path: Path, content: str | dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))


def _sessions(root: Path, label: str, dates: list[str]) -> None:
    rows = "".join(f"ses-{i:02d}\t{d}\n" for i, d in enumerate(dates, start=1))
    _write(root / label / f"{label}_sessions.tsv", "session_id\tacq_time\n" + rows)


def _open_ms(real: Path, root: Path) -> None:
    for number, days in (("01", 203), ("12", 81)):
        label, raw = f"sub-ms{number}", real / "open_ms_longitudinal" / f"patient{number}" / "raw"
        for ses, study in (("ses-01", "study1"), ("ses-02", "study2")):
            for source, suffix in (("FLAIR", "FLAIR"), ("T1W", "T1w"), ("T2W", "T2w")):
                _link(
                    raw / f"{study}_{source}.nii.gz",
                    root / label / ses / "anat" / f"{label}_{ses}_{suffix}.nii.gz",
                )
        _sessions(
            root, label, ["2014-01-06T10:00:00", f"{np.datetime64('2014-01-06') + days}T10:00:00"]
        )
        common = root / "derivatives" / "ferret" / label / "common"
        _link(raw / "gt.nii.gz", common / f"{label}_desc-change_mask.nii.gz")
        _link(
            raw.parent / "coregistered_brainmask.nii.gz", common / f"{label}_desc-brain_mask.nii.gz"
        )
    mni = real / "open_ms_consensus_mni" / "patient07"
    anat = root / "sub-ms07" / "ses-01" / "anat"
    for source, name in (("FLAIR", "FLAIR"), ("T1", "T1w"), ("T1POST", "ce-gd_T1w"), ("T2", "T2w")):
        _link(next(mni.glob(f"{source}_N4*")), anat / f"sub-ms07_ses-01_{name}.nii.gz")
    _link(
        next(mni.glob("GOLD_STANDARD*")),
        root
        / "derivatives"
        / "ferret"
        / "sub-ms07"
        / "ses-01"
        / "anat"
        / "sub-ms07_ses-01_desc-consensus_mask.nii.gz",
    )
    _sessions(root, "sub-ms07", ["2016-05-02T09:00:00"])


def _canon_and_philips(real: Path, root: Path) -> None:
    dwi = root / "sub-canon" / "ses-01" / "dwi"
    for series, name in (("3000_DTI_PA-ortho_cl", "dwi"), ("4000_DTI_AP-ortho_cl", "dir-AP_dwi")):
        for ext in (".nii.gz", ".bval", ".bvec", ".json"):
            _link(
                real / "canon_dwi" / "nifti" / (series + ext), dwi / f"sub-canon_ses-01_{name}{ext}"
            )
    _sessions(root, "sub-canon", ["2019-03-01T08:00:00"])
    anat = root / "sub-philips" / "ses-01" / "anat"
    source = real / "philips_dualecho_gre"
    for echo in (1, 2):
        for tag, part in (("", "mag"), ("_ph", "phase")):
            for ext in (".nii.gz", ".json"):
                _link(
                    source / f"2001_WIP_fcMRI_Field_Mapping_cl_e{echo}{tag}{ext}",
                    anat / f"sub-philips_ses-01_echo-{echo}_part-{part}_MEGRE{ext}",
                )
    _sessions(root, "sub-philips", ["2018-07-01T08:00:00"])


def _romeo(real: Path, root: Path) -> dict[str, Path]:
    crop, label = real / "megre_crop", "sub-romeo"
    anat = {ses: root / label / ses / "anat" for ses in ("ses-01", "ses-02", "ses-03")}
    files = {
        "mag4d": anat["ses-01"] / f"{label}_ses-01_part-mag_MEGRE.nii",
        "phase4d": anat["ses-01"] / f"{label}_ses-01_part-phase_MEGRE.nii",
        "mag3d": anat["ses-02"] / f"{label}_ses-02_part-mag_MEGRE.nii",
        "phase3d": anat["ses-02"] / f"{label}_ses-02_part-phase_MEGRE.nii",
        "nan": anat["ses-03"] / f"{label}_ses-03_part-phase_MEGRE.nii",
    }
    _link(crop / "small" / "Mag.nii", files["mag4d"])
    _link(crop / "small" / "Phase.nii", files["phase4d"])
    _write(
        files["mag4d"].with_suffix(".json"), {"EchoTime": [0.004, 0.008, 0.012]}
    )  # the source's values
    _link(crop / "small2" / "Mag.nii", files["mag3d"])
    _link(crop / "small2" / "Phase.nii", files["phase3d"])
    _link(crop / "small" / "phase_with_nan.nii", files["nan"])
    _sessions(root, label, ["2020-01-01T08:00:00", "2020-02-01T08:00:00", "2020-03-01T08:00:00"])
    return files


def _siemens_mp2rage(real: Path, root: Path) -> Path:
    anat = root / "sub-siemens" / "ses-01" / "anat"
    anat.mkdir(parents=True)
    image = nib.Nifti1Image(np.full((8, 8, 6), 1000, np.int16), np.diag([0.8, 0.8, 0.8, 1]))
    for source, name in (
        ("Si_2_t1_mp2rage_sag_p3_32_INV1", "inv-1_MP2RAGE"),
        ("Si_3_t1_mp2rage_sag_p3_32_INV2", "inv-2_MP2RAGE"),
        ("Si_4_t1_mp2rage_sag_p3_32_UNI_Images", "UNIT1"),
    ):
        nib.save(
            image, str(anat / f"sub-siemens_ses-01_{name}.nii.gz")
        )  # the images are not public
        _link(
            real / "mp2rage_sidecars" / f"{source}.json", anat / f"sub-siemens_ses-01_{name}.json"
        )
    _sessions(root, "sub-siemens", ["2021-04-16T12:51:40"])
    return anat / "sub-siemens_ses-01_inv-1_MP2RAGE.nii.gz"


@pytest.fixture(scope="module")
def real_study(real_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("real") / "study"
    _write(root / "dataset_description.json", {"Name": "real scans", "BIDSVersion": "1.9.0"})
    labels = [
        "sub-ms01",
        "sub-ms12",
        "sub-ms07",
        "sub-canon",
        "sub-philips",
        "sub-romeo",
        "sub-siemens",
    ]
    _write(root / "participants.tsv", "participant_id\n" + "\n".join(labels) + "\n")
    _open_ms(real_data, root)
    _canon_and_philips(real_data, root)
    files = _romeo(real_data, root)
    files["inv1"] = _siemens_mp2rage(real_data, root)
    return root, files


@pytest.fixture(scope="module")
def real_problems(real_study):
    return validate(real_study[0])


def test_real_study_discovers(real_study):
    root, _ = real_study
    study = discover(root)
    assert len(study.participants) == 7
    ms01 = study.participant("sub-ms01")
    assert [v.weeks_since_baseline for v in ms01.visits] == pytest.approx([0, 203 / 7])
    assert set(ms01.visits[1].acquisitions) == {"FLAIR", "T1w", "T2w"}
    assert set(ms01.derived) == {
        "common/sub-ms01_desc-change_mask.nii.gz",
        "common/sub-ms01_desc-brain_mask.nii.gz",
    }
    assert set(study.participant("sub-ms07").visits[0].acquisitions) == {
        "FLAIR",
        "T1w",
        "T1w_ce-gd",
        "T2w",
    }
    assert "desc-consensus_mask.nii.gz" in study.participant("sub-ms07").visits[0].derived
    canon = study.participant("sub-canon").visits[0].acquisitions
    assert (
        canon["dwi"].bval.name == "sub-canon_ses-01_dwi.bval"
        and canon["dwi_dir-AP"].bvec is not None
    )
    philips = study.participant("sub-philips").visits[0].acquisitions["MEGRE"]
    assert philips.echo_times == [0.0023, 0.0046] and len(philips.part("phase")) == 2
    romeo = study.participant("sub-romeo").visits
    assert romeo[0].acquisitions["MEGRE"].echoes_in_volumes
    assert not romeo[1].acquisitions["MEGRE"].echoes_in_volumes


def test_real_study_validates_with_only_the_known_defects(real_study, real_problems):
    files, problems = real_study[1], real_problems
    errors = {p.path: p.message for p in problems if p.severity == "error"}
    report = "\n".join(map(str, problems))
    json_of = {name: files[name].with_suffix(".json") for name in ("mag3d", "nan")}
    allowed = {files["phase4d"], files["mag3d"], files["nan"], files["inv1"], *json_of.values()}
    assert set(errors) <= allowed, report  # nothing about LPS, oblique or scaled-integer images
    assert "not radians" in errors[files["phase4d"]]  # +-0.0037 arbitrary units
    assert "without EchoTime" in errors[json_of["mag3d"]]  # single echo, no sidecar
    nan_messages = [p.message for p in problems if p.path == files["nan"]]
    assert any("1280 voxels are NaN" in m for m in nan_messages)
    assert any("without any magnitude" in m for m in nan_messages)
    assert any("unwrapped radians" in m for m in nan_messages)  # values up to 4.7
    mp2rage = errors[files["inv1"]]
    assert (
        "RepetitionTimeExcitation in" in mp2rage and "NumberShots (or SlicesPerSlab) in" in mp2rage
    )
    assert "sub-siemens_ses-01_inv-1_MP2RAGE.json" in mp2rage
    assert "InversionTime" not in mp2rage and "FlipAngle" not in mp2rage


def test_real_images_pass_every_voxel_check(real_problems):
    """LPS-stored uint16, LAS float, int16 dwi and scaled int16 phase: no problem at all."""
    clean = ("sub-ms01", "sub-ms12", "sub-ms07", "sub-canon", "sub-philips")
    flagged = [p for p in real_problems if any(f"/{label}/" in str(p.path) for label in clean)]
    assert flagged == [], "\n".join(map(str, flagged))
