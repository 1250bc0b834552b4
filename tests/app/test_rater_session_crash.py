"""Done means of issue 6: a rater paints, rates, is killed with -9 mid-stroke, reopens, exports.

The rater is a real process (this file run as a script): it drives a
RaterSession with the tool objects exactly as the widgets do, reports the state
it reached after its completed strokes and ratings, starts one more stroke and
is killed in the middle of it. Reopened, the session holds everything but that
stroke; the export is then checked voxel by voxel and cell by cell.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import openpyxl
import pytest

AFFINE = np.array([[-1.5, 0, 0, 30.0], [0, 1.5, 0, -30.0], [0, 0, 2.0, -16.0], [0, 0, 0, 1]])
SHAPE = (40, 40, 16)


def make_study(root: Path) -> Path:
    """sub-01 with two visits, each a DWI on the same grid; participants.tsv with a clinical column."""
    for visit in ("ses-01", "ses-02"):
        folder = root / "sub-01" / visit / "dwi"
        folder.mkdir(parents=True)
        nib.save(
            nib.Nifti1Image(np.zeros(SHAPE + (2,), np.float32), AFFINE),
            folder / f"sub-01_{visit}_dwi.nii.gz",
        )
    (root / "participants.tsv").write_text("participant_id\tdiagnosis\nsub-01\tCAA\n")
    return root


def rater(study: Path, state_file: Path) -> None:
    """Run the rater process: two strokes, ratings, then a third stroke it never finishes."""
    from app.annotation import RaterSession
    from viewers.state.tools import event

    session = RaterSession(study, "K", "sub-01", visit="ses-02")
    session.toolbox.tools["brush"].size_mm = 3.0
    for point in [(0.0, 0.0, 0.0), (1.5, 0.0, 0.0)]:
        session.toolbox.press(event(point, "axial"))
        session.toolbox.move(event(point, "axial"))
    session.toolbox.release(event((3.0, 0.0, 0.0), "axial"))
    for key in "hoiiio" + "hoiion" + "yyp":  # signals, visible, excluded: pial surface
        session.form.press(key)
    session.toolbox.selection.start_new_lesion()
    session.toolbox.press(event((-12.0, 6.0, 4.0), "coronal"))
    session.toolbox.release(event((-12.0, 6.0, 4.0), "coronal"))
    session.set_lesion_type(2, "CMB")
    for key in "dlf":  # definite, lobar, frontal
        session.form.press(key)
    np.save(state_file, session.labels.data)
    session.toolbox.selection.start_new_lesion()
    session.toolbox.press(event((10.0, -10.0, -4.0), "sagittal"))
    session.toolbox.move(event((10.0, -6.0, -4.0), "sagittal"))
    print("mid-stroke", flush=True)
    signal.pause()


@pytest.fixture
def killed_rater(tmp_path):
    study = make_study(tmp_path / "study")
    state = tmp_path / "state.npy"
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    process = subprocess.Popen(
        [sys.executable, __file__, str(study), str(state)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=root,
    )
    line = process.stdout.readline()
    assert line.strip() == "mid-stroke", "the rater process died before its last stroke"
    process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL
    return study, np.load(state)


def test_killed_mid_stroke_reopens_with_everything_but_that_stroke_and_exports(
    tmp_path, killed_rater
):
    from app.annotation import RaterSession
    from processing.annotations.export import export_rater

    study, expected = killed_rater
    session = RaterSession(study, "K", "sub-01")
    try:
        assert np.array_equal(session.labels.data, expected) and session.labels.ids() == [1, 2]
        rows = {r["lesion_id"]: r for r in session.table.rows}
        assert rows[1]["rated"] and rows[1]["ratings"]["exclusion_reason"] == "pial_surface"
        assert rows[2]["type"] == "CMB" and rows[2]["rated"] is False  # side not rated yet
        assert session.participant_table() == [{"participant_id": "sub-01"}]
    finally:
        session.close()
    out = study / "derivatives" / "export-K"
    export_rater(study, "K", out)
    check_masks(out, expected)
    check_tables(out)


def check_masks(out: Path, expected: np.ndarray) -> None:
    reference = nib.load(out / "sub-01" / "sub-01_space-ref_desc-lesions_dseg.nii.gz")
    assert np.array_equal(np.asarray(reference.dataobj), expected)
    np.testing.assert_allclose(reference.affine, AFFINE)
    for visit in ("ses-01", "ses-02"):
        native = nib.load(
            out / "sub-01" / visit / f"sub-01_{visit}_space-dwi_desc-lesions_dseg.nii.gz"
        )
        assert np.array_equal(np.asarray(native.dataobj), expected)  # same grid: identical voxels


def check_tables(out: Path) -> None:
    with open(out / "rater-K_lesions.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["lesion_id"], r["type"], r["onset_visit"], r["visit"]) for r in rows] == [
        ("1", "A-CMI", "ses-02", "ses-02"),
        ("2", "CMB", "ses-02", "ses-02"),
    ]  # retyped: keeps its onset
    first, second = rows
    assert first["rating_dwi_onset"] == "hyper" and first["rating_r2star_last"] == "not_assessable"
    assert first["rating_excluded"] == "yes" and first["rating_exclusion_reason"] == "pial_surface"
    assert second["rating_certainty"] == "definite" and second["location"] == "lobar:frontal"
    assert second["rating_dwi_onset"] == "" and first["rater"] == "K"
    assert float(first["volume_mm3"]) > float(second["volume_mm3"]) > 0
    sheet = openpyxl.load_workbook(out / "rater-K_ratings.xlsx")["lesions"]
    table = [
        [("" if c is None else str(c)) for c in row] for row in sheet.iter_rows(values_only=True)
    ]
    header = table[0]
    for csv_row, xlsx_row in zip(rows, table[1:], strict=True):
        for column, value in zip(header, xlsx_row, strict=True):
            assert normalise(csv_row[column]) == normalise(value), column
    with open(out / "rater-K_summary.csv", newline="") as handle:
        summary = {(r["type"], r["location"]): r["count"] for r in csv.DictReader(handle)}
    assert summary[("A-CMI", "all")] == "1" and summary[("CMB", "lobar:frontal")] == "1"


def normalise(text: str) -> str:
    try:
        return repr(round(float(text), 3))
    except ValueError:
        return {"True": "true", "False": "false"}.get(text, text).lower()


if __name__ == "__main__":
    rater(Path(sys.argv[1]), Path(sys.argv[2]))
