"""Records of the per-lesion time course: what goes in and what comes out.

The inputs describe one participant's visits (parameter maps already in one
reference grid) and one rater's lesions; the output is a long table with one
:class:`TimecourseRow` per lesion x visit x parameter.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

#: Voxels count only when their R2* lies in this range (1/s), DESIGN section 2.
R2STAR_RANGE = (5.0, 30.0)

#: Parameter names in report order; other names follow, sorted.
PARAMETER_ORDER = ("trace_b1000", "trace_b3000", "MD", "FA", "R1", "R2", "R2star")

PRE, ONSET, POST = "pre-lesional", "lesional", "post-lesional"
#: The three classes compared by the statistics, in time order.
CLASSES = (PRE, ONSET, POST)


@dataclass(frozen=True)
class LesionInfo:
    """One rated lesion: its label in the label volume and its onset.

    Parameters
    ----------
    lesion_id : int
        The lesion's value in the label volume.
    onset : str
        Visit label ("MRI 0") where the lesion first appears, e.g. ``"ses-04"``.
    excluded : bool
        The rater's exclusion flag (e.g. too close to the pial surface).
    exclusion_reason : str
        The rater's reason, reported with the exclusion.
    kind : str
        Lesion type as rated (``"A-CMI"``, ``"C-CMI"``, ``"CMB"``), passed through.
    """

    lesion_id: int
    onset: str
    excluded: bool = False
    exclusion_reason: str = ""
    kind: str = ""


@dataclass
class VisitVolumes:
    """One visit's parameter maps in the reference grid.

    Parameters
    ----------
    label : str
        Visit label, e.g. ``"ses-01"``.
    maps : mapping of str to ndarray
        Parameter name -> 3D volume; a parameter missing at this visit is absent.
    date : date or datetime, optional
        Acquisition date (for weeks relative to onset).
    r2star : ndarray, optional
        R2* volume (1/s) for the voxel filter; defaults to ``maps["R2star"]``.
    """

    label: str
    maps: Mapping[str, np.ndarray] = field(default_factory=dict)
    date: _dt.date | _dt.datetime | None = None
    r2star: np.ndarray | None = None

    @property
    def filter_volume(self) -> np.ndarray | None:
        """The R2* volume used for the voxel filter, or None when absent."""
        return self.r2star if self.r2star is not None else self.maps.get("R2star")


@dataclass
class TimecourseRow:
    """One lesion x visit x parameter of the long table.

    Means are NaN where they cannot be computed; ``note`` says why. Voxel
    counts are the voxels actually averaged (inside the ROI, passing the R2*
    filter, finite in the parameter map).
    """

    participant: str
    rater: str
    lesion_id: int
    lesion_kind: str
    onset_visit: str
    visit: str
    visit_index: int
    date: str
    visits_from_onset: int | None
    weeks_from_onset: float | None
    parameter: str
    lesion_mean: float
    lesion_voxels: int
    control_mean: float
    control_voxels: int
    difference: float
    baseline_difference: float
    normalised_difference: float
    visit_class: str = ""
    excluded: bool = False
    exclusion_reason: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the row as a plain dict (NaN kept as float NaN)."""
        return asdict(self)


#: Column names of the long table, in order.
COLUMNS = tuple(f.name for f in fields(TimecourseRow))


def ordered_parameters(names) -> list[str]:
    """Sort parameter names: :data:`PARAMETER_ORDER` first, then the rest alphabetically."""
    names = set(names)
    known = [n for n in PARAMETER_ORDER if n in names]
    return known + sorted(names - set(known))


def is_number(value: Any) -> bool:
    """Return True for a finite int or float (NaN, None and text are not numbers)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(float(value))


def as_float(value: Any) -> float:
    """Return a cell as a float: numbers and numeric text; NaN for None, empty or other text."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def as_bool(value: Any) -> bool:
    """Return a cell as a flag.

    ``True``/``"true"``/``"yes"``/``"1"``; ``"False"`` and ``""`` read as False.
    """
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def as_row_dict(row: Any) -> Mapping[str, Any]:
    """Return a :class:`TimecourseRow` as a dict, or a mapping with its keys (e.g. read back from the CSV) as it is."""
    return row if isinstance(row, Mapping) else row.as_dict()
