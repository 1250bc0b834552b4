"""DTI outputs users check orientation with (L1-L3, V1, colour FA) agree with dipy fitted in FSL's frame."""

from __future__ import annotations

import json

import nibabel as nib
import numpy as np
import pytest

from app.cli import main as ferret
from processing.study.example import write_tiny_study

EIGENVALUES = (1.7e-3, 0.5e-3, 0.3e-3)  # mm^2/s, white-matter-like (FA 0.73)


def plant_tensors(study, seed: int = 0) -> np.ndarray:
    """Replace the DWI's signal with noiseless tensors of random principal directions; return them (world)."""
    from processing.maps.gradients import fsl_bvecs_to_world

    raw = study / "sub-01" / "ses-01" / "dwi" / "sub-01_ses-01_dwi"
    image = nib.load(str(raw) + ".nii.gz")
    bvals, bvecs = np.loadtxt(str(raw) + ".bval"), np.loadtxt(str(raw) + ".bvec").T
    g = fsl_bvecs_to_world(bvecs, image.affine)
    rng = np.random.default_rng(seed)
    shape = image.shape[:3]
    directions = rng.normal(size=shape + (3,))
    directions /= np.linalg.norm(directions, axis=-1, keepdims=True)
    helper = np.where(np.abs(directions[..., :1]) < 0.9, [1.0, 0, 0], [0, 1.0, 0])
    second = np.cross(directions, helper)
    second /= np.linalg.norm(second, axis=-1, keepdims=True)
    third = np.cross(directions, second)
    tensors = sum(
        value * a[..., :, None] * a[..., None, :]
        for value, a in zip(EIGENVALUES, (directions, second, third), strict=True)
    )
    head = np.full(
        shape, 10.0
    )  # background, so that the automatic brain mask has something to separate
    head[1:-1, 1:-1, :] = 1000.0
    signal = head[..., None] * np.exp(-bvals * np.einsum("ni,...ij,nj->...n", g, tensors, g))
    nib.save(
        nib.Nifti1Image(signal.astype(np.float32), image.affine, image.header), str(raw) + ".nii.gz"
    )
    return directions


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    study = write_tiny_study(tmp_path_factory.mktemp("dti") / "study", participants=1, visits=1)
    truth = plant_tensors(study)
    assert ferret(["process", str(study), "--steps", "maps"]) == 0
    return study, truth


def test_v1_is_the_planted_direction_in_fsl_voxel_axes(processed):
    from processing.maps.gradients import world_to_fsl_bvecs

    study, truth = processed
    v1, path = _map(study, "v1")
    assert (
        np.linalg.det(nib.load(str(path)).affine[:3, :3]) > 0
    )  # neurological storage: FSL flips x
    expected = world_to_fsl_bvecs(truth.reshape(-1, 3), nib.load(str(path)).affine).reshape(
        truth.shape
    )
    agreement = np.abs(np.sum(v1 * expected, axis=-1))
    mask = _mask(study)
    assert agreement[mask].min() > 0.9999, agreement[mask].min()
    l1, l2, l3 = (_map(study, p)[0][mask] for p in ("l1", "l2", "l3"))
    for values, true in zip((l1, l2, l3), EIGENVALUES, strict=True):
        np.testing.assert_allclose(values, true, rtol=1e-3)


def _mask(study) -> np.ndarray:
    _, md_path = _map(study, "md")
    return (
        np.asanyarray(
            nib.load(
                str(md_path).replace("model-tensor_param-md_dwimap", "desc-brain_mask")
            ).dataobj
        )
        > 0
    )


def _map(study, param):
    path = (
        study
        / "derivatives"
        / "ferret"
        / "sub-01"
        / "ses-01"
        / "dwi"
        / f"sub-01_ses-01_model-tensor_param-{param}_dwimap.nii.gz"
    )
    return np.asanyarray(nib.load(str(path)).dataobj), path


def test_eigensystem_matches_dipy_in_the_bvec_frame(processed):
    from dipy.core.gradients import gradient_table
    from dipy.reconst.dti import TensorModel

    processed, _ = processed
    raw = processed / "sub-01" / "ses-01" / "dwi" / "sub-01_ses-01_dwi"
    data = np.asanyarray(nib.load(str(raw) + ".nii.gz").dataobj).astype(float)
    bvals, bvecs = np.loadtxt(str(raw) + ".bval"), np.loadtxt(str(raw) + ".bvec").T
    _, md_path = _map(processed, "md")
    volumes = json.loads(md_path.with_suffix("").with_suffix(".json").read_text())["Parameters"][
        "volumes"
    ]
    mask = _mask(processed)
    table = gradient_table(bvals[volumes], bvecs=bvecs[volumes], b0_threshold=50)
    fit = TensorModel(table, fit_method="OLS").fit(data[..., volumes], mask=mask)

    (l1, _), (l3, _), (v1, _), (colour, _), (fa, _) = (
        _map(processed, p) for p in ("l1", "l3", "v1", "colorfa", "fa")
    )
    assert v1.shape == data.shape[:3] + (3,) and colour.shape == v1.shape
    anisotropic = mask & (fit.fa > 0.2)
    assert anisotropic.sum() >= 10
    np.testing.assert_allclose(l1[mask], fit.evals[..., 0][mask], rtol=1e-3, atol=1e-7)
    np.testing.assert_allclose(l3[mask], fit.evals[..., 2][mask], rtol=1e-3, atol=1e-7)
    agreement = np.abs(np.sum(v1[anisotropic] * fit.evecs[..., :, 0][anisotropic], axis=-1))
    assert agreement.min() > 0.999, (
        agreement.min()
    )  # same axis (the sign of an eigenvector is arbitrary)
    np.testing.assert_allclose(colour[mask], np.abs(v1[mask]) * fa[mask][:, None], atol=1e-6)
    assert np.all(l1[mask] >= l3[mask])


def test_vectors_and_eigenvalues_stay_on_the_dwi_grid(processed):
    from processing.registration.outputs import source_key
    from processing.study import discover

    processed, _ = processed
    visit = discover(processed).participants["sub-01"].visits[0]
    for param in ("v1", "colorfa", "l1"):
        assert source_key(visit, _map(processed, param)[1]) is None  # never resampled unreoriented
    assert source_key(visit, _map(processed, "md")[1]) == "dwi"
