"""R2*, R2 and R1 formulas on synthetic signals with known parameters."""

from __future__ import annotations

import numpy as np
import pytest

from processing.errors import FerretError
from processing.forward.mp2rage import mp2rage_signals, mp2rage_uni, uni_to_scanner
from processing.maps import R1Model, R2Model, R2starModel
from processing.maps.r1 import r1_from_t1map
from processing.maps.r2star import t2star_bounds

TE = np.arange(1, 7) * 4.92e-3
RATES = np.array([5.0, 15.0, 20.0, 30.0, 50.0])


def decay(rates, te, s0=1000.0):
    return (s0 * np.exp(-np.asarray(rates)[:, None] * te)).reshape(len(rates), 1, 1, len(te))


@pytest.mark.parametrize(
    "method,tolerance",
    [("trapezoid", 6e-3), ("arlo", 1e-4), ("loglinear", 1e-6), ("nonlinear", 1e-6)],
)
def test_r2star_methods_recover_known_rates(method, tolerance):
    fit = R2starModel(tuple(TE), method).fit(decay(RATES, TE))
    np.testing.assert_allclose(fit.r2star.ravel(), RATES, rtol=tolerance)
    np.testing.assert_allclose(fit.s0.ravel(), 1000.0, rtol=max(tolerance, 1e-4) * 5)


def test_trapezoid_bias_matches_formula():
    fit = R2starModel(tuple(TE), "trapezoid").fit(decay([20.0], TE))
    expected = -((20.0 * 4.92e-3) ** 2) / 12
    assert fit.r2star.ravel()[0] / 20.0 - 1 == pytest.approx(expected, rel=0.05)


def test_trapezoid_unequal_spacing_and_two_echoes():
    te = np.array([2.3e-3, 4.6e-3, 9.0e-3, 20e-3])
    fit = R2starModel(tuple(te), "trapezoid").fit(decay([20.0], te))
    assert fit.r2star.ravel()[0] == pytest.approx(20.0, rel=0.01)
    two = R2starModel((2.3e-3, 4.6e-3)).fit(decay([20.0], np.array([2.3e-3, 4.6e-3])))
    assert two.r2star.ravel()[0] == pytest.approx(20.0, rel=1e-3)


def test_arlo_refuses_unequal_spacing_and_two_echoes():
    with pytest.raises(FerretError, match="equally spaced"):
        R2starModel((1e-3, 2e-3, 5e-3), "arlo").fit(decay([20.0], np.array([1e-3, 2e-3, 5e-3])))
    with pytest.raises(FerretError, match="at least 3"):
        R2starModel((1e-3, 2e-3), "arlo").fit(decay([20.0], np.array([1e-3, 2e-3])))


def test_r2star_odd_input_is_clipped_and_finite():
    data = decay([20.0, 20.0, 20.0, 20.0], TE)
    data[1] = data[1, ..., ::-1]  # S_N > S_1: no decay
    data[2] = 0.0  # background
    data[3, 0, 0, 2] = np.nan  # NaN echo
    fit = R2starModel(tuple(TE)).fit(data)
    low_rate = 1.0 / t2star_bounds(TE)[1]
    assert fit.r2star.ravel()[1] == pytest.approx(low_rate)
    assert fit.r2star.ravel()[2] == pytest.approx(low_rate)
    assert fit.r2star.ravel()[3] == 0.0 and not fit.mask.ravel()[3]
    assert np.all(np.isfinite(fit.t2star)) and np.all(np.isfinite(fit.s0))


def test_r2star_rejects_bad_echo_times():
    with pytest.raises(FerretError, match="increasing"):
        R2starModel((2e-3, 1e-3)).fit(decay([20.0], np.array([2e-3, 1e-3])))
    with pytest.raises(FerretError, match="2 echo times given for 6"):
        R2starModel((1e-3, 2e-3)).fit(decay([20.0], TE))


def test_r2star_noise_gives_no_bias_beyond_noise():
    rng = np.random.default_rng(1)
    clean = decay(np.full(4000, 20.0), TE)
    noisy = clean + rng.normal(0, 5.0, clean.shape)  # SNR 200 at TE1
    for method in ("trapezoid", "nonlinear"):
        r2 = R2starModel(tuple(TE), method).fit(noisy).r2star.ravel()
        standard_error = r2.std() / np.sqrt(r2.size)
        bias_allowed = 4 * standard_error + (0.002 * 20 if method == "trapezoid" else 0)
        assert abs(r2.mean() - 20.0) < bias_allowed


def test_r2_drops_first_echo_and_fits_offset():
    te = np.arange(1, 11) * 0.01
    signal = 1000 * np.exp(-np.array([12.5, 20.0])[:, None] * te) + 30.0
    signal[:, 0] *= 0.8  # stimulated-echo distortion
    data = signal.reshape(2, 1, 1, 10)
    with_offset = R2Model(tuple(te), offset=True).fit(data)
    np.testing.assert_allclose(with_offset.r2.ravel(), [12.5, 20.0], rtol=1e-4)
    without_drop = R2Model(tuple(te), offset=True, drop_first_echo=False).fit(data)
    assert abs(without_drop.r2.ravel()[0] - 12.5) > 0.1
    fast = R2Model(tuple(te), method="loglinear").fit(
        (1000 * np.exp(-15.0 * te)).reshape(1, 1, 1, 10)
    )
    assert fast.r2.ravel()[0] == pytest.approx(15.0, rel=1e-6)


MP2RAGE = dict(
    tr=5.0,
    ti1=0.7,
    ti2=2.5,
    flip1_deg=4,
    flip2_deg=5,
    echo_spacing=0.0068,
    slices_per_slab=176,
    partial_fourier=6 / 8,
)


def test_r1_lookup_recovers_t1_from_scanner_uni():
    t1 = np.array([0.8, 1.2, 1.4, 2.0, 3.0])
    uni = uni_to_scanner(mp2rage_uni(*mp2rage_signals(t1, **MP2RAGE))).astype(float)
    fit = R1Model(MP2RAGE).fit(uni.reshape(5, 1, 1))
    np.testing.assert_allclose(fit.r1.ravel(), 1 / t1, rtol=1e-3)
    assert "scanner" in fit.uni_note


def test_r1_names_missing_parameters():
    with pytest.raises(FerretError, match="ti2, flip1_deg"):
        R1Model({k: v for k, v in MP2RAGE.items() if k not in ("ti2", "flip1_deg")}).fit(
            np.zeros((2, 2, 2))
        )


def test_scanner_t1map_units_detected():
    r1_ms, note_ms = r1_from_t1map(np.array([[[1400.0, 0.0]]]))
    r1_s, note_s = r1_from_t1map(np.array([[[1.4, 0.0]]]))
    np.testing.assert_allclose(r1_ms, r1_s)
    assert r1_s.ravel()[0] == pytest.approx(1 / 1.4) and r1_s.ravel()[1] == 0
    assert "milli" in note_ms and "seconds" in note_s
