"""Damaged study shape: the participants and sessions tables, folders, links and loops.

Where the damage leaves the study usable (a participant listed without a
folder, an unparsable acq_time, an empty visit folder), the commands succeed
and warn, naming the table or folder with a fix; everything else is refused
like a damaged image.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from fuzz_harness import FuzzCase, case_ids, replaced


def participants(study: Path) -> Path:
    return study / "participants.tsv"


def sessions(study: Path) -> Path:
    return study / "sub-01" / "sub-01_sessions.tsv"


def text(path_of, content: str | bytes):
    def damage(study: Path) -> Path:
        path = path_of(study)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    return damage


def appended(path_of, line: str):
    def damage(study: Path) -> Path:
        path = path_of(study)
        path.write_text(path.read_text() + line)
        return path

    return damage


def visit(n: int):
    return lambda study: study / "sub-01" / f"ses-0{n}"


def anat_file(name: str):
    return lambda study: study / "sub-01" / "ses-01" / "anat" / f"sub-01_ses-01_{name}"


def emptied_folder(path_of):
    def damage(study: Path) -> Path:
        path = path_of(study)
        for child in path.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        return path

    return damage


def moved_echo_grid(study: Path) -> Path:
    """Echo 2's magnitude on a grid shifted by 5 mm: not the same series as echo 1."""
    import nibabel as nib

    path = anat_file("echo-2_part-mag_MEGRE.nii.gz")(study)
    image = nib.load(str(path))
    affine = image.affine.copy()
    affine[0, 3] += 5.0
    nib.save(nib.Nifti1Image(image.get_fdata(), affine, image.header), str(path))
    return path


WARN_ONLY = {"validate": 0, "process": 0}

TSV = [
    FuzzCase(
        "tsv/listed-without-folder", appended(participants, "sub-02\t70\n"), expect_status=WARN_ONLY
    ),
    FuzzCase(
        "tsv/participant-label-escape",
        appended(participants, "../sub-01\t70\n"),
        commands=("validate",),
    ),
    FuzzCase(
        "tsv/participant-label-path",
        appended(participants, "sub-../../x\t70\n"),
        commands=("validate",),
    ),
    FuzzCase(
        "tsv/session-label-escape",
        appended(sessions, "ses-../../x\t2021-03-01T09:00:00\n"),
        commands=("validate",),
    ),
    FuzzCase(
        "tsv/acq-time-garbage",
        text(sessions, "session_id\tacq_time\nses-01\tyesterday\nses-02\t2021-02-01T09:00:00\n"),
        commands=("validate",),
        expect_status=WARN_ONLY,
    ),
    FuzzCase("tsv/participants-empty", text(participants, ""), commands=("validate",)),
    FuzzCase(
        "tsv/participants-no-id-column",
        text(participants, "subject\tage\nsub-01\t60\n"),
        commands=("validate",),
    ),
    FuzzCase(
        "tsv/participants-ragged",
        appended(participants, "sub-01\t60\textra\n"),
        commands=("validate",),
    ),
    FuzzCase(
        "tsv/participants-duplicate", appended(participants, "sub-01\t61\n"), commands=("validate",)
    ),
    FuzzCase(
        "tsv/participants-not-utf8",
        text(participants, b"participant_id\tage\nsub-01\t\xff\xfe\n"),
        commands=("validate",),
    ),
    FuzzCase(
        "tsv/participants-folder",
        replaced(participants, lambda p: p.mkdir()),
        commands=("validate",),
    ),
    FuzzCase(
        "tsv/sessions-no-id-column",
        text(sessions, "visit\tacq_time\nses-01\t2021-01-04T09:00:00\n"),
        commands=("validate",),
    ),
    FuzzCase(
        "tsv/sessions-duplicate",
        appended(sessions, "ses-01\t2021-01-05T09:00:00\n"),
        commands=("validate",),
    ),
    FuzzCase("tsv/sessions-fifo", replaced(sessions, os.mkfifo), commands=("validate",)),
]

LAYOUT = [
    FuzzCase(
        "layout/visit-folder-empty",
        emptied_folder(visit(2)),
        commands=("validate",),
        expect_status=WARN_ONLY,
    ),
    FuzzCase(
        "layout/participant-folder-empty",
        emptied_folder(lambda s: s / "sub-01"),
        commands=("validate",),
    ),
    FuzzCase(
        "layout/visit-symlink-loop",
        replaced(visit(2), lambda p: os.symlink(p.name, p)),
        commands=("validate",),
    ),
    FuzzCase("layout/image-grid-mismatch", moved_echo_grid),
    FuzzCase(
        "layout/echo-missing", replaced(anat_file("echo-2_part-mag_MEGRE.nii.gz"), lambda p: None)
    ),
    FuzzCase(
        "layout/participant-label-folder",
        lambda s: (s / "sub-0_1").mkdir() or s / "sub-0_1",
        commands=("validate",),
    ),
    FuzzCase(
        "layout/dataset-description-missing",
        replaced(lambda s: s / "dataset_description.json", lambda p: None),
        commands=("validate",),
    ),
]

CASES = TSV + LAYOUT


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_damaged_layout(case, fuzz):
    fuzz(case)


def test_none_is_a_value_not_missing_in_group_tables():
    """BIDS: only n/a is missing; a group level spelled 'none' must not drop its participants."""
    from processing.stats.groups import group_levels, is_missing

    rows = [{"group": "none"}, {"group": "any"}, {"group": "n/a"}, {"group": ""}, {"group": "none"}]
    assert group_levels(rows, "group") == ["any", "none"]
    assert [is_missing(row["group"]) for row in rows] == [False, False, True, True, False]
