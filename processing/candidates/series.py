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
#: Maps computed from stored ones: name -> (the maps it is made of, what it is).
DERIVED = {
    "shell_adc": (
        ("trace_b1000", "trace_b3000"),
        "ln(trace_b1000 / trace_b3000) / 2000 s/mm2: the apparent diffusion between the shells",
    ),
}


def stored_names(names) -> list[str]:
    """Return ``names`` with each derived map replaced by the stored maps it is made of (in order, once)."""
    out: dict[str, None] = {}
    for name in names:
        out.update(dict.fromkeys(DERIVED[name][0] if name in DERIVED else (name,)))
    return list(out)


def shell_adc(low: np.ndarray, high: np.ndarray, b_low: float = 1000.0, b_high: float = 3000.0):
    """Apparent diffusion (mm2/s) between two shells' traces; NaN where either is not positive.

    Restricted diffusion (an acute infarct) lowers it. A change of the CSF
    partial volume of a voxel (head movement, interpolation at the cortex's
    edge) brightens both traces by about the same factor, since CSF is dark at
    both b-values, and leaves it unchanged (or raises it): what tells such
    residue from a new focus of restricted diffusion.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where((low > 0) & (high > 0), low / high, np.nan)
        return (np.log(ratio) / (b_high - b_low)).astype(np.float32)


def reads(settings, path: Path) -> bool:
    """Return True when detection with ``settings`` reads the reference-space file ``path``.

    The engine lists these files as the step's cache inputs.
    """
    names = settings.map_names()
    tokens = [MAP_TOKENS[name] for name in stored_names(names)] + list(ALWAYS_READ)
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
    native : list of bool or None
        Per visit, True when its maps lie on the reference grid as acquired (the reference
        visit's DWI: copied, not interpolated); None: all interpolated, or unknown.
    """

    participant: str
    sessions: list[str]
    maps: dict
    affine: np.ndarray
    brain: np.ndarray
    cortex: np.ndarray | None = None
    native: list[bool] | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        """The reference grid's shape."""
        return self.brain.shape

    @property
    def spacing(self) -> np.ndarray:
        """Voxel sizes (mm)."""
        return np.linalg.norm(self.affine[:3, :3], axis=0)

    def map(self, name: str) -> np.ndarray:
        """Return a map of every visit, a derived one (:data:`DERIVED`) computed from its stored maps."""
        if name not in self.maps and name in DERIVED:
            if name == "shell_adc":
                self.maps[name] = shell_adc(self.maps["trace_b1000"], self.maps["trace_b3000"])
        return self.maps[name]


def map_files(visit) -> dict[str, Path]:
    """Return a visit's reference-space maps by name (time-course names plus ``SWI``)."""
    found = parameter_files(visit)
    for name, pattern in _EXTRA.items():
        matches = [Path(p) for key, p in visit.derived.items() if pattern.match(Path(key).name)]
        if matches:
            found[name] = matches[-1]  # the last match, as before
    return found


def load_series(participant: Participant, names: list[str]) -> Series:
    """Read ``names`` at every visit of ``participant`` (derived maps: the maps they are made of).

    FerretError when none exists or grids differ.
    """
    names = stored_names(names)
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
    native = [_native_dwi(visit, affine) for visit in visits]
    return Series(participant.label, [v.session for v in visits], maps, affine, brain, None, native)


def _native_dwi(visit, affine: np.ndarray) -> bool:
    """Return True when the visit's DWI grid is the reference grid and its ``to-ref`` transform the identity."""
    from processing.fileio.nifti_check import read_verified_header
    from processing.registration import store

    xfm = store.xfm_path(visit, "dwi", "ref")
    native = next(
        (
            Path(p)
            for key, p in visit.derived.items()
            if Path(key).name == "desc-b1000_trace.nii.gz"
        ),
        None,
    )
    if native is None or not xfm.exists():
        return False
    try:
        own = read_verified_header(native).get_best_affine()
        same_grid = np.allclose(own, affine, atol=AFFINE_TOLERANCE_MM)
        return bool(same_grid and np.allclose(store.read_matrix(xfm), np.eye(4), atol=1e-6))
    except (OSError, ValueError, FerretError):
        return False


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
