"""One rule for the reference space and the anchor, in the chain and in the annotation spaces (issue 11.5)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from processing.errors import FerretError
from processing.registration.chain import (
    ChainSettings,
    anchor_key,
    anchors_of,
    pair_tasks,
    reference_key,
    reference_link_key,
)
from processing.spaces.reference import reference_grid
from processing.study import discover
from processing.study.example import write_tiny_study

SETTINGS = ChainSettings()


def keep_only(study: Path, *kinds: str) -> None:
    """Delete every image (and companion) of kinds not in ``kinds``."""
    for path in study.glob("sub-*/ses-*/*/*"):
        stem = path.name.split(".")[0]
        if not any(stem.endswith("_" + kind) for kind in kinds):
            path.unlink()
    for folder in study.glob("sub-*/ses-*/*"):
        if folder.is_dir() and not any(folder.iterdir()):
            shutil.rmtree(folder)


@pytest.fixture
def study(tmp_path) -> Path:
    return write_tiny_study(tmp_path / "study", participants=1, visits=2)


def first_visit(study: Path):
    return discover(study).participants["sub-01"].visits[0]


def header_grid_of(path: Path):
    image = nib.load(str(path))
    return image.shape[:3], image.affine


def test_full_visit_dwi_is_the_reference_and_unit1_the_anchor(study):
    visit = first_visit(study)
    assert anchor_key(visit, SETTINGS) == "UNIT1" and reference_key(visit, SETTINGS) == "dwi"
    assert reference_link_key(visit, SETTINGS) == ("ses-01", "dwi")
    grid = reference_grid(study, "sub-01")
    shape, affine = header_grid_of(study / "sub-01" / "ses-01" / "dwi" / "sub-01_ses-01_dwi.nii.gz")
    assert grid.shape == shape and np.allclose(grid.affine, affine)


def test_dwi_only_study_anchors_on_the_dwi_and_needs_no_reference_link(study):
    keep_only(study, "dwi")
    participant = discover(study).participants["sub-01"]
    visit = participant.visits[0]
    assert anchor_key(visit, SETTINGS) == "dwi" and reference_key(visit, SETTINGS) == "dwi"
    assert reference_link_key(visit, SETTINGS) is None  # the DWI anchors itself: no link to look up
    tasks = pair_tasks(participant, anchors_of(participant, SETTINGS))
    assert [(t.moving[0].session, t.moving[1], t.fixed[1]) for t in tasks] == [
        ("ses-02", "dwi", "dwi")
    ]


def test_study_without_dwi_uses_the_anchor_grid_everywhere(study):
    keep_only(study, "UNIT1", "FLAIR", "MEGRE")
    visit = first_visit(study)
    assert reference_key(visit, SETTINGS) == "UNIT1" and reference_link_key(visit, SETTINGS) is None
    grid = reference_grid(study, "sub-01")  # was: "no DWI found to define the reference space"
    shape, affine = header_grid_of(
        study / "sub-01" / "ses-01" / "anat" / "sub-01_ses-01_UNIT1.nii.gz"
    )
    assert grid.shape == shape and np.allclose(grid.affine, affine)


def test_anchor_falls_back_to_flair_then_refuses_only_an_empty_visit(study):
    keep_only(study, "FLAIR")
    assert anchor_key(first_visit(study), SETTINGS) == "FLAIR"
    keep_only(study)
    with pytest.raises(FerretError, match="no image Ferret uses in this visit"):
        anchor_key(first_visit(study), SETTINGS)
