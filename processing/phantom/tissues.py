"""Tissue classes of the phantom and their MR properties (3 T values).

The table is data: one row per tissue label with proton density (PD,
relative), T1 and T2 (s), R2* (1/s), susceptibility (ppm relative to water),
mean diffusivity (mm^2/s) and fractional anisotropy. Background (label 0) is
empty: zero signal everywhere.

``VEIN`` is deoxygenated (venous) blood at 3 T, for the veins of
:mod:`processing.phantom.veins` (their voxels mix it with the tissue around
them by volume fraction; the label marks voxels that are at least half vein):

* chi +0.40 ppm against tissue (paramagnetic, the sign of the microbleeds'
  +1.0): ``Hct (1 - Y) dchi_do`` with dchi_do = 3.39 ppm (SI; Spees et al.,
  Magn Reson Med 2001;45:533) gives 0.41-0.46 ppm for Hct 0.40-0.45 and venous
  oxygenation Y 0.7; SWI and QSM work uses about 0.3-0.45 ppm for cerebral
  veins (Haacke et al., AJNR 2009;30:19);
* R2* 45 1/s (T2* 22 ms): intravascular venous blood at 3 T, 30-60 1/s for Y
  0.55-0.7 (Zhao et al., Magn Reson Med 2007;58:592; Blockley et al., Magn
  Reson Med 2008;60:1313);
* T1 1.65 s (Lu et al., Magn Reson Med 2004;52:679: 1.66 s at Hct 0.42);
* T2 0.06 s (venous blood at Y about 0.6, as TRUST measures in the sagittal
  sinus; Lu & Ge, Magn Reson Med 2008;60:357);
* PD 0.85 (water content of whole blood about 0.85 mL/mL; Herscovitch &
  Raichle, J Cereb Blood Flow Metab 1985;5:65);
* MD 2.0e-3 mm^2/s and FA 0.1: an apparent diffusivity above tissue (flow
  dephases like pseudo-diffusion), so the sinus is dark on the b=1000 trace
  (about a third of white matter, as flowing blood is) rather than bright;
  long T1 and short T2 make it darker than white matter on FLAIR (about 0.75)
  and darker than cortex on UNIT1. Thin veins fill a small part of a voxel
  and are nearly invisible on these.
"""

from __future__ import annotations

import numpy as np

PARAMETERS = ("PD", "T1", "T2", "R2star", "chi", "MD", "FA")

BACKGROUND, SCALP, SKULL, CSF, CORTEX, WHITE_MATTER, DEEP_GREY, VENTRICLE, VEIN = range(9)

TISSUE_NAMES = {
    BACKGROUND: "background",
    SCALP: "scalp",
    SKULL: "skull",
    CSF: "csf",
    CORTEX: "cortex",
    WHITE_MATTER: "white_matter",
    DEEP_GREY: "deep_grey",
    VENTRICLE: "ventricle",
    VEIN: "vein",
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
    VEIN: (0.85, 1.65, 0.06, 45.0, 0.40, 2.0e-3, 0.10),
}


def property_table() -> np.ndarray:
    """Return the table as an array ``(n_labels, n_parameters)`` indexed by label."""
    labels = sorted(TISSUE_PROPERTIES)
    return np.array([TISSUE_PROPERTIES[label] for label in labels], dtype=float)


def baseline(label: int) -> dict[str, float]:
    """Properties of one tissue as a dict keyed by :data:`PARAMETERS`."""
    return dict(zip(PARAMETERS, TISSUE_PROPERTIES[label], strict=True))


def table_as_dict(*, veins: bool = True) -> dict[str, dict[str, float]]:
    """Return the whole table keyed by tissue name (for the truth JSON); without VEIN if not ``veins``."""
    labels = [k for k in sorted(TISSUE_PROPERTIES) if veins or k != VEIN]
    return {TISSUE_NAMES[label]: baseline(label) for label in labels}
