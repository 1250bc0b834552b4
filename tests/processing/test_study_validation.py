"""Validation: the phantom passes; every planted problem of a broken copy is reported.

A broken copy of the phantom with one planted problem of each kind reports
every one of them, naming the file. Visits 1-4 each carry several plants on
different files so that they do not mask each other.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from app.cli import main
from processing.study import discover, validate
from processing.study.example import write_tiny_study

Plant = Callable[[Path], tuple[Path, str, str]]


@pytest.fixture(scope="module")
def clean_study(phantom_study) -> Path:
    """Return the phantom (1 participant, 4 visits of every acquisition kind), never modified here."""
    return phantom_study


def test_tiny_example_study_has_no_problem_at_all(tmp_path):
    assert validate(write_tiny_study(tmp_path / "study", participants=1, visits=2)) == []


def _visit(root: Path, number: int) -> Path:
    participant = sorted(root.glob("sub-*"))[0]
    return sorted(p for p in participant.glob("ses-*") if p.is_dir())[number - 1]


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.rglob(pattern))
    assert found, f"no {pattern} in {folder}"
    return found[0]


def _sidecar(image: Path) -> Path:
    return image.with_name(image.name.split(".nii")[0] + ".json")


def _rewrite(path: Path, change: Callable[[np.ndarray], np.ndarray], affine=None) -> None:
    img = nib.load(str(path))
    data = change(np.asarray(img.dataobj))
    new = nib.Nifti1Image(data, img.affine if affine is None else affine(img.affine))
    nib.save(new, str(path))


def _edit_json(path: Path, change: Callable[[dict], None]) -> None:
    meta = json.loads(path.read_text())
    change(meta)
    path.write_text(json.dumps(meta))


# Each plant breaks one thing and returns (file that must be named, severity, message fragment).


def plant_orphan_bval(root):
    dwi = _one(_visit(root, 1), "*_dwi.bval")
    orphan = dwi.with_name(dwi.name.replace("_dwi", "_acq-extra_dwi"))
    shutil.copy(dwi, orphan)
    return orphan, "error", "without its image"


def plant_phase_without_magnitude(root):
    magnitude = _one(_visit(root, 2), "*echo-2_part-mag_MEGRE.nii*")
    _sidecar(magnitude).unlink(missing_ok=True)
    magnitude.unlink()
    return _one(_visit(root, 2), "*echo-2_part-phase_MEGRE.nii*"), "error", "has no magnitude"


def plant_dwi_without_bvec(root):
    bvec = _one(_visit(root, 3), "*_dwi.bvec")
    bvec.unlink()
    return bvec, "error", ".bvec file of this dwi image is missing"  # the missing file is named


def plant_unexpected_file(root):
    path = _one(_visit(root, 3), "*_FLAIR.nii*").with_name("notes.txt")
    path.write_text("scanner notes")
    return path, "warning", "unexpected file"


def plant_non_bids_name(root):
    path = _one(_visit(root, 3), "*_FLAIR.nii*").with_name("flair scan 2.nii.gz")
    shutil.copy(_one(_visit(root, 3), "*_FLAIR.nii*"), path)
    return path, "error", "not a BIDS file name"


def plant_truncated_image(root):
    path = _one(_visit(root, 1), "*_FLAIR.nii*")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path, "error", "ends before its end marker (a truncated"


def plant_nan_voxels(root):
    path = _one(_visit(root, 1), "*_UNIT1.nii*")

    def poison(data):
        data = data.astype(np.float32)
        data.flat[:3] = [np.nan, np.inf, np.nan]
        return data

    _rewrite(path, poison)
    return path, "error", "3 voxels are NaN or infinite"


def plant_dwi_not_4d(root):
    path = _one(_visit(root, 2), "*_dwi.nii*")
    _rewrite(path, lambda d: d[..., 0])
    return path, "error", "must be 4D"


def plant_anat_4d(root):
    path = _one(_visit(root, 2), "*_FLAIR.nii*")
    _rewrite(path, lambda d: np.stack([d, d], axis=-1))
    return path, "error", "3D image was expected"


def plant_bval_count_mismatch(root):
    bval, bvec = _one(_visit(root, 4), "*_dwi.bval"), _one(_visit(root, 4), "*_dwi.bvec")
    bval.write_text(" ".join(bval.read_text().split()[:-1]) + "\n")
    rows = [r.split()[:-1] for r in bvec.read_text().splitlines() if r.strip()]
    bvec.write_text("\n".join(" ".join(r) for r in rows) + "\n")
    return bval, "error", "b-values but the image has"


def plant_bvec_not_unit(root):
    bvec = _one(_visit(root, 4), "*_dwi.bvec")
    bvals = np.loadtxt(_one(_visit(root, 4), "*_dwi.bval"))
    vectors = np.loadtxt(bvec)
    vectors[:, int(np.argmax(bvals))] *= 2.0
    np.savetxt(bvec, vectors, fmt="%.6f")
    return bvec, "error", "not unit length"


def plant_echo_grid_mismatch(root):
    path = _one(_visit(root, 3), "*echo-3_part-mag_MEGRE.nii*")

    def shift(affine):
        moved = affine.copy()
        moved[0, 3] += 5.0
        return moved

    _rewrite(path, lambda d: d, affine=shift)
    return path, "error", "different grid"


def plant_echo_without_echo_time(root):
    sidecar = _sidecar(_one(_visit(root, 1), "*echo-1_part-mag_MEGRE.nii*"))
    _edit_json(sidecar, lambda meta: meta.pop("EchoTime"))
    return sidecar, "error", "without EchoTime"


def plant_scanner_integer_phase(root):
    path = _one(_visit(root, 1), "*echo-1_part-phase_MEGRE.nii*")
    _rewrite(path, lambda d: np.round(np.asarray(d, float) / np.pi * 4095).astype(np.int16))
    return path, "warning", "Ferret rescales"


def plant_phase_in_degrees(root):
    path = _one(_visit(root, 2), "*echo-1_part-phase_MEGRE.nii*")
    _rewrite(path, lambda d: (np.degrees(np.asarray(d, float)) + 0.5).astype(np.float32))
    return path, "error", "neither radians"


def plant_mp2rage_without_flip(root):
    sidecar = _sidecar(_one(_visit(root, 2), "*inv-2_MP2RAGE.nii*"))
    _edit_json(sidecar, lambda meta: meta.pop("FlipAngle"))
    return _one(_visit(root, 2), "*inv-1_MP2RAGE.nii*"), "error", f"FlipAngle in {sidecar}"


def plant_broken_sidecar(root):
    sidecar = _sidecar(_one(_visit(root, 3), "*echo-2_part-mag_MEGRE.nii*"))
    sidecar.write_text('{"EchoTime": 0.01,,}')
    return sidecar, "error", "is not valid JSON (line 1, column 19"


def _copy_session(root: Path, number: int, new_label: str) -> Path:
    source = _visit(root, number)
    target = source.with_name(new_label)
    shutil.copytree(source, target)
    for path in sorted(target.rglob("*"), key=lambda p: -len(p.parts)):
        if source.name in path.name:
            path.rename(path.with_name(path.name.replace(source.name, new_label)))
    return target


def plant_duplicate_session(root):
    source = _visit(root, 3)
    target = _copy_session(root, 3, "ses-91")
    table = source.parent / f"{source.parent.name}_sessions.tsv"
    rows = table.read_text().splitlines()
    date = next(r.split("\t")[1] for r in rows if r.startswith(source.name))
    table.write_text("\n".join(rows + [f"ses-91\t{date}"]) + "\n")
    return target, "error", "duplicate sessions"


def plant_session_without_date(root):
    target = _copy_session(root, 4, "ses-92")
    for table in target.glob("*_scans.tsv"):
        table.unlink()
    for sidecar in target.rglob("*.json"):
        _edit_json(sidecar, lambda meta: meta.pop("AcquisitionDateTime", None))
    return target, "warning", "has no date"


def plant_no_participants_table(root):
    (root / "participants.tsv").unlink()
    return root / "participants.tsv", "warning", "participants.tsv is missing"


def plant_no_dataset_description(root):
    (root / "dataset_description.json").unlink()
    return root / "dataset_description.json", "error", "dataset_description.json is missing"


PLANTS: list[Plant] = [
    plant_orphan_bval,
    plant_phase_without_magnitude,
    plant_dwi_without_bvec,
    plant_unexpected_file,
    plant_non_bids_name,
    plant_truncated_image,
    plant_nan_voxels,
    plant_dwi_not_4d,
    plant_anat_4d,
    plant_bval_count_mismatch,
    plant_bvec_not_unit,
    plant_echo_grid_mismatch,
    plant_echo_without_echo_time,
    plant_scanner_integer_phase,
    plant_phase_in_degrees,
    plant_mp2rage_without_flip,
    plant_broken_sidecar,
    plant_duplicate_session,
    plant_session_without_date,
    plant_no_participants_table,
    plant_no_dataset_description,
]


@pytest.fixture(scope="module")
def broken(clean_study, tmp_path_factory):
    """Return a copy of the clean study with every plant applied, and what each must report."""
    root = tmp_path_factory.mktemp("broken") / "study"
    shutil.copytree(clean_study, root)
    expected = {plant.__name__: plant(root) for plant in PLANTS}
    return validate(root), expected


def test_clean_phantom_has_no_problem_at_all(clean_study):
    problems = validate(clean_study)
    assert problems == [], "\n".join(map(str, problems))


@pytest.mark.parametrize("plant", PLANTS, ids=lambda p: p.__name__)
def test_each_planted_problem_is_reported(broken, plant):
    problems, expected = broken
    path, severity, fragment = expected[plant.__name__]
    matches = [p for p in problems if p.path == path and fragment in p.message]
    assert matches, f"{plant.__name__}: nothing about {path} with {fragment!r} in\n" + "\n".join(
        map(str, problems)
    )
    assert matches[0].severity == severity
    assert str(path) in str(matches[0]) and matches[0].fix


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def test_cli_lists_problems_exits_1_and_writes_nothing(broken, capsys):
    problems, expected = broken
    root = expected["plant_no_dataset_description"][0].parent
    before = _snapshot(root)
    assert main(["validate", str(root)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(problems) + 1 and "error(s)" in lines[-1]
    assert all(line.startswith(("ERROR ", "WARNING ")) and " Fix: " in line for line in lines[:-1])
    assert _snapshot(root) == before


def test_cli_exit_0_for_a_usable_study(clean_study, capsys):
    assert main(["validate", str(clean_study)]) == 0
    assert "the study is usable" in capsys.readouterr().out


def test_cli_missing_folder_is_a_message_not_a_traceback(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "absent")]) == 1
    out = capsys.readouterr().out
    assert "does not exist" in out and "Traceback" not in out


def test_validate_accepts_a_discovered_study(clean_study):
    assert validate(discover(clean_study)) == validate(clean_study)
