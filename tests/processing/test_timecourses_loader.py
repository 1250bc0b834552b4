"""Time courses read from a study on disk: resampled maps plus a rater's annotations."""

from __future__ import annotations

import numpy as np
import pytest

from processing.annotations import Grid, RaterWorkspace
from processing.errors import FerretError
from processing.fileio import save_nifti
from processing.study import discover
from processing.study.example import write_tiny_study
from processing.timecourses.loader import parameter_files, study_timecourses

SHAPE = (8, 8, 8)
AFFINE = np.diag([2.0, 2.0, 2.0, 1.0])
LESION_MD = [1.0, 2.0, 1.5]  # ring is 0.5 at every visit


def write_maps(root, session, *, md_value, with_md=True, affine=AFFINE):
    base = root / "derivatives" / "ferret" / "sub-01" / session
    r2star = np.full(SHAPE, 15.0, dtype=np.float32)
    save_nifti(base / "anat" / f"sub-01_{session}_space-ref_R2starmap.nii.gz", r2star, affine)
    if with_md:
        md = np.full(SHAPE, 0.5, dtype=np.float32)
        md[4, 4, 4] = md_value
        save_nifti(
            base / "dwi" / f"sub-01_{session}_space-ref_model-tensor_param-md_dwimap.nii.gz",
            md,
            affine,
        )
    save_nifti(base / "dwi" / f"sub-01_{session}_space-ref_desc-b1000_trace.nii.gz", r2star, affine)


def annotate(root, *, excluded=False):
    workspace = RaterWorkspace(root, "A")
    try:
        session = workspace.open_session("sub-01", Grid(SHAPE, AFFINE), visit="ses-02")
        session.labels.write((slice(4, 5), slice(4, 5), slice(4, 5)), np.ones((1, 1, 1), np.int32))
        if excluded:
            session.set_rating(1, "excluded", "yes")
            session.set_rating(1, "exclusion_reason", "pial")
        session.flush()
    finally:
        workspace.close()


@pytest.fixture()
def study_root(tmp_path):
    root = write_tiny_study(tmp_path / "study", participants=1, visits=3)
    for index, value in enumerate(LESION_MD):
        write_maps(root, f"ses-0{index + 1}", md_value=value)
    return root


def test_study_timecourses_reads_maps_and_annotations(study_root):
    annotate(study_root)
    study = discover(study_root)
    assert set(parameter_files(study.participant("sub-01").visits[0])) == {
        "R2star",
        "MD",
        "trace_b1000",
    }
    rows = study_timecourses(study, "A")
    md = [r for r in rows if r.parameter == "MD"]
    assert [r.lesion_mean for r in md] == LESION_MD
    assert [r.control_voxels for r in md] == [26] * 3
    assert [r.normalised_difference for r in md] == pytest.approx([0.0, 1.0, 0.5])
    assert [r.weeks_from_onset for r in md] == [-4.0, 0.0, 4.0]
    assert {r.parameter for r in rows} == {"trace_b1000", "MD", "R2star"}
    assert md[0].onset_visit == "ses-02" and md[0].lesion_kind == "A-CMI" and not md[0].excluded


def test_rater_exclusion_and_errors(study_root, tmp_path):
    annotate(study_root, excluded=True)
    rows = study_timecourses(discover(study_root), "A")
    assert all(r.exclusion_reason == "excluded by rater: pial" for r in rows)
    with pytest.raises(FerretError, match="no annotated participant of rater B"):
        study_timecourses(discover(study_root), "B")
    write_maps(study_root, "ses-03", md_value=1.0, affine=np.diag([1.0, 1.0, 1.0, 1.0]))
    with pytest.raises(FerretError, match="not in the reference grid"):
        study_timecourses(discover(study_root), "A")


def test_missing_maps_are_reported(tmp_path):
    root = write_tiny_study(tmp_path / "bare", participants=1, visits=2)
    annotate(root)
    with pytest.raises(FerretError, match="no maps resampled"):
        study_timecourses(discover(root), "A")
