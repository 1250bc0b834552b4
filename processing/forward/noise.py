"""Rician (magnitude) and complex Gaussian noise, seeded by a numpy Generator."""

from __future__ import annotations

import numpy as np


def noise_sigma(reference_signal: float, snr: float) -> float:
    """Return the standard deviation per channel giving ``snr = reference_signal / sigma``."""
    if snr <= 0:
        raise ValueError(f"SNR must be positive, got {snr}")
    return float(reference_signal) / float(snr)


def add_complex_noise(signal, sigma: float, rng: np.random.Generator):
    """Add independent Gaussian noise of ``sigma`` to the real and imaginary parts.

    Computed in single precision (complex64), ample for image intensities.
    """
    signal = np.asarray(signal)
    noise = rng.standard_normal(signal.shape + (2,), dtype=np.float32)
    noise *= np.float32(sigma)
    result = noise[..., 0] + 1j * noise[..., 1].astype(np.complex64)
    result += signal.astype(np.complex64)
    return result


def rician(magnitude, sigma: float, rng: np.random.Generator):
    """Magnitude of a real signal plus complex Gaussian noise (Rician distributed), float32."""
    magnitude = np.asarray(magnitude, dtype=np.float32)
    noise = rng.standard_normal(magnitude.shape + (2,), dtype=np.float32)
    noise *= np.float32(sigma)
    return np.hypot(magnitude + noise[..., 0], noise[..., 1])


def rician_at_snr(magnitude, snr: float, rng: np.random.Generator, *, reference: float):
    """Rician noise with ``sigma = reference / snr`` (e.g. reference = white-matter signal)."""
    return rician(magnitude, noise_sigma(reference, snr), rng)
