"""MP2RAGE signal equations (Marques et al. 2010, NeuroImage 49:1271).

An adiabatic inversion (efficiency ``inversion_efficiency``) is followed by
two gradient-echo blocks centred on the inversion times ``ti1`` and ``ti2``;
the cycle repeats every ``tr`` (the MP2RAGE TR). Each block is a train of
small-flip excitations ``echo_spacing`` apart. Following the published
``MP2RAGE_lookuptable`` convention, the excitations before and after the
k-space centre are ``slices_per_slab * [partial_fourier - 0.5, 0.5]``; the
signal is the transverse magnetisation at the k-space centre. The
longitudinal magnetisation is in steady state over repeated cycles.

Notation (all per voxel): ``E1 = exp(-echo_spacing/T1)``,
``c_i = cos(alpha_i) E1``, delays between blocks ``TD_1 = TI1 - TA_before``,
``TD_2 = TI2 - TI1 - TA``, ``TD_3 = TR - TI2 - TA_after``. Within a block of n
excitations starting from Mz, ``Mz_n = Mz c^n + M0 (1 - E1)(1 - c^n)/(1 - c)``.
"""

from __future__ import annotations

import numpy as np

from processing.errors import FerretError

UNI_SCANNER_MAX = 4095


def _block(mz, c, one_minus_e1, n, m0):
    """Longitudinal magnetisation after ``n`` excitations starting from ``mz``."""
    cn = c**n
    return mz * cn + m0 * one_minus_e1 * (1.0 - cn) / (1.0 - c)


def _relax(mz, e_td, m0):
    """Free T1 recovery over a delay with decay factor ``e_td``."""
    return mz * e_td + m0 * (1.0 - e_td)


def excitations_before_after(
    slices_per_slab: float, partial_fourier: float = 1.0
) -> tuple[float, float]:
    """Excitations before and after the k-space centre of one GRE block.

    ``slices_per_slab * (partial_fourier - 0.5)`` before and
    ``slices_per_slab * 0.5`` after, as in the published lookup table.
    """
    return slices_per_slab * (partial_fourier - 0.5), slices_per_slab * 0.5


def check_timing(*, tr, ti1, ti2, echo_spacing, slices_per_slab, partial_fourier=1.0) -> None:
    """Raise :class:`FerretError` when the blocks do not fit between the inversions.

    The first block must start after the inversion, the blocks must not
    overlap and the second must end before the next inversion.
    """
    n_before, n_after = excitations_before_after(slices_per_slab, partial_fourier)
    block = (n_before + n_after) * echo_spacing
    problems = []
    if ti1 < n_before * echo_spacing:
        problems.append(
            f"TI1 {ti1} s is shorter than the readout before the k-space centre "
            f"({n_before * echo_spacing:.3f} s)"
        )
    if ti2 - ti1 < block:
        problems.append(
            f"TI2 - TI1 = {ti2 - ti1:.3f} s is shorter than one readout block ({block:.3f} s)"
        )
    if ti2 > tr - n_after * echo_spacing:
        problems.append(f"the second readout ends after the next inversion (TR {tr} s)")
    if problems:
        raise FerretError(
            "impossible MP2RAGE timing: " + "; ".join(problems) + ".",
            fix="check RepetitionTimePreparation, InversionTime, RepetitionTimeExcitation, "
            "NumberShots and PartialFourier in the MP2RAGE sidecars.",
        )


def mp2rage_signals(
    t1_s,
    *,
    tr,
    ti1,
    ti2,
    flip1_deg,
    flip2_deg,
    echo_spacing,
    slices_per_slab,
    partial_fourier=1.0,
    inversion_efficiency=0.96,
    m0=1.0,
):
    """Signed signals of the two MP2RAGE inversion images at the k-space centre.

    Parameters
    ----------
    t1_s : array_like
        Longitudinal relaxation time in seconds (any shape, > 0).
    tr : float
        MP2RAGE repetition time (inversion to inversion), s.
    ti1, ti2 : float
        Inversion times (inversion to k-space centre of each block), s.
    flip1_deg, flip2_deg : float
        Excitation flip angles of the two blocks, degrees.
    echo_spacing : float
        Time between excitations of a block (readout TR), s.
    slices_per_slab : float
        Excitations per block at full k-space coverage.
    partial_fourier : float, optional
        Partial-Fourier fraction along the slab direction (1 = full).
    inversion_efficiency : float, optional
        Fraction of Mz inverted by the adiabatic pulse (0.96 for Siemens).
    m0 : array_like, optional
        Equilibrium magnetisation (proton density times receive gain).

    Returns
    -------
    gre1, gre2 : ndarray
        Real, signed signals (GRE1 is negative for long T1), shaped like ``t1_s``.
    """
    check_timing(
        tr=tr,
        ti1=ti1,
        ti2=ti2,
        echo_spacing=echo_spacing,
        slices_per_slab=slices_per_slab,
        partial_fourier=partial_fourier,
    )
    t1 = np.asarray(t1_s, dtype=float)
    n_before, n_after = excitations_before_after(slices_per_slab, partial_fourier)
    n_total = n_before + n_after
    e1 = np.exp(-echo_spacing / t1)
    one_minus_e1 = 1.0 - e1
    a1, a2 = np.deg2rad(flip1_deg), np.deg2rad(flip2_deg)
    c1, c2 = np.cos(a1) * e1, np.cos(a2) * e1
    e_td1 = np.exp(-(ti1 - n_before * echo_spacing) / t1)
    e_td2 = np.exp(-(ti2 - ti1 - n_total * echo_spacing) / t1)
    e_td3 = np.exp(-(tr - ti2 - n_after * echo_spacing) / t1)

    # Steady state Mz just before the inversion pulse (unit M0).
    mz = _relax(0.0, e_td1, 1.0)
    mz = _relax(_block(mz, c1, one_minus_e1, n_total, 1.0), e_td2, 1.0)
    mz = _relax(_block(mz, c2, one_minus_e1, n_total, 1.0), e_td3, 1.0)
    mz_ss = mz / (1.0 + inversion_efficiency * (c1 * c2) ** n_total * e_td1 * e_td2 * e_td3)

    mz = _block(_relax(-inversion_efficiency * mz_ss, e_td1, 1.0), c1, one_minus_e1, n_before, 1.0)
    gre1 = np.sin(a1) * mz
    mz = _block(mz, c1, one_minus_e1, n_after, 1.0)
    mz = _block(_relax(mz, e_td2, 1.0), c2, one_minus_e1, n_before, 1.0)
    gre2 = np.sin(a2) * mz
    m0 = np.asarray(m0, dtype=float)
    return gre1 * m0, gre2 * m0


def mp2rage_uni(gre1, gre2):
    """Return the MP2RAGE uniform image ``gre1 gre2 / (gre1^2 + gre2^2)`` in [-0.5, 0.5].

    Voxels where both signals are zero give 0.
    """
    gre1 = np.asarray(gre1, dtype=float)
    gre2 = np.asarray(gre2, dtype=float)
    denominator = gre1**2 + gre2**2
    with np.errstate(invalid="ignore", divide="ignore"):
        uni = gre1 * gre2 / denominator
    return np.where(denominator > 0, uni, 0.0)


def uni_to_scanner(uni):
    """Map UNI in [-0.5, 0.5] to scanner units ``round((uni + 0.5) * 4095)`` (uint16)."""
    scaled = np.rint((np.asarray(uni, dtype=float) + 0.5) * UNI_SCANNER_MAX)
    return np.clip(scaled, 0, UNI_SCANNER_MAX).astype(np.uint16)


def scanner_to_uni(values):
    """Inverse of :func:`uni_to_scanner`: ``values / 4095 - 0.5``."""
    return np.asarray(values, dtype=float) / UNI_SCANNER_MAX - 0.5
