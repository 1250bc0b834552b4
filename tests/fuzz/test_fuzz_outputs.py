"""Outputs that cannot be written: something in the way, a read-only disk, a full disk.

Every case must end in one line naming the output (or the thing in its way)
with a fix and status 2, leave no partial file under a final name, and never
touch the raw study. The disk cases mount a real tmpfs over ``derivatives/``
(root and mount rights needed; without them those cases are skipped with the
reason, never passed).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fuzz_harness import FuzzCase, case_ids, check_case

MAPS = ("process",)


def derivatives(study: Path) -> Path:
    return study / "derivatives"


def a_file_at(path_of):
    def damage(study: Path) -> Path:
        path = path_of(study)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not a folder\n")
        return path

    return damage


def a_folder_at(path_of):
    def damage(study: Path) -> Path:
        path = path_of(study)
        path.mkdir(parents=True)
        return path

    return damage


def r2star(study: Path) -> Path:
    return (
        derivatives(study)
        / "ferret"
        / "sub-01"
        / "ses-01"
        / "anat"
        / "sub-01_ses-01_R2starmap.nii.gz"
    )


CASES = [
    FuzzCase("outputs/derivatives-is-a-file", a_file_at(derivatives), commands=MAPS),
    FuzzCase(
        "outputs/ferret-folder-is-a-file",
        a_file_at(lambda s: derivatives(s) / "ferret"),
        commands=MAPS,
    ),
    FuzzCase(
        "outputs/visit-folder-is-a-file",
        a_file_at(lambda s: r2star(s).parent.parent),
        commands=MAPS,
    ),
    FuzzCase("outputs/map-path-is-a-folder", a_folder_at(r2star), commands=MAPS),
    FuzzCase(
        "outputs/cache-folder-is-a-file",
        a_file_at(lambda s: derivatives(s) / "ferret" / ".ferret-cache"),
        commands=MAPS,
    ),
    FuzzCase(
        "outputs/sidecar-path-is-a-folder",
        a_folder_at(lambda s: r2star(s).with_name("sub-01_ses-01_R2starmap.json")),
        commands=MAPS,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_output_in_the_way_is_named(case, fuzz):
    fuzz(case)


@pytest.fixture
def mount_over(tmp_path):
    """``mount_over(folder, options)`` mounts a tmpfs there (skips when mounting is not allowed)."""
    mounted = []

    def mount(folder: Path, options: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True
        )
        if done.returncode != 0:
            pytest.skip(
                f"cannot mount a tmpfs here (needs root and mount rights): {done.stderr.decode().strip()}"
            )
        mounted.append(folder)
        return folder

    yield mount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_full_disk_names_the_output_and_leaves_no_partial_file(
    pristine_studies, tmp_path, mount_over
):
    study = tmp_path / "work" / "study"

    def damage(s: Path) -> Path:
        mount_over(derivatives(s), "size=24k")
        return derivatives(s)

    case = FuzzCase("outputs/disk-full", damage, commands=MAPS)
    check_case(case, pristine_studies["tiny"], tmp_path / "work")
    outputs = [p for p in derivatives(study).rglob("*") if p.is_file()]
    empty = [p for p in outputs if p.stat().st_size == 0 and not p.name.endswith(".lock")]
    partial = [p for p in outputs if ".part" in p.name]
    assert not empty and not partial, (empty, partial)


def test_read_only_derivatives_give_one_clear_line(pristine_studies, tmp_path, mount_over):
    def damage(s: Path) -> Path:
        folder = mount_over(derivatives(s), "size=1m")
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        return derivatives(s)

    check_case(
        FuzzCase("outputs/read-only", damage, commands=MAPS),
        pristine_studies["tiny"],
        tmp_path / "work",
    )
