"""Spin-echo decay and a simple inversion-recovery (FLAIR) model."""

from __future__ import annotations

import numpy as np


def mese_signal(s0, t2, echo_times, *, first_echo_factor=1.0):
    """Multi-echo spin echo ``S0 exp(-TE/T2)``, echoes on a new last axis.

    Parameters
    ----------
    s0, t2 : array_like
        Signal at TE=0 and T2 in seconds, broadcastable.
    echo_times : sequence of float
        Echo times in seconds.
    first_echo_factor : float, optional
        Multiplies the first echo to mimic the stimulated-echo distortion of
        real multi-echo trains (1 = off, the default).
    """
    te = np.asarray(echo_times, dtype=float)
    t2 = np.asarray(t2, dtype=float)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        decay = np.where(t2 > 0, np.exp(-te / np.where(t2 > 0, t2, 1.0)), 0.0)
    signal = np.asarray(s0, dtype=float)[..., None] * decay
    if first_echo_factor != 1.0:
        signal[..., 0] *= first_echo_factor
    return signal


def flair_signal(pd, t1, t2, *, tr=9.0, ti=2.5, te=0.1):
    """Magnitude inversion-recovery T2-weighted signal (a simple FLAIR model).

    ``PD |1 - 2 exp(-TI/T1) + exp(-TR/T1)| exp(-TE/T2)``: perfect inversion,
    full relaxation between shots, no readout train. With the defaults CSF
    (T1 4 s) is nearly nulled and long-T2 lesions are bright.
    """
    t1 = np.maximum(np.asarray(t1, dtype=float), 1e-6)
    t2 = np.maximum(np.asarray(t2, dtype=float), 1e-6)
    recovery = np.abs(1 - 2 * np.exp(-ti / t1) + np.exp(-tr / t1))
    return np.asarray(pd, dtype=float) * recovery * np.exp(-te / t2)
