"""Tensor, shells, traces, b-vector orientation and SWI filtering on synthetic data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage, signal

from processing.errors import FerretError
from processing.maps import SWIModel, TensorModel
from processing.maps.gradients import fsl_bvecs_to_world, group_shells, world_to_fsl_bvecs
from processing.maps.phase import phase_to_radians, units_from_sidecar
from processing.maps.swi import highpass_phase, phase_mask
from processing.maps.trace import shell_trace, tensor_volumes

RNG = np.random.default_rng(0)
DIRS = RNG.normal(size=(30, 3))
DIRS /= np.linalg.norm(DIRS, axis=1, keepdims=True)
BVALS = np.r_[0, 0, np.full(30, 1000.0), np.full(30, 3005.0)]
BVECS_WORLD = np.r_[np.zeros((2, 3)), DIRS, DIRS]


def tensor_field(shape=(6, 5, 4)):
    """Tensors with a principal direction that varies across the grid (world axes)."""
    angles = np.linspace(0, np.pi / 2, np.prod(shape)).reshape(shape)
    v1 = np.stack([np.cos(angles), np.sin(angles), 0.3 * np.ones(shape)], -1)
    v1 /= np.linalg.norm(v1, axis=-1, keepdims=True)
    eye = np.eye(3)
    return 0.4e-3 * eye + 1.2e-3 * v1[..., :, None] * v1[..., None, :], v1


def signals(tensors, bvals, bvecs):
    q = np.einsum("ni,...ij,nj->...n", bvecs, tensors, bvecs)
    return 1000.0 * np.exp(-bvals * q)


def test_shells_tolerance_and_b0_threshold():
    shells = group_shells([0, 5, 1000, 990, 1010, 3000, 2995, 40])
    assert [s.label for s in shells] == ["b0", "b1000", "b3000"]
    assert shells[0].indices == (0, 1, 7)


def test_trace_is_arithmetic_mean_and_missing_shell_is_an_error():
    data = RNG.random((2, 2, 2, 4)).astype(np.float32)
    shells = group_shells([0, 1000, 1000, 1000])
    np.testing.assert_allclose(shell_trace(data, shells[1]), data[..., 1:].mean(-1), rtol=1e-6)
    with pytest.raises(FerretError, match="only b=0"):
        tensor_volumes(group_shells([0, 0, 10]))


def test_tensor_recovers_md_fa_and_direction():
    tensors, v1 = tensor_field()
    data = signals(tensors, BVALS[:32], BVECS_WORLD[:32])
    evals = np.linalg.eigvalsh(tensors)
    md_true = evals.mean(-1)
    fa_true = np.sqrt(1.5 * ((evals - md_true[..., None]) ** 2).sum(-1) / (evals**2).sum(-1))
    for method in ("ols", "wls"):
        fit = TensorModel(BVALS[:32], BVECS_WORLD[:32], method).fit(data)
        np.testing.assert_allclose(fit.md, md_true, rtol=1e-4)
        np.testing.assert_allclose(fit.fa, fa_true, rtol=1e-4)
        assert np.all(np.abs(np.sum(fit.evecs[..., :, 0] * v1, -1)) > 0.9999)


def test_tensor_rejects_too_few_directions():
    with pytest.raises(FerretError, match="six or more"):
        TensorModel(np.r_[0, np.full(3, 1000.0)], np.r_[np.zeros((1, 3)), np.eye(3)])


@pytest.mark.parametrize(
    "perm,flips",
    [
        ((1, 0, 2), (True, False, False)),
        ((2, 0, 1), (False, True, True)),
        ((0, 1, 2), (True, False, False)),
    ],
)
def test_reoriented_storage_gives_the_same_maps(perm, flips):
    tensors, _ = tensor_field()
    affine = np.diag([-2.0, 2.0, 2.5, 1.0])  # LAS storage, det < 0
    affine[:3, :3] = affine[:3, :3] @ _rotation(0.2)  # oblique
    data = signals(tensors, BVALS[:32], BVECS_WORLD[:32])
    bvecs1 = world_to_fsl_bvecs(BVECS_WORLD[:32], affine)
    # same voxels stored with permuted / flipped axes: new voxel index j = P i (+ offset)
    moved = np.transpose(data, perm + (3,))
    reorder = np.eye(4)[list(perm) + [3]].T  # old index = reorder @ new index
    for axis, flip in enumerate(flips):
        if flip:
            moved = np.flip(moved, axis)
            f = np.eye(4)
            f[axis, axis], f[axis, 3] = -1, moved.shape[axis] - 1
            reorder = reorder @ f
    affine2 = affine @ reorder
    bvecs2 = world_to_fsl_bvecs(BVECS_WORLD[:32], affine2)
    fit1 = TensorModel(BVALS[:32], fsl_bvecs_to_world(bvecs1, affine)).fit(data)
    fit2 = TensorModel(BVALS[:32], fsl_bvecs_to_world(bvecs2, affine2)).fit(moved)
    back = _to_original(fit2.fa, perm, flips)
    np.testing.assert_allclose(back, fit1.fa, atol=1e-6)
    np.testing.assert_allclose(_to_original(fit2.md, perm, flips), fit1.md, rtol=1e-6)
    v_a = fit1.evecs[..., :, 0]
    v_b = _to_original(fit2.evecs[..., :, 0], perm, flips)
    assert np.all(np.abs(np.sum(v_a * v_b, -1)) > 0.9999)


def test_fsl_x_flip_applies_only_to_positive_determinant():
    vec = np.array([[1.0, 0.0, 0.0]])
    assert fsl_bvecs_to_world(vec, np.diag([2.0, 2, 2, 1]))[0] == pytest.approx([-1, 0, 0])
    assert fsl_bvecs_to_world(vec, np.diag([-2.0, 2, 2, 1]))[0] == pytest.approx([-1, 0, 0])
    assert fsl_bvecs_to_world(np.array([[0, 1.0, 0]]), np.diag([2.0, 2, 2, 1]))[0] == pytest.approx(
        [0, 1, 0]
    )


def _rotation(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _to_original(array, perm, flips):
    for axis, flip in enumerate(flips):
        if flip:
            array = np.flip(array, axis)
    inverse = np.argsort(perm)
    return np.transpose(array, tuple(inverse) + tuple(range(3, array.ndim)))


def test_lowpass_matches_matlab_filter2_not_convolve2d_same():
    phase = np.zeros((24, 20, 1), dtype=np.float32)
    phase[9, 7, 0] = 1.0  # one off-phase voxel
    kernel = np.outer(np.hamming(12), np.hamming(12))
    z = np.exp(1j * phase[..., 0])
    full = signal.convolve2d(z, kernel, mode="full")
    filter2 = full[6 : 6 + 24, 6 : 6 + 20]  # MATLAB 'same': offset floor(12/2)
    expected = np.angle(z / filter2)
    np.testing.assert_allclose(highpass_phase(phase)[..., 0], expected, atol=1e-5)
    shifted = np.angle(z / signal.convolve2d(z, kernel, mode="same"))
    assert np.abs(shifted - expected).max() > 1e-3
    lowpass = ndimage.convolve(z.real, kernel, mode="constant") + 1j * ndimage.convolve(
        z.imag, kernel, mode="constant"
    )
    np.testing.assert_allclose(lowpass, filter2, atol=1e-9)


def test_phase_mask_and_swi_darken_negative_phase_only():
    phi = np.array([-np.pi, -np.pi / 2, 0.0, np.pi / 2])
    np.testing.assert_allclose(phase_mask(phi), [0, 0.5, 1, 1])
    np.testing.assert_allclose(phase_mask(phi, sign="positive"), [1, 1, 1, 0.5])
    mag = np.ones((32, 32, 3, 2), np.float32)
    phase = np.zeros_like(mag)
    phase[16, 16, :, :] = -1.0  # a "vein"
    swi = SWIModel(phase_units="radians").fit(mag, phase).swi
    assert swi[16, 16, 1] < 0.3 and swi[2, 2, 1] == pytest.approx(1.0, abs=0.05)
    assert SWIModel(sign="positive", phase_units="radians").fit(mag, phase).swi[
        16, 16, 1
    ] == pytest.approx(1.0, abs=0.01)


def test_phase_units_detected():
    radians, note = phase_to_radians(np.linspace(-3.1, 3.1, 100))
    assert note.startswith("radians as stored")
    scanner, note = phase_to_radians(np.linspace(-4096, 4095, 100).round())
    assert "scanner integers in [-4096, 4095]" in note and scanner.min() == pytest.approx(-np.pi)
    # small radians (a crop spanning less than pi) stay radians: no silent rescaling
    small = np.linspace(-0.5, 0.7, 100)
    kept, note = phase_to_radians(small)
    assert note.startswith("radians as stored") and np.array_equal(kept, small.astype(np.float32))
    outside, note = phase_to_radians(
        np.linspace(-7.5, 7.5, 100)
    )  # non-integer, clearly not radians
    assert "arbitrary units" in note and outside.min() == pytest.approx(-np.pi)
    arbitrary, note = phase_to_radians(np.linspace(-0.0037, 0.0037, 100), units="arbitrary")
    assert (
        "arbitrary" in note and arbitrary.max() < np.pi and arbitrary.min() == pytest.approx(-np.pi)
    )


def test_phase_units_from_sidecar():
    assert units_from_sidecar({"Units": "rad"}) == "radians"
    assert units_from_sidecar({"Units": "arbitrary"}) == "scanner"
    assert units_from_sidecar({"EchoTime": 0.01}) is None and units_from_sidecar(None) is None
