"""Anatomical acquisitions of the phantom: MP2RAGE, MEGRE, MESE and FLAIR.

Each function takes the truth sampled on the acquisition's grid and returns
``(images, truth_maps)``: images as :class:`Image` records (BIDS entities,
data, sidecar fields) and the true parameter maps that acquisition measures.
Signals are scaled so that white matter is about 1000 (first echo, inv-2);
with noise, complex Gaussian noise of ``1000 / snr`` is added and
magnitudes are stored as scanner-like unsigned integers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from processing.forward import gre as gre_model
from processing.forward import mp2rage as mp2rage_model
from processing.forward import noise as noise_model
from processing.forward import spin_echo
from processing.phantom import protocol as P
from processing.phantom import tissues as T
from processing.phantom.sampling import SampledGrid

REFERENCE_SIGNAL = 1000.0


@dataclass
class Image:
    """One output image: name entities (in order), suffix, data and sidecar."""

    entities: dict[str, str]
    suffix: str
    data: np.ndarray
    sidecar: dict = field(default_factory=dict)
    extra_files: dict = field(default_factory=dict)  # extension -> text (.bval, .bvec)


def store_magnitude(signal, noisy: bool) -> np.ndarray:
    """Noisy magnitudes as uint16 (rounded); exact ones as float32."""
    if noisy:
        return np.clip(np.rint(signal), 0, 65535).astype(np.uint16)
    return np.asarray(signal, dtype=np.float32)


def _noisy_complex(signal, spec, rng):
    return noise_model.add_complex_noise(signal, REFERENCE_SIGNAL / spec.snr, rng)


def acquire_mp2rage(grid: SampledGrid, spec, rng, noise: bool):
    """inv-1 and inv-2 magnitudes and UNIT1 (0..4095) by the Marques equations."""
    pd, t1 = grid.properties["PD"], grid.properties["T1"]
    t1_safe = np.where(t1 > 0, t1, 1.0)
    params = {k: v for k, v in P.MP2RAGE.items()}
    g1, g2 = mp2rage_model.mp2rage_signals(t1_safe, m0=pd, **params)
    wm = T.baseline(T.WHITE_MATTER)
    scale = REFERENCE_SIGNAL / mp2rage_model.mp2rage_signals(wm["T1"], m0=wm["PD"], **params)[1]
    g1, g2 = g1 * scale, g2 * scale
    if noise:
        g1, g2 = _noisy_complex(g1, spec, rng), _noisy_complex(g2, spec, rng)
        uni = np.real(g1 * np.conj(g2)) / np.maximum(np.abs(g1) ** 2 + np.abs(g2) ** 2, 1e-12)
    else:
        uni = mp2rage_model.mp2rage_uni(g1, g2)
    common = {
        "RepetitionTimePreparation": params["tr"],
        "RepetitionTimeExcitation": params["echo_spacing"],
        "NumberShots": params["slices_per_slab"],
        "PartialFourier": params["partial_fourier"],
        "InversionEfficiency": params["inversion_efficiency"],
        "EchoTime": 0.0029,
        "MagneticFieldStrength": 3.0,
    }
    images = [
        Image(
            {"inv": "1"},
            "MP2RAGE",
            store_magnitude(np.abs(g1), noise),
            dict(common, InversionTime=params["ti1"], FlipAngle=params["flip1_deg"]),
        ),
        Image(
            {"inv": "2"},
            "MP2RAGE",
            store_magnitude(np.abs(g2), noise),
            dict(common, InversionTime=params["ti2"], FlipAngle=params["flip2_deg"]),
        ),
        Image(
            {}, "UNIT1", mp2rage_model.uni_to_scanner(uni), dict(common)
        ),  # TI/flip: in the inv sidecars
    ]
    return images, {"T1map": t1, "R1map": np.where(t1 > 0, 1 / t1_safe, 0).astype(np.float32)}


def spoiled_gre_s0(pd, t1, *, tr, flip_deg):
    """Steady-state spoiled GRE amplitude ``PD sin(a)(1-E1)/(1-cos(a)E1)`` (0 where T1 is 0)."""
    a = np.deg2rad(flip_deg)
    e1 = np.exp(-tr / np.where(t1 > 0, t1, 1.0))
    return np.where(t1 > 0, pd * np.sin(a) * (1 - e1) / (1 - np.cos(a) * e1), 0.0)


def acquire_megre(grid: SampledGrid, spec, rng, noise: bool, field_ppm):
    """Magnitude and phase (radians) per echo; blooming from intravoxel field gradients."""
    te = P.MEGRE_ECHO_TIMES
    p = P.MEGRE
    wm = T.baseline(T.WHITE_MATTER)
    scale = REFERENCE_SIGNAL / (
        spoiled_gre_s0(wm["PD"], wm["T1"], tr=p["repetition_time"], flip_deg=p["flip_angle"])
        * np.exp(-wm["R2star"] * te[0])
    )
    s0 = scale * spoiled_gre_s0(
        grid.properties["PD"],
        grid.properties["T1"],
        tr=p["repetition_time"],
        flip_deg=p["flip_angle"],
    )
    r2s = grid.properties["R2star"]
    steps = np.stack([np.gradient(field_ppm, axis=k) for k in range(3)], axis=-1)
    magnitude = gre_model.gre_magnitude(s0, r2s, te) * gre_model.dephasing_factor(
        steps, te, b0_tesla=p["b0_tesla"]
    )
    phase = gre_model.gre_phase(field_ppm, te, b0_tesla=p["b0_tesla"])
    if noise:
        signal = _noisy_complex(magnitude * np.exp(1j * phase), spec, rng)
        magnitude, phase = np.abs(signal), np.angle(signal)
    images = []
    for k, echo_time in enumerate(te):
        sidecar = {
            "EchoTime": echo_time,
            "RepetitionTime": p["repetition_time"],
            "FlipAngle": p["flip_angle"],
            "MagneticFieldStrength": p["b0_tesla"],
            "EchoNumber": k + 1,
        }
        images.append(
            Image(
                {"echo": str(k + 1), "part": "mag"},
                "MEGRE",
                store_magnitude(magnitude[..., k], noise),
                dict(sidecar),
            )
        )
        images.append(
            Image(
                {"echo": str(k + 1), "part": "phase"},
                "MEGRE",
                gre_model.wrap_phase(phase[..., k]).astype(np.float32),
                dict(sidecar, Units="rad"),
            )
        )
    truth = {
        "R2starmap": r2s,
        "S0map": s0.astype(np.float32),
        "fieldmap": field_ppm.astype(np.float32),
    }
    return images, truth


def acquire_mese(grid: SampledGrid, spec, rng, noise: bool):
    """Multi-echo spin echo magnitudes from T2 (S0 includes T1 saturation at TR)."""
    te, p = P.MESE_ECHO_TIMES, P.MESE
    t1, t2 = grid.properties["T1"], grid.properties["T2"]
    s0_raw = grid.properties["PD"] * (1 - np.exp(-p["repetition_time"] / np.where(t1 > 0, t1, 1.0)))
    wm = T.baseline(T.WHITE_MATTER)
    scale = REFERENCE_SIGNAL / (
        wm["PD"] * (1 - np.exp(-p["repetition_time"] / wm["T1"])) * np.exp(-te[0] / wm["T2"])
    )
    s0 = np.where(t1 > 0, s0_raw, 0.0) * scale
    signal = spin_echo.mese_signal(s0, t2, te)
    if noise:
        signal = noise_model.rician(signal, REFERENCE_SIGNAL / spec.snr, rng)
    images = [
        Image(
            {"echo": str(k + 1)},
            "MESE",
            store_magnitude(signal[..., k], noise),
            {
                "EchoTime": echo_time,
                "RepetitionTime": p["repetition_time"],
                "FlipAngle": p["flip_angle"],
                "EchoNumber": k + 1,
                "MagneticFieldStrength": 3.0,
            },
        )
        for k, echo_time in enumerate(te)
    ]
    r2 = np.where(t2 > 0, 1 / np.where(t2 > 0, t2, 1.0), 0).astype(np.float32)
    return images, {"T2map": t2, "R2map": r2, "S0map": s0.astype(np.float32)}


def acquire_flair(grid: SampledGrid, spec, rng, noise: bool):
    """Inversion-recovery T2-weighted magnitude (see :func:`spin_echo.flair_signal`)."""
    p = P.FLAIR
    wm = T.baseline(T.WHITE_MATTER)
    scale = REFERENCE_SIGNAL / spin_echo.flair_signal(wm["PD"], wm["T1"], wm["T2"], **p)
    props = grid.properties
    signal = scale * np.where(
        props["T1"] > 0, spin_echo.flair_signal(props["PD"], props["T1"], props["T2"], **p), 0
    )
    if noise:
        signal = noise_model.rician(signal, REFERENCE_SIGNAL / spec.snr, rng)
    sidecar = {
        "RepetitionTime": p["tr"],
        "InversionTime": p["ti"],
        "EchoTime": p["te"],
        "FlipAngle": 120.0,
        "MagneticFieldStrength": 3.0,
    }
    return [Image({}, "FLAIR", store_magnitude(signal, noise), sidecar)], {}
