"""One score per candidate, and what is dropped or down-ranked, with the reason.

The score starts from the combined z at the focus and is multiplied by a
penalty for each sign that the focus is not the lesion looked for:

=============================  =======  ==============================================
finding                        factor   why
=============================  =======  ==============================================
confirming map contradicts     0.3      A-CMI: MD more than +10 % (restricted diffusion lowers it)
bright at the visit before     0.3      not new
farther than 2 mm from cortex  0.5      A-CMI are cortical
larger than the largest scale  0.5      A-CMI < 5 mm
a piece of a tube              0.3      blobness below ``min_blobness``: a vein, not a dot
=============================  =======  ==============================================

Dropped outright: outside the brain, in CSF (baseline MD above ``csf_md``),
closer than ``rim_mm`` to the brain mask's edge (microbleeds: air-tissue
interfaces, dark on SWI and bright on R2*), and where ``bright_map`` is not
bright enough (microbleeds: R2*).
"""

from __future__ import annotations

import math

from processing.candidates.settings import CandidateSettings

PENALTY = {
    "contradicts": 0.3,
    "not_new": 0.3,
    "not_cortical": 0.5,
    "too_large": 0.5,
    "tubular": 0.3,
}


def drop_reason(features: dict, settings: CandidateSettings) -> str | None:
    """Why a focus cannot be a candidate at all, or None."""
    if not features["in_brain"]:
        return "outside the brain"
    if features["csf"]:
        return "in CSF"
    if features["z_combined"] < settings.min_z:
        return "too faint"
    if any(features[f"z_{c.name}"] < settings.min_channel_z for c in settings.channels):
        return "not on every channel"
    if features.get("rim_distance_mm", math.inf) < settings.rim_mm:
        return "at the brain's rim"
    ratio = features.get(f"{settings.bright_map}_ratio", math.inf)
    if settings.bright_map is not None and not ratio >= settings.min_bright_ratio:
        return f"{settings.bright_map} not bright"
    return None


def score(
    features: dict, diameter_mm: float, settings: CandidateSettings
) -> tuple[float, list[str]]:
    """Return the ranking score and the down-ranking findings."""
    findings = []
    if settings.confirm is not None:
        change = features.get(f"{settings.confirm.name}_change", math.nan)
        if math.isfinite(change) and settings.confirm.sign * change < -settings.confirm_tolerance:
            findings.append("contradicts")
    if math.isfinite(features["z_previous"]) and features["z_previous"] >= settings.persistent_z:
        findings.append("not_new")
    distance = features["cortex_distance_mm"]
    if math.isfinite(distance) and distance > settings.cortex_distance_mm:
        findings.append("not_cortical")
    if diameter_mm > settings.max_diameter_mm * 1.001:
        findings.append("too_large")
    if features.get("blobness", 1.0) < settings.min_blobness:
        findings.append("tubular")

    value = features["z_combined"]
    for finding in findings:
        value *= PENALTY[finding]
    return float(value), findings
