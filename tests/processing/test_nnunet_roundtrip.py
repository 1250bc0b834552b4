"""The nnU-Net round trip: a rater's microbleeds out as labelsTr, back in as rater MODEL.

On the still study (every visit's GRE grid is the reference grid, identity
transforms) the round trip is voxel-exact, lesion for lesion and visit for
visit. On the moved study ses-02 goes through a 7-degree rotation and back
(two nearest-neighbour resamplings), bounded here; ses-01 stays exact.
The dataset itself is checked against what nnU-Net v2 reads, and by nnU-Net's
own integrity check when nnunetv2 is installed.
"""

from __future__ import annotations

import json

import nibabel as nib
import numpy as np
import pytest
from nnunet_data import (
    GRID,
    LESIONS,
    MOVED_GRID,
    ball,
    moved_transform,
    rater_labels,
    write_gre_study,
)

from processing.nnunet.cases import read_cases
from processing.nnunet.dataset import export_nnunet
from processing.nnunet.lesions import to_native
from processing.nnunet.rater_import import import_predictions


def round_trip(root, out):
    report = export_nnunet(root, "AB", out)
    folder = report.folder
    imported = import_predictions(root, folder / "labelsTr", folder / "cases.tsv", "MODEL")
    return report, imported


def test_still_round_trip_is_voxel_exact(tmp_path):
    root = write_gre_study(tmp_path / "study")
    round_trip(root, tmp_path / "out")
    original, original_visits = rater_labels(root, "AB")
    model, model_visits = rater_labels(root, "MODEL")
    assert (original > 0).sum() == sum(ball(c, r).sum() for _, c, r in LESIONS)
    assert np.array_equal(original > 0, model > 0)
    # lesion for lesion: the same partition of the voxels, the same visit
    pairs = {
        (int(a), int(b)) for a, b in zip(original[original > 0], model[model > 0], strict=True)
    }
    assert len(pairs) == len(LESIONS) == len({a for a, _ in pairs}) == len({b for _, b in pairs})
    assert all(original_visits[a] == model_visits[b] for a, b in pairs)


def of_visit(labels, visits, visit):
    """Return the voxels of the lesions recorded at ``visit``."""
    return np.isin(labels, [i for i, v in visits.items() if v == visit])


def test_moved_visit_round_trip_is_bounded(tmp_path):
    root = write_gre_study(tmp_path / "study", moved=True)
    _, imported = round_trip(root, tmp_path / "out")
    original, visits = rater_labels(root, "AB")
    model, model_visits = rater_labels(root, "MODEL")
    assert [len(ids) for _, ids, _ in imported.cases] == [2, 2]  # ses-02 re-finds ses-01's two
    assert [known for _, _, known in imported.cases] == [0, 2]
    assert np.array_equal(
        of_visit(original, visits, "ses-01"), of_visit(model, model_visits, "ses-01")
    )
    a, b = of_visit(original, visits, "ses-02"), of_visit(model, model_visits, "ses-02")
    dice = 2 * (a & b).sum() / (a.sum() + b.sum())
    shift = np.linalg.norm((np.argwhere(a).mean(0) - np.argwhere(b).mean(0)) * GRID.spacing)
    print(f"moved visit: {a.sum()} voxels -> {b.sum()}, Dice {dice:.3f}, shift {shift:.2f} mm")
    assert dice >= 0.9 and shift <= 1.0  # measured: Dice 0.970, centre shift 0.48 mm


def test_moved_labels_follow_the_inverse_transform(tmp_path):
    root = write_gre_study(tmp_path / "study", moved=True)
    report = export_nnunet(root, "AB", tmp_path / "out")
    label = nib.load(str(report.folder / "labelsTr" / "FerretCMB_sub-01_ses-02.nii.gz"))
    assert np.allclose(label.affine, MOVED_GRID.affine) and label.shape == MOVED_GRID.shape
    reference = np.zeros(GRID.shape, bool)
    for _, centre, radius in LESIONS:
        reference |= ball(centre, radius)
    expected = to_native(reference, GRID, MOVED_GRID, moved_transform())
    unmoved = to_native(reference, GRID, MOVED_GRID, np.eye(4))
    assert np.array_equal(np.asarray(label.dataobj) > 0, expected)
    assert not np.array_equal(expected, unmoved)  # the movement matters


def test_dataset_is_what_nnunet_reads(tmp_path):
    root = write_gre_study(tmp_path / "study")
    report = export_nnunet(root, "AB", tmp_path / "out", dataset_id=7, channels=("r2star", "swi"))
    folder = report.folder
    assert folder.name == "Dataset007_FerretCMB"
    meta = json.loads((folder / "dataset.json").read_text())
    assert meta["channel_names"] == {"0": "R2star", "1": "SWI"}
    assert meta["labels"] == {"background": 0, "CMB": 1}
    assert meta["file_ending"] == ".nii.gz" and meta["numTraining"] == 2
    cases = read_cases(folder / "cases.tsv")
    assert [(c.participant, c.session) for c in cases.values()] == [
        ("sub-01", "ses-01"),
        ("sub-01", "ses-02"),
    ]
    assert sorted(p.name for p in (folder / "labelsTr").iterdir()) == [f"{c}.nii.gz" for c in cases]
    for case in cases:
        label = nib.load(str(folder / "labelsTr" / f"{case}.nii.gz"))
        assert set(np.unique(np.asarray(label.dataobj))) <= {0, 1}
        for channel in range(2):
            image = nib.load(str(folder / "imagesTr" / f"{case}_{channel:04d}.nii.gz"))
            assert np.allclose(image.affine, label.affine) and image.shape == label.shape
            assert np.isfinite(image.get_fdata()).all()  # the NaN of the SWI map is gone
    assert [s for _, s, _ in report.skipped] == ["ses-03"]  # no R2* map: listed, not dropped


def test_nnunet_integrity_check_accepts_the_dataset(tmp_path):
    verify = pytest.importorskip("nnunetv2.experiment_planning.verify_dataset_integrity")
    root = write_gre_study(tmp_path / "study", moved=True)
    report = export_nnunet(root, "AB", tmp_path / "out")
    verify.verify_dataset_integrity(str(report.folder), 1)  # raises on any problem
