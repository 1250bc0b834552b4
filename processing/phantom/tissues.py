"""Tissue classes of the phantom and their MR properties (3 T values).

The table is data: one row per tissue label with proton density (PD,
relative), T1 and T2 (s), R2* (1/s), susceptibility (ppm relative to water),
mean diffusivity (mm^2/s) and fractional anisotropy. Background (label 0) is
empty: zero signal everywhere.
"""

from __future__ import annotations

import numpy as np

PARAMETERS = ("PD", "T1", "T2", "R2star", "chi", "MD", "FA")

BACKGROUND, SCALP, SKULL, CSF, CORTEX, WHITE_MATTER, DEEP_GREY, VENTRICLE = range(8)

TISSUE_NAMES = {
    BACKGROUND: "background",
    SCALP: "scalp",
    SKULL: "skull",
    CSF: "csf",
    CORTEX: "cortex",
    WHITE_MATTER: "white_matter",
    DEEP_GREY: "deep_grey",
    VENTRICLE: "ventricle",
}

#: label: (PD, T1 s, T2 s, R2* 1/s, chi ppm, MD mm2/s, FA)
TISSUE_PROPERTIES = {
    BACKGROUND: (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    SCALP: (0.9, 0.6, 0.06, 30.0, 0.0, 1.0e-3, 0.10),
    SKULL: (0.1, 0.5, 0.03, 150.0, 0.0, 0.5e-3, 0.10),
    CSF: (1.0, 4.0, 1.0, 2.0, 0.0, 3.0e-3, 0.02),
    CORTEX: (0.8, 1.4, 0.09, 16.0, 0.0, 0.8e-3, 0.15),
    WHITE_MATTER: (0.7, 0.85, 0.07, 20.0, -0.03, 0.7e-3, 0.50),
    DEEP_GREY: (0.8, 1.2, 0.06, 28.0, 0.08, 0.75e-3, 0.20),
    VENTRICLE: (1.0, 4.0, 1.0, 2.0, 0.0, 3.0e-3, 0.02),
}


def property_table() -> np.ndarray:
    """Return the table as an array ``(n_labels, n_parameters)`` indexed by label."""
    labels = sorted(TISSUE_PROPERTIES)
    return np.array([TISSUE_PROPERTIES[label] for label in labels], dtype=float)


def baseline(label: int) -> dict[str, float]:
    """Properties of one tissue as a dict keyed by :data:`PARAMETERS`."""
    return dict(zip(PARAMETERS, TISSUE_PROPERTIES[label], strict=True))


def table_as_dict() -> dict[str, dict[str, float]]:
    """Return the whole table keyed by tissue name (for the truth JSON)."""
    return {TISSUE_NAMES[label]: baseline(label) for label in sorted(TISSUE_PROPERTIES)}
