"""The grid's columns (modalities) and what each cell of a visit shows.

A :class:`Column` names the derived maps it prefers (``visit.derived`` names
without extension, e.g. ``R2starmap``) and the raw acquisitions to fall back
to while those are not computed yet. :func:`resolve_cell` picks, for one visit,
the file and volume to show and says what it is: ``"derived"``, ``"raw"``
(a fallback: marked in the view), ``"computing"`` (a write in progress, seen
from its ``.part`` temporary) or ``"missing"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from processing.registration.outputs import source_key
from processing.study.model import Visit
from viewers.state.volume import display_file, first_b0_index

NIFTI_SUFFIXES = (".nii.gz", ".nii")
MP2RAGE_FAMILY = ("UNIT1", "MP2RAGE", "T1map", "T1w")
SHELL_TOLERANCE = 100.0


@dataclass(frozen=True)
class Column:
    """One modality column of the grid.

    Attributes
    ----------
    key : str
        Stable identifier (layouts and settings refer to it).
    title : str
        Header text.
    modality : str
        Name that chooses the window preset (``"R2starmap"``, ``"MD"``, ...).
    derived : tuple of str
        Derived map names in order of preference.
    raw : tuple of str
        Acquisition kinds to show when no derived map exists.
    shell : float, optional
        For a raw DWI fallback: the b-value of the volume to show.
    part : str
        For a raw fallback with magnitude and phase files: which ``part-`` to show.
    """

    key: str
    title: str
    modality: str
    derived: tuple[str, ...] = ()
    raw: tuple[str, ...] = ()
    shell: float | None = None
    part: str = "mag"


COLUMNS: dict[str, Column] = {
    c.key: c
    for c in (
        Column("b1000", "DWI b1000", "trace", ("desc-b1000_trace",), ("dwi",), 1000.0),
        Column("b3000", "DWI b3000", "trace", ("desc-b3000_trace",), ("dwi",), 3000.0),
        Column("MD", "MD", "MD", ("model-tensor_param-md_dwimap",)),
        Column("FLAIR", "FLAIR", "FLAIR", (), ("FLAIR",)),
        Column("R1", "T1 / R1", "R1map", ("R1map",), ("UNIT1", "T1w", "MP2RAGE")),
        Column("SWI", "SWI", "SWI", ("desc-swi_GRE",), ("MEGRE",)),
        Column("R2star", "R2*", "R2starmap", ("R2starmap",)),
        Column("FA", "FA", "FA", ("model-tensor_param-fa_dwimap",)),
        Column("R2", "R2", "R2map", ("R2map",), ("MESE",)),
        Column("minIP", "SWI minIP", "SWI", ("desc-swiminip_GRE",), ("MEGRE",)),
        Column("T2w", "T2w", "T2w", (), ("T2w",)),
        Column("phase", "GRE phase", "phase", (), ("MEGRE",), part="phase"),
    )
}

#: Columns shown by default, in order (DWI trace b1000, b3000, MD, FLAIR, T1/R1, SWI, R2*).
DEFAULT_COLUMNS = ("b1000", "b3000", "MD", "FLAIR", "R1", "SWI", "R2star")


@dataclass(frozen=True)
class CellSource:
    """What one cell (visit x column) shows.

    Attributes
    ----------
    status : str
        ``"derived"``, ``"raw"``, ``"computing"`` or ``"missing"``.
    path : Path or None
        The NIfTI file (None when missing or computing).
    index : int
        Volume index within a 4D file.
    acquisition : str or None
        The acquisition key whose registration places the image.
    label : str
        Short description (file name, volume).
    """

    status: str
    path: Path | None = None
    index: int = 0
    acquisition: str | None = None
    label: str = ""

    @property
    def loadable(self) -> bool:
        """True when there is a file to read."""
        return self.path is not None


def derived_path(visit: Visit, name: str) -> Path | None:
    """Return the derived map ``name`` (without extension) of a visit, or None."""
    for suffix in NIFTI_SUFFIXES:
        path = visit.derived.get(name + suffix)
        if path is not None:
            return path
    return None


def being_computed(visit: Visit, name: str) -> bool:
    """Return True when a ``.part`` temporary of the derived map is being written now."""
    for datatype in ("anat", "dwi"):
        folder = visit.derivative(name + ".nii.gz", datatype).parent
        if folder.is_dir() and any(folder.glob(f".{visit.prefix}_{name}.nii*.part*")):
            return True
    return False


def resolve_cell(visit: Visit, column: Column) -> CellSource:
    """Return the file, volume and status of ``column`` at ``visit`` (see the module docstring)."""
    for name in column.derived:
        path = derived_path(visit, name)
        if path is not None:
            return CellSource("derived", path, 0, source_key(visit, path), path.name)
    computing = any(being_computed(visit, name) for name in column.derived)
    for kind in column.raw:
        key = _acquisition_key(visit, kind)
        if key is not None:
            acquisition = visit.acquisitions[key]
            if column.part != "mag" and not acquisition.part(column.part):
                continue
            image = display_file(acquisition, column.part)
            index = _raw_index(acquisition, column.shell)
            label = image.path.name + (f" [volume {index}]" if index else "")
            return CellSource("computing" if computing else "raw", image.path, index, key, label)
    return CellSource("computing" if computing else "missing")


def _acquisition_key(visit: Visit, kind: str) -> str | None:
    if kind in visit.acquisitions:
        return kind
    if kind in MP2RAGE_FAMILY:
        for other in MP2RAGE_FAMILY:
            if other in visit.acquisitions:
                return other
    return next((key for key in sorted(visit.acquisitions) if key.startswith(kind)), None)


def _raw_index(acquisition, shell: float | None) -> int:
    """Return the volume to show of a raw series.

    The first of the wanted DWI shell, else the usual one.
    """
    if acquisition.kind != "dwi":
        return 0
    if shell is None or acquisition.bval is None or not Path(acquisition.bval).exists():
        return first_b0_index(acquisition.bval)
    try:
        bvals = np.loadtxt(acquisition.bval, ndmin=1)
    except ValueError:
        return 0
    matches = np.flatnonzero(np.abs(bvals - shell) < SHELL_TOLERANCE)
    return int(matches[0]) if matches.size else first_b0_index(acquisition.bval)
