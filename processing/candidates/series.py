"""One participant's reference-space maps at every visit, as candidate detection reads them.

Maps are the ``space-ref`` derivatives of :mod:`processing.timecourses.loader`
(DWI traces ``trace_b<N>``, ``MD``, ``FA``, ``R1``, ``R2``, ``R2star``) plus
``SWI`` (``space-ref_desc-swi_GRE``). Every map must lie on the first map's grid
(the reference grid); a visit without a map holds NaN there, and a participant
whose maps do not agree in grid is refused with the file named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.fileio import load_nifti
from processing.study.model import Participant
from processing.timecourses.loader import AFFINE_TOLERANCE_MM, parameter_files

_EXTRA = {"SWI": re.compile(r"^space-ref_desc-swi_GRE\.nii(?:\.gz)?$")}
BRAIN_MASK = "space-ref_desc-brain_mask.nii.gz"
#: Resampled file names (parts) of each map, beside the brain masks and R1 (for the cortex mask).
MAP_TOKENS = {
    "trace_b1000": "_desc-b1000_trace",
    "trace_b3000": "_desc-b3000_trace",
    "MD": "_model-tensor_param-md_dwimap",
    "SWI": "_desc-swi_GRE",
    "R2star": "_R2starmap",
}
ALWAYS_READ = ("space-ref_desc-brain_mask", "space-ref_R1map")


def reads(settings, path: Path) -> bool:
    """Return True when detection with ``settings`` reads the reference-space file ``path``.

    The engine lists these files as the step's cache inputs.
    """
    names = [c.name for c in settings.channels] + (
        [settings.confirm.name] if settings.confirm else []
    )
    tokens = [MAP_TOKENS[name] for name in names] + list(ALWAYS_READ)
    return Path(path).name.endswith(".nii.gz") and any(token in Path(path).name for token in tokens)


@dataclass
class Series:
    """Maps of every visit on one grid.

    Attributes
    ----------
    sessions : list of str
        Visit labels in time order.
    maps : dict
        ``{name: float32 array (visits, x, y, z)}``; NaN where a visit lacks the map.
    affine : ndarray (4, 4)
        The reference grid's voxel-to-RAS affine.
    brain : ndarray of bool
        Visit 1's brain mask in the reference grid.
    cortex : ndarray of bool or None
        The cortex mask (:mod:`processing.annotations.cortex`), None when it cannot be made.
    """

    participant: str
    sessions: list[str]
    maps: dict
    affine: np.ndarray
    brain: np.ndarray
    cortex: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        """The reference grid's shape."""
        return self.brain.shape

    @property
    def spacing(self) -> np.ndarray:
        """Voxel sizes (mm)."""
        return np.linalg.norm(self.affine[:3, :3], axis=0)


def map_files(visit) -> dict[str, Path]:
    """Return a visit's reference-space maps by name (time-course names plus ``SWI``)."""
    found = parameter_files(visit)
    for name, pattern in _EXTRA.items():
        matches = [Path(p) for key, p in visit.derived.items() if pattern.match(Path(key).name)]
        if matches:
            found[name] = matches[-1]  # the last match, as before
    return found


def load_series(participant: Participant, names: list[str]) -> Series:
    """Read ``names`` at every visit of ``participant``.

    FerretError when none exists or grids differ.
    """
    visits = list(participant.visits)
    files = [map_files(visit) for visit in visits]
    first = next((f[n] for f in files for n in names if n in f), None)
    if first is None:
        raise FerretError(
            f"no reference-space {', '.join(names)} maps for {participant.label}.",
            visits[0].path.parent if visits else None,
            "run `ferret process STUDY --steps resample` first.",
        )
    first_data, affine, _ = load_nifti(first, dtype=None)
    shape: tuple[int, ...] | None = None
    maps = {}
    for name in names:
        volumes = [_load_on_grid(f.get(name), affine) for f in files]
        shape = shape or next((v.shape for v in volumes if v is not None), None)
        maps[name] = np.stack(
            [
                v if v is not None else np.full(shape or first_data.shape, np.nan, np.float32)
                for v in volumes
            ]
        )
    brain_path = visits[0].derived.get(BRAIN_MASK)
    brain = _load_on_grid(brain_path, affine) if brain_path else None
    brain = brain > 0 if brain is not None else np.isfinite(maps[names[0]]).all(axis=0)
    return Series(participant.label, [v.session for v in visits], maps, affine, brain)


def _load_on_grid(path: Path | None, affine: np.ndarray) -> np.ndarray | None:
    if path is None:
        return None
    data, own, _ = load_nifti(path)
    if not np.allclose(own, affine, atol=AFFINE_TOLERANCE_MM):
        raise FerretError(
            "this map is not on the participant's reference grid.",
            path,
            "rerun `ferret process STUDY --steps resample` so that every map is resampled again.",
        )
    return np.asarray(data, np.float32)
