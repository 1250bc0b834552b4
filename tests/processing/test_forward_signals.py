"""GRE, spin echo, diffusion and noise forward models against known answers."""

from __future__ import annotations

import numpy as np
import pytest

from processing.forward import diffusion, gre, noise, spin_echo


def test_gre_magnitude_is_monoexponential_per_echo():
    te = [0.005, 0.01, 0.02]
    mag = gre.gre_magnitude(np.array([100.0, 50.0]), np.array([20.0, 0.0]), te)
    assert mag.shape == (2, 3)
    np.testing.assert_allclose(mag[0], 100 * np.exp(-20 * np.array(te)))
    np.testing.assert_allclose(mag[1], 50.0)


def test_gre_phase_sign_convention_and_wrapping():
    # +0.1 ppm at 3 T is 38.3 Hz; phase = -2 pi 38.3 Hz TE (paramagnetic -> negative)
    phase = gre.gre_phase(np.array(0.1), [0.001, 0.02])
    hz = gre.GAMMABAR_HZ_PER_T * 3.0 * 0.1e-6
    assert phase[0] == pytest.approx(-2 * np.pi * hz * 0.001)
    assert -np.pi <= phase[1] < np.pi
    assert np.cos(phase[1]) == pytest.approx(np.cos(2 * np.pi * hz * 0.02))
    assert gre.wrap_phase(np.pi) == pytest.approx(-np.pi)


def test_fft_dipole_field_of_a_sphere_matches_the_analytic_field():
    n, voxel, radius, chi = 64, 1.0, 6.0, 1.0
    axis = (np.arange(n) - n / 2) * voxel
    points = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1)
    sphere = (np.linalg.norm(points, axis=-1) <= radius).astype(float) * chi
    b0 = np.array([0.0, 0.3, 1.0])
    numeric = gre.dipole_field(sphere, (voxel,) * 3, b0)
    equivalent_radius = (3 * sphere.sum() / (4 * np.pi)) ** (1 / 3)  # the voxelised sphere's volume
    analytic = gre.sphere_field(points, np.zeros(3), equivalent_radius, chi, b0)
    r = np.linalg.norm(points, axis=-1)
    shell = (r > 1.6 * radius) & (r < 3 * radius)
    # the voxelised sphere's field is ~5 % weaker near it (staircase surface, sampled kernel)
    gain = np.sum(numeric[shell] * analytic[shell]) / np.sum(analytic[shell] ** 2)
    assert 0.9 < gain < 1.05
    assert np.corrcoef(numeric[shell], analytic[shell])[0, 1] > 0.99
    b = b0 / np.linalg.norm(b0)
    along_b0 = gre.sphere_field(2 * radius * b[None], np.zeros(3), radius, chi, b0)[0]
    assert along_b0 == pytest.approx(chi / 3 * 2 / 8)  # + lobe along B0
    assert np.abs(numeric[r < 0.5 * radius]).max() < 0.03 * chi  # ~0 inside (Lorentz corrected)


def test_dephasing_factor_known_values():
    step_hz = 10.0  # Hz across the voxel along x
    step_ppm = step_hz / (gre.GAMMABAR_HZ_PER_T * 3.0 * 1e-6)
    factor = gre.dephasing_factor(np.array([step_ppm, 0.0, 0.0]), [0.05, 0.1])
    np.testing.assert_allclose(factor, [abs(np.sinc(0.5)), abs(np.sinc(1.0))], atol=1e-6)
    assert factor[1] < 1e-6  # one full cycle across the voxel cancels


def test_mese_signal_and_first_echo_factor():
    te = [0.01, 0.02, 0.03]
    signal = spin_echo.mese_signal(1000.0, 0.08, te)
    np.testing.assert_allclose(signal, 1000 * np.exp(-np.array(te) / 0.08))
    distorted = spin_echo.mese_signal(1000.0, 0.08, te, first_echo_factor=0.9)
    assert distorted[0] == pytest.approx(0.9 * signal[0]) and distorted[1] == signal[1]
    assert np.all(spin_echo.mese_signal(5.0, 0.0, te) == 0)


def test_flair_nulls_csf_and_brightens_long_t2():
    csf = spin_echo.flair_signal(1.0, 4.0, 1.0)
    wm = spin_echo.flair_signal(0.7, 0.85, 0.07)
    wmh = spin_echo.flair_signal(0.77, 1.23, 0.154)
    assert csf < 0.25 * wm < wm < wmh
    assert spin_echo.flair_signal(1.0, 2.5 / np.log(2), 1e9, tr=1e9) == pytest.approx(
        0.0, abs=1e-12
    )


def test_eigenvalues_and_tensor_reproduce_md_fa_and_direction():
    md, fa = np.array([0.7e-3, 3e-3]), np.array([0.5, 0.0])
    direction = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    tensor = diffusion.tensor_from_eigen(diffusion.eigenvalues_from_md_fa(md, fa), direction)
    got_md, got_fa = diffusion.md_fa(tensor)
    np.testing.assert_allclose(got_md, md)
    np.testing.assert_allclose(got_fa, fa, atol=1e-12)
    w, v = np.linalg.eigh(tensor[0])
    assert abs(v[:, -1] @ direction[0] / np.sqrt(2)) == pytest.approx(1.0)


def test_tensor_signal_for_isotropic_and_anisotropic_tensors():
    bvals = np.array([0.0, 1000.0, 1000.0])
    bvecs = np.array([[0, 0, 0], [1.0, 0, 0], [0, 0, 1.0]])
    iso = diffusion.tensor_signal(100.0, np.eye(3) * 1e-3, bvals, bvecs)
    np.testing.assert_allclose(iso, [100, 100 * np.exp(-1), 100 * np.exp(-1)])
    stick = diffusion.tensor_signal(1.0, np.diag([2e-3, 0.2e-3, 0.2e-3]), bvals, bvecs)
    assert stick[1] == pytest.approx(np.exp(-2)) and stick[2] == pytest.approx(np.exp(-0.2))


def test_sphere_directions_are_unit_distinct_and_spread():
    dirs = diffusion.sphere_directions(30)
    np.testing.assert_allclose(np.linalg.norm(dirs, axis=1), 1.0)
    cosines = np.abs(dirs @ dirs.T)[~np.eye(30, dtype=bool)]
    assert cosines.max() < 0.95


@pytest.mark.parametrize(
    "axes",
    [
        np.diag([2.0, 2, 2]),
        np.diag([-2.0, 2, 2]),
        np.array([[0, 0, -1.0], [1.0, 0, 0], [0, -1.0, 0]]),
    ],
)
def test_fsl_bvecs_round_trip_and_flip_rule(axes):
    affine = np.eye(4)
    affine[:3, :3] = axes
    dirs = diffusion.sphere_directions(7)
    bvecs = diffusion.fsl_bvecs_from_world(dirs, affine)
    np.testing.assert_allclose(diffusion.world_from_fsl_bvecs(bvecs, affine), dirs, atol=1e-12)
    if np.allclose(axes, np.diag([2.0, 2, 2])):  # RAS: FSL flips x
        np.testing.assert_allclose(bvecs, dirs * [-1, 1, 1])
    if np.allclose(axes, np.diag([-2.0, 2, 2])):  # LAS (radiological): voxel x is world -x, no flip
        np.testing.assert_allclose(bvecs, dirs * [-1, 1, 1])


def test_rician_noise_statistics_and_seeding():
    rng = np.random.default_rng(1)
    sigma = noise.noise_sigma(1000.0, 20.0)
    assert sigma == 50.0
    background = noise.rician(np.zeros(200_000), sigma, rng)
    assert background.mean() == pytest.approx(sigma * np.sqrt(np.pi / 2), rel=0.01)  # Rayleigh mean
    bright = noise.rician_at_snr(
        np.full(200_000, 1000.0), 20.0, np.random.default_rng(2), reference=1000.0
    )
    assert bright.std() == pytest.approx(sigma, rel=0.02)
    again = noise.rician(np.zeros(10), sigma, np.random.default_rng(1))
    np.testing.assert_array_equal(
        again, noise.rician(np.zeros(10), sigma, np.random.default_rng(1))
    )
    with pytest.raises(ValueError):
        noise.noise_sigma(1.0, 0.0)
