"""The study: a BIDS dataset of participants, visits and acquisitions.

- :mod:`processing.study.model`: the plain data classes every other layer uses.
- :func:`discover` (:mod:`~processing.study.discovery`): walks a BIDS folder into
  those classes lazily (folder listings and TSV tables; never voxel data).
- :mod:`processing.study.sidecars`: sequence parameters from JSON sidecars
  (MP2RAGE parameters for R1, echo times, gradient tables) with errors naming
  every missing key.
- :func:`validate` (:mod:`~processing.study.validation`): every problem of a
  study as :class:`Problem` (severity, file, what is wrong, what to do); this
  one reads voxel data.
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.study.discovery import discover
    from processing.study.model import (
        ACQUISITION_KINDS,
        Acquisition,
        ImageFile,
        Participant,
        Study,
        Visit,
    )
    from processing.study.problems import Problem
    from processing.study.validation import has_errors, validate

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "discover": "discovery",
        "ACQUISITION_KINDS": "model",
        "Acquisition": "model",
        "ImageFile": "model",
        "Participant": "model",
        "Study": "model",
        "Visit": "model",
        "Problem": "problems",
        "has_errors": "validation",
        "validate": "validation",
    },
)

__all__ = [
    "ACQUISITION_KINDS",
    "Acquisition",
    "ImageFile",
    "Participant",
    "Problem",
    "Study",
    "Visit",
    "discover",
    "has_errors",
    "validate",
]
