"""Damaged rater stores: every reader refuses with one line naming the file, and nothing is rewritten."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from fuzz_harness import FuzzCase, case_ids, rewritten

COMMANDS = ("export", "timecourses")


def make_store(study: Path) -> None:
    """Rater ``fz``: lesions 1 (A-CMI, rated) and 2 (C-CMI) of sub-01 on visit 1's DWI grid."""
    from processing.annotations import Grid, RaterWorkspace

    with RaterWorkspace(study, "fz") as workspace:
        session = workspace.open_session(
            "sub-01", Grid((6, 6, 4), np.diag([1.0, 1.0, 2.0, 1.0])), visit="ses-01"
        )
        data = np.zeros((6, 6, 4), np.int32)
        data[1, 1, 1], data[4, 4, 2] = 1, 2
        session.labels.write((slice(0, 6), slice(0, 6), slice(0, 4)), data, "paint")
        session.set_rating(1, "dwi_onset", "hyper")
        session.set_lesion_type(2, "C-CMI")


def folder(study: Path) -> Path:
    return study / "derivatives" / "ferret-annotations" / "rater-fz" / "sub-01"


def db(study: Path) -> Path:
    return folder(study) / "sub-01_annotations.sqlite"


def labels(study: Path) -> Path:
    return folder(study) / "sub-01_space-ref_desc-lesions_dseg.nii.gz"


def patched(data: bytes, offset: int, junk: bytes) -> bytes:
    return data[:offset] + junk + data[offset + len(junk) :]


def sql(statement: str):
    def damage(study: Path) -> Path:
        with sqlite3.connect(db(study)) as connection:
            connection.execute("DROP TRIGGER IF EXISTS audit_no_delete")
            connection.execute(statement)
        connection.close()
        return db(study)

    return damage


def older_copy(study: Path) -> Path:
    """Replace the database by its first backup (taken before anything was painted)."""
    from processing.annotations.backup import backups_of

    oldest = backups_of(folder(study))[-1]
    shutil.copyfile(oldest.database("sub-01"), db(study))
    return db(study)


def lost_wal(study: Path) -> Path:
    """Commit a later rating while the session is open, then copy the folder without its -wal."""
    from processing.annotations import RaterWorkspace

    scratch = study.parent / "scratch"
    with RaterWorkspace(study, "fz") as workspace:
        workspace.open_session("sub-01").set_rating(1, "md_onset", "hypo")
        shutil.copytree(folder(study), scratch, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    shutil.rmtree(folder(study))
    shutil.copytree(scratch, folder(study))
    return db(study)


def replace_with(path_of, make):
    def damage(study: Path) -> Path:
        path = path_of(study)
        path.unlink()
        make(path)
        return path

    return damage


def missing_db(study: Path) -> Path:
    db(study).unlink()
    return db(study)


def relabelled(study: Path) -> Path:
    """Write a label volume holding an ID the database has no record of."""
    import nibabel as nib

    image = nib.load(str(labels(study)))
    data = np.asarray(image.dataobj).copy()
    data[0, 0, 0] = 7
    out = nib.Nifti1Image(data, image.affine, image.header)
    nib.save(out, str(labels(study)))
    return labels(study)


SIZES = (1, 15, 99, 100, 1024, 4096, 4097, 8192)
CASES = [
    FuzzCase("annotations/db-empty", rewritten(db, lambda d: b""), COMMANDS, setup=make_store),
    *[
        FuzzCase(
            f"annotations/db-truncated-{n}",
            rewritten(db, lambda d, n=n: d[:n]),
            COMMANDS,
            setup=make_store,
        )
        for n in SIZES
    ],
    FuzzCase(
        "annotations/db-header-garbage",
        rewritten(db, lambda d: patched(d, 0, b"garbage garbage!")),
        COMMANDS,
        setup=make_store,
    ),
    FuzzCase(
        "annotations/db-header-page-size",
        rewritten(db, lambda d: patched(d, 16, b"\x00\x07")),
        COMMANDS,
        setup=make_store,
    ),
    *[
        FuzzCase(
            f"annotations/db-page-{p}-garbage",
            rewritten(
                db,
                lambda d, p=p: patched(
                    d,
                    p * 4096,
                    np.random.default_rng(p).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
                ),
            ),
            COMMANDS,
            setup=make_store,
        )
        for p in (1, 2, 4, 6)
    ],
    FuzzCase(
        "annotations/db-zeroed-page",
        rewritten(db, lambda d: patched(d, 3 * 4096, bytes(4096))),
        COMMANDS,
        setup=make_store,
    ),
    FuzzCase(
        "annotations/db-text-file",
        rewritten(db, lambda d: b"this is not a database\n" * 100),
        COMMANDS,
        setup=make_store,
    ),
    FuzzCase("annotations/db-missing", missing_db, COMMANDS, setup=make_store),
    FuzzCase(
        "annotations/db-is-a-folder",
        replace_with(db, lambda p: p.mkdir()),
        COMMANDS,
        setup=make_store,
    ),
    FuzzCase("annotations/db-older-copy", older_copy, COMMANDS, setup=make_store),
    FuzzCase("annotations/db-lost-wal", lost_wal, COMMANDS, setup=make_store),
    FuzzCase(
        "annotations/db-lesion-records-lost", sql("DELETE FROM lesions"), COMMANDS, setup=make_store
    ),
    FuzzCase("annotations/db-table-dropped", sql("DROP TABLE strokes"), COMMANDS, setup=make_store),
    FuzzCase(
        "annotations/labels-truncated",
        rewritten(labels, lambda d: d[:40]),
        COMMANDS,
        setup=make_store,
    ),
    FuzzCase(
        "annotations/labels-garbage",
        rewritten(labels, lambda d: b"\x1f\x8b" + b"x" * 200),
        COMMANDS,
        setup=make_store,
    ),
    FuzzCase("annotations/labels-orphan-id", relabelled, COMMANDS, setup=make_store),
]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_damaged_store(case, fuzz):
    fuzz(case)
