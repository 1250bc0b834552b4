"""Ferret's engine: everything that runs without a screen.

Sub-packages
------------
fileio
    Atomic writes, NIfTI and JSON helpers, provenance sidecars.
study
    BIDS study discovery (lazy, headers only) and validation.
phantom, forward
    The synthetic phantom study and the forward signal models it is made with.
maps
    Quantitative maps (R2*, SWI, DWI trace, MD/FA, R1, R2, brain mask), Model/Fit style.
registration
    Rigid registration chain, reference space, resampling; the only LPS<->RAS conversion.

Rules: no Qt, no pyqtgraph, no import of ``viewers`` or ``app`` (checked by
``tests/test_layering.py``). Long functions take a :class:`processing.progress.Progress`.
"""

__version__ = "0.1.0"
