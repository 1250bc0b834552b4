"""A damaged rater store is recognised, never rebuilt silently, and recovered only by choice.

Each fault is made on a real store (painted lesions, a rating, a type change):
empty, truncated, garbage in the header, garbage in a page, the -wal file lost
while committed changes lived only there, the database missing beside its
label volume, label IDs without records, and a read-only folder (a real
read-only tmpfs where mounting is allowed, else skipped with the reason).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from processing.annotations import Grid, RaterWorkspace
from processing.annotations.backup import KEEP, backups_of, make_backup
from processing.annotations.integrity import DamagedStoreError, inspect_store
from processing.annotations.workspace import ReviewWorkspace
from processing.errors import FerretError
from processing.study.example import write_tiny_study

GRID = Grid((6, 6, 4), np.diag([1.0, 1.0, 2.0, 1.0]))


def paint(session, voxels: dict) -> None:
    data = session.labels.data.copy()
    for ijk, value in voxels.items():
        data[ijk] = value
    session.labels.write(tuple(slice(0, n) for n in GRID.shape), data, "paint")


@pytest.fixture
def study(tmp_path) -> Path:
    """Return a tiny study whose rater ``fz`` has lesions 1 (A-CMI, rated) and 2 (C-CMI) of sub-01."""
    root = write_tiny_study(tmp_path / "study", participants=1, visits=2)
    with RaterWorkspace(root, "fz") as workspace:
        session = workspace.open_session("sub-01", GRID, visit="ses-01")
        paint(session, {(1, 1, 1): 1, (4, 4, 2): 2})
        session.set_rating(1, "dwi_onset", "hyper")
        session.set_lesion_type(2, "C-CMI")
    return root


def store_folder(root: Path) -> Path:
    return root / "derivatives" / "ferret-annotations" / "rater-fz" / "sub-01"


def database(root: Path) -> Path:
    return store_folder(root) / "sub-01_annotations.sqlite"


def empty(path: Path) -> None:
    path.write_bytes(b"")


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: 2 * 4096 + 100])


def garbage_header(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[:16] = b"not a database!!"
    path.write_bytes(bytes(data))


def garbage_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[2 * 4096 : 3 * 4096] = (
        np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    )
    path.write_bytes(bytes(data))


FAULTS = {
    "empty": (empty, "empty (0 bytes)"),
    "truncated": (truncate, "truncated"),
    "header": (garbage_header, "not a SQLite database"),
    "page": (garbage_page, "integrity check"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_damaged_database_is_refused_everywhere_and_left_as_it_is(study, fault, tmp_path, capsys):
    damage, words = FAULTS[fault]
    damage(database(study))
    before = database(study).read_bytes()
    with pytest.raises(DamagedStoreError, match=re.escape(words)):
        RaterWorkspace(study, "fz").open_session("sub-01", GRID)
    with pytest.raises(DamagedStoreError):
        ReviewWorkspace(study).read("fz", "sub-01")
    assert main(["export", str(study), "--rater", "fz", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "damaged" in error and "ferret annotate recover" in error and "Traceback" not in error
    assert database(study).read_bytes() == before, "a damaged database must not be rewritten"


def test_lost_wal_is_recognised_from_the_state_file(study, tmp_path):
    copy = tmp_path / "copied"
    with RaterWorkspace(study, "fz") as workspace:
        session = workspace.open_session("sub-01", GRID)
        session.set_rating(
            1, "md_onset", "hypo"
        )  # committed, only in the -wal while this stays open
        paint(session, {(2, 2, 2): 3})
        session.checkpointer.flush()
        shutil.copytree(study, copy, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    findings = inspect_store(store_folder(copy), "sub-01")
    assert any("-wal file was probably lost" in str(f) for f in findings), findings
    with pytest.raises(DamagedStoreError):
        RaterWorkspace(copy, "fz").open_session("sub-01", GRID)


def test_missing_database_beside_saved_labels_is_not_recreated(study):
    database(study).unlink()
    with pytest.raises(DamagedStoreError, match="missing although lesions were saved"):
        RaterWorkspace(study, "fz").open_session("sub-01", GRID)
    assert not database(study).exists()


def test_label_ids_without_records_are_damage(study):
    with sqlite3.connect(database(study)) as db:
        db.execute("DROP TRIGGER audit_no_delete")
        db.execute("DELETE FROM lesions WHERE lesion_id = 2")
    assert any("no record" in str(f) for f in inspect_store(store_folder(study), "sub-01"))


def test_backups_rotate_skip_unchanged_and_are_verified(study):
    folder = store_folder(study)
    assert make_backup(folder, "sub-01") is None  # nothing changed since the close
    for n in range(KEEP + 2):
        with RaterWorkspace(study, "fz") as workspace:
            workspace.open_session("sub-01", GRID).set_rating(1, "comment", f"look {n}")
    kept = backups_of(folder)
    assert len(kept) == KEEP and kept[0].info["ratings"] == 2
    for backup in kept:
        with sqlite3.connect(backup.database("sub-01")) as copy:
            assert copy.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_recovery_lists_losses_then_restores_only_when_asked(study, capsys):
    with RaterWorkspace(study, "fz") as workspace:  # a later change the backup lacks
        session = workspace.open_session("sub-01", GRID, backup_interval=3600)
        session.store.set_rating(1, "md_onset", "iso")
        session.backup_timer.stop()
        session.back_up = lambda: None  # no closing backup
    empty(database(study))
    args = ["annotate", "recover", str(study), "--rater", "fz", "--participant", "sub-01"]
    assert main(args) == 0
    listing = capsys.readouterr().out
    assert "empty (0 bytes)" in listing and "would lose 1 change(s)" in listing
    assert database(study).stat().st_size == 0, "listing must change nothing"
    assert main(args + ["--backup"]) == 0
    kept_aside = list(store_folder(study).glob("damaged-*/sub-01_annotations.sqlite"))
    assert len(kept_aside) == 1 and kept_aside[0].stat().st_size == 0
    _, rows = ReviewWorkspace(study).read("fz", "sub-01")
    by_id = {row["lesion_id"]: row for row in rows}
    assert by_id[1]["ratings"] == {"dwi_onset": "hyper"} and by_id[2]["type"] == "C-CMI"


def test_label_volume_damage_is_rebuilt_from_the_journal_without_loss(study):
    labels = store_folder(study) / "sub-01_space-ref_desc-lesions_dseg.nii.gz"
    before = ReviewWorkspace(study).read("fz", "sub-01")[0].data.copy()
    labels.write_bytes(labels.read_bytes()[:40])
    assert any("cannot be read" in str(f) for f in inspect_store(store_folder(study), "sub-01"))
    assert (
        main(
            [
                "annotate",
                "recover",
                str(study),
                "--rater",
                "fz",
                "--participant",
                "sub-01",
                "--from-journal",
            ]
        )
        == 0
    )
    assert np.array_equal(ReviewWorkspace(study).read("fz", "sub-01")[0].data, before)


def test_rebuild_from_labels_keeps_voxels_and_says_what_it_loses(study, capsys):
    empty(database(study))
    assert (
        main(
            [
                "annotate",
                "recover",
                str(study),
                "--rater",
                "fz",
                "--participant",
                "sub-01",
                "--from-labels",
                "A-CMI",
            ]
        )
        == 0
    )
    _, rows = ReviewWorkspace(study).read("fz", "sub-01")
    assert sorted(r["lesion_id"] for r in rows) == [1, 2] and {r["type"] for r in rows} == {"A-CMI"}
    assert {r["origin"] for r in rows} == {"rebuilt"}


@pytest.fixture
def readonly_mount(tmp_path):
    """Return a real read-only file system (tmpfs remounted ro), or a skip when mounting is not allowed."""
    point = tmp_path / "ro"
    point.mkdir()
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(point)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a tmpfs here (needs root and mount rights)")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_read_only_folder_gives_one_clear_line(study, readonly_mount, capsys):
    copy = readonly_mount / "study"
    shutil.copytree(study, copy)
    subprocess.run(["mount", "-o", "remount,ro", str(readonly_mount)], check=True)
    with pytest.raises(
        FerretError, match="cannot write in this rater's folder .*Read-only file system"
    ):
        RaterWorkspace(copy, "fz")
    assert (
        main(["export", str(copy), "--rater", "fz", "--out", str(readonly_mount.parent / "out")])
        == 0
    )  # reading works
    capsys.readouterr()
    held = [
        os.readlink(f"/proc/self/fd/{fd}")
        for fd in os.listdir("/proc/self/fd")
        if os.path.exists(f"/proc/self/fd/{fd}")
    ]
    assert not [path for path in held if path.startswith(str(readonly_mount))], held
