"""nnU-Net export and import: probabilities with a threshold, and every bad input refused whole.

The predictions are made here as nnU-Net writes them: ``<case>.nii.gz`` in
the case image's geometry and ``<case>.npz`` with ``probabilities`` of shape
(classes, z, y, x).
"""

from __future__ import annotations

import shutil

import nibabel as nib
import numpy as np
import pytest
from nnunet_data import GRID, ball, rater_labels, write_gre_study

from processing.annotations.editing import components_as_lesions
from processing.annotations.workspace import RaterWorkspace, rater_folder
from processing.errors import FerretError
from processing.nnunet.dataset import export_nnunet
from processing.nnunet.rater_import import import_predictions

CASES = ("FerretCMB_sub-01_ses-01", "FerretCMB_sub-01_ses-02")


@pytest.fixture
def exported(tmp_path):
    """Return the still study and its exported dataset folder."""
    root = write_gre_study(tmp_path / "study")
    return root, export_nnunet(root, "AB", tmp_path / "out").folder


def write_prediction(folder, case, foreground_probability, affine=GRID.affine):
    """Write ``<case>.nii.gz`` (p >= 0.5) and ``<case>.npz`` as nnU-Net does (axes z, y, x)."""
    folder.mkdir(exist_ok=True)
    labels = (foreground_probability >= 0.5).astype(np.uint8)
    nib.save(nib.Nifti1Image(labels, affine), str(folder / f"{case}.nii.gz"))
    stack = np.stack([1 - foreground_probability, foreground_probability]).astype(np.float16)
    np.savez_compressed(folder / f"{case}.npz", probabilities=stack.transpose(0, 3, 2, 1))


def two_level_probabilities():
    """Return p = 0.9 on one ball and 0.4 on another (0 elsewhere) on GRID."""
    p = np.zeros(GRID.shape)
    p[ball((6, 6, 3), 1.6)] = 0.9
    p[ball((18, 22, 8), 1.6)] = 0.4
    return p


def test_probabilities_are_thresholded(exported, tmp_path):
    root, folder = exported
    predictions = tmp_path / "pred"
    p = two_level_probabilities()
    for case in CASES:
        write_prediction(predictions, case, p if case.endswith("01") else np.zeros(GRID.shape))
    common = dict(probabilities=True)
    import_predictions(root, predictions, folder / "cases.tsv", "LOW", threshold=0.3, **common)
    import_predictions(root, predictions, folder / "cases.tsv", "HIGH", threshold=0.5, **common)
    low, low_visits = rater_labels(root, "LOW")
    high, _ = rater_labels(root, "HIGH")
    assert np.array_equal(low > 0, p >= 0.3) and np.array_equal(high > 0, p >= 0.5)
    assert len(low_visits) == 2 and set(low_visits.values()) == {"ses-01"}


def test_probabilities_in_nibabel_axis_order_are_refused(exported, tmp_path):
    root, folder = exported
    predictions = tmp_path / "pred"
    for case in CASES:
        write_prediction(predictions, case, two_level_probabilities())
        path = predictions / f"{case}.npz"
        stack = np.load(path)["probabilities"].transpose(0, 3, 2, 1)  # back to x, y, z: wrong
        np.savez_compressed(path, probabilities=stack)
    with pytest.raises(FerretError, match=r"expected \(classes >= 2, 12, 28, 24\)"):
        import_predictions(root, predictions, folder / "cases.tsv", "M", probabilities=True)


@pytest.mark.parametrize(
    "damage, message",
    [
        ("unknown", "of a case the map does not list"),
        ("missing", "has no prediction"),
        ("grid", "is not on the grid of its image"),
        ("no_npz", "no readable probabilities"),
    ],
)
def test_bad_predictions_write_nothing(exported, tmp_path, damage, message):
    root, folder = exported
    predictions = tmp_path / "pred"
    for case in CASES:
        write_prediction(predictions, case, two_level_probabilities())
    if damage == "unknown":
        shutil.copy(predictions / f"{CASES[0]}.nii.gz", predictions / "FerretCMB_sub-09.nii.gz")
    elif damage == "missing":
        (predictions / f"{CASES[1]}.nii.gz").unlink()
    elif damage == "grid":
        shifted = GRID.affine.copy()
        shifted[0, 3] += 1.0
        write_prediction(predictions, CASES[1], two_level_probabilities(), shifted)
    else:
        (predictions / f"{CASES[1]}.npz").unlink()
    with pytest.raises(FerretError, match=message):
        import_predictions(
            root, predictions, folder / "cases.tsv", "MODEL", probabilities=damage == "no_npz"
        )
    assert not rater_folder(root, "MODEL").exists()


def test_a_case_not_in_the_study_is_refused(exported, tmp_path):
    root, folder = exported
    text = (folder / "cases.tsv").read_text().replace("\tses-02\t", "\tses-09\t")
    (tmp_path / "cases.tsv").write_text(text)
    with pytest.raises(FerretError, match="sub-01 ses-09 is not in this study"):
        import_predictions(root, folder / "labelsTr", tmp_path / "cases.tsv", "MODEL")


def test_a_human_rater_is_refused_without_the_flag(exported):
    root, folder = exported
    before = rater_labels(root, "AB")[0].copy()
    with pytest.raises(FerretError, match="holds lesions a person made"):
        import_predictions(root, folder / "labelsTr", folder / "cases.tsv", "AB")
    assert np.array_equal(rater_labels(root, "AB")[0], before)
    report = import_predictions(
        root, folder / "labelsTr", folder / "cases.tsv", "AB", into_human_rater=True
    )
    assert sum(len(ids) for _, ids, _ in report.cases) == 0  # every component was there already


def test_reimport_into_the_model_rater_adds_nothing(exported):
    root, folder = exported
    import_predictions(root, folder / "labelsTr", folder / "cases.tsv", "MODEL")
    again = import_predictions(root, folder / "labelsTr", folder / "cases.tsv", "MODEL")
    assert [len(ids) for _, ids, _ in again.cases] == [0, 0]


def test_export_refusals(tmp_path):
    root = write_gre_study(tmp_path / "study")
    with pytest.raises(FerretError, match="rater XY has no annotations"):
        export_nnunet(root, "XY", tmp_path / "out")
    export_nnunet(root, "AB", tmp_path / "out")
    with pytest.raises(FerretError, match="exists and is not empty"):
        export_nnunet(root, "AB", tmp_path / "out")
    report = export_nnunet(root, "AB", tmp_path / "out", overwrite=True)
    assert len(report.cases) == 2
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["Dataset501_FerretCMB"]  # no stage
    with pytest.raises(FerretError, match="which Ferret never modifies"):
        export_nnunet(root, "AB", root / "sub-01")


def test_a_participant_gone_from_the_study_is_listed(tmp_path):
    root = write_gre_study(tmp_path / "study")
    with RaterWorkspace(root, "AB") as workspace:
        session = workspace.open_session("sub-02", GRID, lesion_type="CMB", visit="ses-01")
        components_as_lesions(ball((10, 10, 5), 1.6), session.labels)
    report = export_nnunet(root, "AB", tmp_path / "out")
    assert ("sub-02", "-", "not in the study any more") in report.skipped
    assert len(report.cases) == 2
