"""Multi-echo gradient echo: magnitude, phase, and the field of a susceptibility map.

Conventions
-----------
* Field offsets are given in ppm of B0 (``delta_b_ppm``), positive for a
  paramagnetic inclusion along B0.
* Phase (radians) is ``-2 pi gammabar B0 delta_b TE``, wrapped to [-pi, pi):
  a paramagnetic source (vein, microbleed) gives negative phase, so the SWI
  "negative" phase mask (DESIGN section 2, the default) darkens it.
* The dipole kernel in k-space is ``D(k) = 1/3 - (k.b)^2 / |k|^2`` with ``b``
  the unit B0 direction in the grid's axes (Lorentz-sphere corrected, so a
  uniformly magnetised sphere has zero field inside).
"""

from __future__ import annotations

import numpy as np

GAMMABAR_HZ_PER_T = 42.577478e6


def gre_magnitude(s0, r2star, echo_times):
    """``S0 exp(-R2* TE)`` with the echoes on a new last axis.

    Parameters
    ----------
    s0, r2star : array_like
        Signal at TE=0 and R2* (1/s), broadcastable.
    echo_times : sequence of float
        Echo times in seconds.
    """
    te = np.asarray(echo_times, dtype=float)
    return np.asarray(s0, dtype=float)[..., None] * np.exp(
        -np.asarray(r2star, dtype=float)[..., None] * te
    )


def wrap_phase(phase):
    """Wrap radians to [-pi, pi)."""
    return (np.asarray(phase) + np.pi) % (2 * np.pi) - np.pi


def gre_phase(delta_b_ppm, echo_times, *, b0_tesla=3.0, phase_offset=0.0):
    """Return the wrapped phase of each echo (echoes on a new last axis) for a field offset in ppm."""
    te = np.asarray(echo_times, dtype=float)
    omega = -2 * np.pi * GAMMABAR_HZ_PER_T * b0_tesla * 1e-6 * np.asarray(delta_b_ppm, dtype=float)
    return wrap_phase(omega[..., None] * te + np.asarray(phase_offset, dtype=float)[..., None])


def dipole_kernel(shape, voxel_size, b0_direction=(0.0, 0.0, 1.0)):
    """Return the unit dipole kernel ``1/3 - (k.b)^2/|k|^2`` on the FFT grid (``D(0) = 0``)."""
    b = np.asarray(b0_direction, dtype=float)
    b = b / np.linalg.norm(b)
    axes = [np.fft.fftfreq(n, d=d) for n, d in zip(shape, voxel_size, strict=True)]
    kx, ky, kz = np.meshgrid(*axes, indexing="ij", sparse=True)
    k2 = kx**2 + ky**2 + kz**2
    kb = kx * b[0] + ky * b[1] + kz * b[2]
    with np.errstate(invalid="ignore", divide="ignore"):
        kernel = 1.0 / 3.0 - kb**2 / k2
    kernel[0, 0, 0] = 0.0
    return kernel


def dipole_field(chi_ppm, voxel_size, b0_direction=(0.0, 0.0, 1.0), *, pad=True):
    """Field offset (ppm) of a susceptibility map (ppm) by the k-space dipole kernel.

    Parameters
    ----------
    chi_ppm : ndarray, 3D
        Susceptibility relative to the surrounding medium, ppm.
    voxel_size : sequence of 3 floats
        Grid spacing in mm (only ratios matter).
    b0_direction : sequence of 3 floats
        B0 direction in the grid's axes.
    pad : bool
        Zero-pad to twice the size to avoid wrap-around from the periodic FFT.
    """
    chi = np.asarray(chi_ppm, dtype=float)
    shape = tuple(2 * n if pad else n for n in chi.shape)
    spectrum = np.fft.rfftn(chi, s=shape, axes=(0, 1, 2))
    kernel = dipole_kernel(shape, voxel_size, b0_direction)[..., : shape[2] // 2 + 1]
    field = np.fft.irfftn(spectrum * kernel, s=shape, axes=(0, 1, 2))
    return field[: chi.shape[0], : chi.shape[1], : chi.shape[2]]


def sphere_field(points_mm, centre_mm, radius_mm, chi_ppm, b0_direction=(0.0, 0.0, 1.0)):
    """Analytic field offset (ppm) of a uniformly magnetised sphere; zero inside.

    Outside: ``chi/3 (a/r)^3 (3 cos^2 theta - 1)`` with theta the angle to B0.
    """
    b = np.asarray(b0_direction, dtype=float)
    b = b / np.linalg.norm(b)
    offset = np.asarray(points_mm, dtype=float) - np.asarray(centre_mm, dtype=float)
    r2 = np.einsum("...i,...i->...", offset, offset)
    outside = r2 > radius_mm**2
    r2_safe = np.where(outside, r2, 1.0)
    cos2 = np.einsum("...i,i->...", offset, b) ** 2 / r2_safe
    field = chi_ppm / 3.0 * (radius_mm**2 / r2_safe) ** 1.5 * (3 * cos2 - 1)
    return np.where(outside, field, 0.0)


def dephasing_factor(field_step_ppm, echo_times, *, b0_tesla=3.0):
    """Intravoxel dephasing from field gradients ("blooming"), echoes on the last axis.

    A field varying linearly across a voxel by ``field_step_ppm`` (per axis,
    last axis of length 3) spreads the phase uniformly; the mean phasor is
    ``prod_axes |sinc(gammabar B0 step TE)|`` (numpy's normalised sinc).
    """
    step_hz = GAMMABAR_HZ_PER_T * b0_tesla * 1e-6 * np.asarray(field_step_ppm, dtype=float)
    te = np.asarray(echo_times, dtype=float)
    x = np.pi * np.abs(step_hz[..., :, None] * te).astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        sinc = np.where(x > 1e-4, np.sin(x) / x, np.float32(1.0))
    return np.prod(np.abs(sinc), axis=-2)
