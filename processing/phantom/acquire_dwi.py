"""Diffusion acquisitions of the phantom: multi-shell DWI and a reversed-phase b=0.

Gradient directions are chosen in the scanner's world frame (as a scanner
does), then written as FSL b-vectors in the stored image's voxel axes
(:func:`processing.forward.diffusion.fsl_bvecs_from_world`). The signal uses the
same directions carried into anatomy space through the head movement, and
cylindrically symmetric tensors built from the true MD, FA and fibre
direction. The b=0 signal is ``PD (1 - exp(-TR/T1)) exp(-TE/T2)``. No EPI
distortion is simulated.
"""

from __future__ import annotations

import numpy as np

from processing.forward import diffusion
from processing.forward import noise as noise_model
from processing.phantom import protocol as P
from processing.phantom import tissues as T
from processing.phantom.acquire_anat import REFERENCE_SIGNAL, Image, store_magnitude
from processing.phantom.sampling import SampledGrid


def gradient_table(counts) -> tuple[np.ndarray, np.ndarray]:
    """b-values and world directions: ``counts = (n_b0, n_b1000, n_b3000)``, b=0 spread evenly."""
    n0, n1, n3 = counts
    inner, outer = P.DWI_SHELLS
    second = diffusion.sphere_directions(n3)[
        :, [1, 2, 0]
    ]  # a different lattice for the outer shell
    weighted_b = np.r_[np.full(n1, inner), np.full(n3, outer)]
    weighted_dirs = np.r_[diffusion.sphere_directions(n1), second]
    total = n0 + n1 + n3
    b0_at = set(np.rint(np.linspace(0, total - 1, n0)).astype(int).tolist()) if n0 else set()
    bvals, dirs, k = [], [], 0
    for index in range(total):
        if index in b0_at or k >= len(weighted_b):
            bvals.append(0.0)
            dirs.append(np.zeros(3))
        else:
            bvals.append(weighted_b[k])
            dirs.append(weighted_dirs[k])
            k += 1
    return np.array(bvals), np.array(dirs)


def _b0_signal(props):
    p = P.DWI
    t1, t2 = props["T1"], props["T2"]

    def raw(pd, t1, t2):
        return pd * (1 - np.exp(-p["repetition_time"] / t1)) * np.exp(-p["echo_time"] / t2)

    wm = T.baseline(T.WHITE_MATTER)
    scale = REFERENCE_SIGNAL / raw(wm["PD"], wm["T1"], wm["T2"])
    valid = (t1 > 0) & (t2 > 0)
    return np.where(
        valid, scale * raw(props["PD"], np.where(valid, t1, 1), np.where(valid, t2, 1)), 0.0
    )


def _sidecar(direction: str) -> dict:
    return {
        "RepetitionTime": P.DWI["repetition_time"],
        "EchoTime": P.DWI["echo_time"],
        "PhaseEncodingDirection": direction,
        "TotalReadoutTime": 0.05,
        "MagneticFieldStrength": 3.0,
    }


def acquire_dwi(grid: SampledGrid, spec, rng, noise: bool, world_from_anatomy, affine):
    """Return the 4D DWI with its .bval/.bvec, and the true MD/FA maps."""
    bvals, dirs_world = gradient_table(spec.extra["directions"])
    dirs_anatomy = dirs_world @ world_from_anatomy[:3, :3]
    props = grid.properties
    eig = diffusion.eigenvalues_from_md_fa(props["MD"], props["FA"]).astype(np.float32)
    radial, excess = eig[..., 1], eig[..., 0] - eig[..., 1]  # D = l2 I + (l1 - l2) e e^T
    fibre = grid.fibre_direction()
    s0 = _b0_signal(props).astype(np.float32)
    data = np.empty(grid.shape + (len(bvals),), dtype=np.uint16 if noise else np.float32)
    sigma = REFERENCE_SIGNAL / spec.snr
    for k, (b, g) in enumerate(zip(bvals, dirs_anatomy, strict=True)):
        adc = radial + excess * (fibre @ g.astype(np.float32)) ** 2  # g^T D g
        volume = s0 * np.exp(np.float32(-b) * adc)
        if noise:
            volume = noise_model.rician(volume, sigma, rng)
        data[..., k] = store_magnitude(volume, noise)
    bvecs = diffusion.fsl_bvecs_from_world(dirs_world, affine)
    extras = {
        "bval": " ".join(f"{b:g}" for b in bvals) + "\n",
        "bvec": "\n".join(" ".join(f"{v:.6f}" for v in row) for row in bvecs.T) + "\n",
    }
    return [Image({}, "dwi", data, _sidecar("j"), extras)], {
        "MDmap": props["MD"],
        "FAmap": props["FA"],
    }


def acquire_epi(grid: SampledGrid, spec, rng, noise: bool, intended_for: str):
    """One b=0 volume with reversed phase encoding (``dir-AP``, ``j-``)."""
    s0 = _b0_signal(grid.properties)
    if noise:
        s0 = noise_model.rician(s0, REFERENCE_SIGNAL / spec.snr, rng)
    sidecar = dict(_sidecar("j-"), IntendedFor=[intended_for])
    return [Image({"dir": "AP"}, "epi", store_magnitude(s0, noise), sidecar)], {}
