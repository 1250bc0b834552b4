"""MP2RAGE forward model: an independent event-by-event Bloch simulation, known properties, limits."""

from __future__ import annotations

import numpy as np
import pytest

from processing.errors import FerretError
from processing.forward.mp2rage import (
    excitations_before_after,
    mp2rage_signals,
    mp2rage_uni,
    scanner_to_uni,
    uni_to_scanner,
)

PROTOCOL = dict(
    tr=5.0,
    ti1=0.7,
    ti2=2.5,
    flip1_deg=4.0,
    flip2_deg=5.0,
    echo_spacing=0.007,
    slices_per_slab=176,
    partial_fourier=0.75,
)


def bloch_simulation(
    t1,
    *,
    tr,
    ti1,
    ti2,
    flip1_deg,
    flip2_deg,
    echo_spacing,
    slices_per_slab,
    partial_fourier,
    inversion_efficiency=0.96,
    cycles=12,
):
    """Play the sequence pulse by pulse for many cycles; return the last cycle's k-space-centre signals."""
    n_before, n_after = (
        int(round(n)) for n in excitations_before_after(slices_per_slab, partial_fourier)
    )
    events = [(0.0, "inv", 0.0, False)]
    for ti, flip in ((ti1, flip1_deg), (ti2, flip2_deg)):
        for k in range(n_before + n_after):
            events.append(
                (ti + (k - n_before) * echo_spacing, "rf", np.deg2rad(flip), k == n_before)
            )
    t1 = np.asarray(t1, dtype=float)
    mz = np.ones_like(t1)
    for _ in range(cycles):
        now, signals = 0.0, []
        for time, kind, angle, centre in events:
            mz = 1 - (1 - mz) * np.exp(-(time - now) / t1)
            now = time
            if kind == "inv":
                mz = -inversion_efficiency * mz
            else:
                if centre:
                    signals.append(np.sin(angle) * mz)
                mz = mz * np.cos(angle)
        mz = 1 - (1 - mz) * np.exp(-(tr - now) / t1)
    return signals


@pytest.mark.parametrize(
    "protocol",
    [
        PROTOCOL,
        dict(PROTOCOL, partial_fourier=1.0, flip1_deg=7.0, ti1=0.9, ti2=3.2, tr=6.0),
    ],
)
def test_closed_form_matches_bloch_simulation(protocol):
    t1 = np.array([0.3, 0.85, 1.4, 2.5, 4.0])
    gre1, gre2 = mp2rage_signals(t1, **protocol)
    sim1, sim2 = bloch_simulation(t1, **protocol)
    np.testing.assert_allclose(gre1, sim1, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(gre2, sim2, rtol=1e-6, atol=1e-9)


def test_uni_monotonic_over_brain_t1_range():
    t1 = np.linspace(0.2, 4.0, 400)
    uni = mp2rage_uni(*mp2rage_signals(t1, **PROTOCOL))
    assert np.all(np.diff(uni) < 0)
    assert uni.max() <= 0.5 and uni.min() >= -0.5
    assert uni[-1] < -0.45  # CSF nearly -0.5: dark


def test_tissue_contrast_order_and_signs():
    gre1, gre2 = mp2rage_signals(np.array([0.85, 1.4, 4.0]), **PROTOCOL)
    assert gre1[2] < 0 < gre1[0]  # long T1 not yet recovered at TI1
    assert np.all(gre2 > 0)
    uni = mp2rage_uni(gre1, gre2)
    assert uni[0] > uni[1] > uni[2]  # WM brighter than cortex brighter than CSF


def test_m0_scales_signals_but_not_uni():
    g1, g2 = mp2rage_signals(1.2, **PROTOCOL)
    h1, h2 = mp2rage_signals(1.2, m0=3.0, **PROTOCOL)
    np.testing.assert_allclose([h1, h2], [3 * g1, 3 * g2])
    np.testing.assert_allclose(mp2rage_uni(h1, h2), mp2rage_uni(g1, g2))


def test_perfect_inversion_and_very_short_t1_limits():
    g1, g2 = mp2rage_signals(1e-4, **PROTOCOL)  # fully relaxed: Mz = M0 before each block
    np.testing.assert_allclose([g1, g2], [np.sin(np.deg2rad(4)), np.sin(np.deg2rad(5))], rtol=1e-3)
    weak = mp2rage_signals(4.0, **dict(PROTOCOL), inversion_efficiency=0.8)[0]
    strong = mp2rage_signals(4.0, **dict(PROTOCOL), inversion_efficiency=1.0)[0]
    assert strong < weak < 0


def test_uni_of_zero_signals_is_zero_and_scanner_round_trip():
    assert mp2rage_uni(0.0, 0.0) == 0.0
    uni = np.array([-0.5, -0.1, 0.0, 0.25, 0.5])
    scanner = uni_to_scanner(uni)
    assert scanner.dtype == np.uint16 and scanner[0] == 0 and scanner[-1] == 4095
    np.testing.assert_allclose(scanner_to_uni(scanner), uni, atol=0.5 / 4095)


def test_impossible_timing_is_a_ferret_error():
    with pytest.raises(FerretError, match="TI2 - TI1"):
        mp2rage_signals(1.0, **dict(PROTOCOL, ti2=1.0))
