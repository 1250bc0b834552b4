"""Synthetic full-size visit for bench/maps.py: a head (scalp, skull, brain) with known maps.

Grids of the real protocol (DESIGN section 1): GRE 288x288x80 at 0.8x0.8x2 mm
with 6 echoes, DWI 128x128x80 at 1.7 mm with 101 volumes, MP2RAGE 224x256x256
at 0.85 mm, MESE 512x512x40 at 0.36x0.36x3.3 mm with 8 echoes. The head is
three nested ellipsoids (brain semi-axes 65x80x55 mm, skull 5 mm, scalp 5 mm,
clipped by the field of view); the brain carries random per-voxel truth and
every image gets Rician noise, so the automatic brain mask and the fits inside
it do the work the pipeline does.
"""

from __future__ import annotations

import numpy as np

GRE_TE = np.arange(1, 7) * 4.92e-3
MESE_TE = np.arange(1, 9) * 0.0115
BRAIN, SKULL, SCALP = 3, 2, 1


def grid_shape(base, scale):
    return tuple(max(8, int(round(n * scale))) for n in base)


def head_labels(shape, zooms):
    """0 background, 1 scalp, 2 skull, 3 brain on a grid of ``shape`` voxels of ``zooms`` mm."""
    axes = [(np.arange(n) - (n - 1) / 2) * z for n, z in zip(shape, zooms, strict=True)]
    x, y, z = np.meshgrid(*axes, indexing="ij", sparse=True)
    labels = np.zeros(shape, dtype=np.uint8)
    for label, grow in ((SCALP, 10.0), (SKULL, 5.0), (BRAIN, 0.0)):
        a, b, c = 65.0 + grow, 80.0 + grow, 55.0 + grow
        labels[(x / a) ** 2 + (y / b) ** 2 + (z / c) ** 2 <= 1.0] = label
    return labels


def rician(signal, sigma, rng):
    """|signal + complex Gaussian noise| in float32, in place where possible."""
    real = signal + rng.normal(0, sigma, signal.shape).astype(np.float32)
    imag = rng.normal(0, sigma, signal.shape).astype(np.float32)
    return np.sqrt(real * real + imag * imag, out=real)


def _amplitude(labels, brain, scalp, skull):
    lut = np.array([0.0, scalp, skull, brain], dtype=np.float32)
    return lut[labels]


def gre(scale, rng):
    """Magnitude, phase (radians), true R2* (brain), labels, zooms."""
    zooms = (0.8 / scale, 0.8 / scale, 2.0 / scale)
    labels = head_labels(grid_shape((288, 288, 80), scale), zooms)
    rate = _amplitude(labels, 0.0, 30.0, 150.0)
    brain = labels == BRAIN
    rate[brain] = rng.uniform(10, 40, int(brain.sum())).astype(np.float32)
    s0 = _amplitude(labels, 1000.0, 1200.0, 100.0)
    signal = s0[..., None] * np.exp(-rate[..., None] * GRE_TE.astype(np.float32))
    mag = rician(signal, 5.0, rng)
    ramp = np.linspace(-2.0, 2.0, labels.shape[0], dtype=np.float32)[:, None, None, None]
    phase = np.angle(np.exp(1j * (ramp * np.arange(1, 7) + rng.normal(0, 0.05, mag.shape)))).astype(
        np.float32
    )
    return mag, phase, rate, labels, zooms


def dwi(scale, rng):
    """Return data, b-values, b-vectors, true MD and FA (brain), labels, zooms."""
    zooms = (1.7 / scale,) * 3
    labels = head_labels(grid_shape((128, 128, 80), scale), zooms)
    dirs = rng.normal(size=(90, 3))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    bvals = np.r_[np.zeros(10), np.full(30, 1000.0), np.full(60, 3000.0), 0.0]
    bvecs = np.r_[np.zeros((10, 3)), dirs, np.zeros((1, 3))]
    brain = labels == BRAIN
    n = int(brain.sum())
    md = rng.uniform(0.6e-3, 1.0e-3, n)
    v = rng.normal(size=(n, 3))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    # D = 0.5 md I + 1.5 md v v^T: eigenvalues 2 md, 0.5 md, 0.5 md (MD = md, FA = 1.5 / sqrt(4.5))
    q = 0.5 * md[:, None] + 1.5 * md[:, None] * (v @ bvecs.T) ** 2
    l1, l2 = 2.0 * md, 0.5 * md
    fa = np.abs(l1 - l2) / np.sqrt(l1**2 + 2 * l2**2)
    signal = np.zeros(labels.shape + (bvals.size,), dtype=np.float32)
    signal[brain] = 1000 * np.exp(-bvals * q)
    signal[labels == SCALP] = (800 * np.exp(-bvals * 1.0e-3)).astype(np.float32)
    signal[labels == SKULL] = (50 * np.exp(-bvals * 0.5e-3)).astype(np.float32)
    data = rician(signal, 10.0, rng)
    truth_md, truth_fa = np.zeros(labels.shape, np.float32), np.zeros(labels.shape, np.float32)
    truth_md[brain], truth_fa[brain] = md, fa
    return data, bvals, bvecs, truth_md, truth_fa, labels, zooms


def mp2rage(scale, rng):
    """INV2 magnitude, UNI in scanner units, labels, zooms."""
    zooms = (0.85 / scale,) * 3
    labels = head_labels(grid_shape((224, 256, 256), scale), zooms)
    inv2 = rician(_amplitude(labels, 1000.0, 1200.0, 100.0), 15.0, rng)
    uni = rng.integers(0, 4096, labels.shape).astype(np.float32)
    return inv2, uni, labels, zooms


def mese(scale, rng):
    """Magnitudes, true R2 (brain), labels, zooms."""
    zooms = (0.36 / scale, 0.36 / scale, 3.3 / scale)
    labels = head_labels(grid_shape((512, 512, 40), scale), zooms)
    rate = _amplitude(labels, 0.0, 15.0, 30.0)
    brain = labels == BRAIN
    rate[brain] = rng.uniform(8, 20, int(brain.sum())).astype(np.float32)
    s0 = _amplitude(labels, 1000.0, 1100.0, 100.0)
    signal = s0[..., None] * np.exp(-rate[..., None] * MESE_TE.astype(np.float32))
    return rician(signal, 5.0, rng), rate, labels, zooms
