"""Writing maps: atomic NIfTI + provenance sidecar, never inside the raw study.

:class:`MapsReport` collects what a run computed and what it skipped with the
reason; the command line prints it and the app shows it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.fileio import save_nifti, write_provenance
from processing.fileio.provenance import sidecar_path
from processing.study.model import Visit


@dataclass
class MapsReport:
    """Outcome of :func:`processing.maps.compute_visit_maps` for one visit."""

    visit: str
    computed: dict[str, Path] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human-readable summary, one line per map."""
        out = [f"{self.visit}: {len(self.computed)} maps written, {len(self.skipped)} skipped"]
        out += [f"  wrote   {name}: {path}" for name, path in self.computed.items()]
        out += [f"  skipped {name}: {reason}" for name, reason in self.skipped.items()]
        out += [f"  note    {note}" for note in self.notes]
        return out


class MapWriter:
    """Writes a visit's derivatives (``Visit.derivative``) with provenance, atomically."""

    def __init__(self, visit: Visit, report: MapsReport):
        self.visit = visit
        self.report = report

    def write(
        self,
        key: str,
        name: str,
        data: np.ndarray,
        affine: np.ndarray,
        *,
        method: str,
        parameters: dict,
        inputs: list[Path],
        datatype: str = "anat",
        **extra,
    ) -> Path:
        """Save ``data`` as ``<prefix>_<name>`` and its JSON sidecar; record it under ``key``."""
        path = self.visit.derivative(name, datatype)
        _refuse_raw(path, self.visit)
        save_nifti(path, np.asarray(data, dtype=np.float32), affine)
        write_provenance(path, method, parameters, inputs, **extra)
        self.report.computed[key] = path
        return path

    def write_mask(
        self,
        key: str,
        name: str,
        mask: np.ndarray,
        affine: np.ndarray,
        *,
        source: Path,
        datatype: str = "anat",
        provided: bool = False,
    ) -> Path:
        """Save a brain mask as uint8 with its provenance."""
        path = self.visit.derivative(name, datatype)
        _refuse_raw(path, self.visit)
        save_nifti(path, np.asarray(mask, dtype=np.uint8), affine)
        method = (
            "user-provided brain mask"
            if provided
            else "automatic brain mask (processing.maps.mask)"
        )
        write_provenance(path, method, {}, [source])
        self.report.computed[key] = path
        return path


def _refuse_raw(path: Path, visit: Visit) -> None:
    derivatives = (visit.study_root / "derivatives").resolve()
    if derivatives not in path.resolve().parents:
        raise FerretError(
            "refusing to write outside <study>/derivatives.",
            path,
            "this is a bug in the output naming; please report it.",
        )


def tensor_warnings(md_paths: list[Path]) -> list[str]:
    """``QC WARNING:`` lines for MD maps whose fit left zero or negative measurements out.

    Read from each map's JSON sidecar (``partial_voxels``, ``unfitted_voxels``),
    so that a cached map warns as its first computation did.
    """
    lines = []
    for path in md_paths:
        try:
            parameters = json.loads(sidecar_path(path).read_text()).get("Parameters", {})
        except (OSError, ValueError):
            continue
        partial, unfitted = (
            parameters.get("partial_voxels", 0),
            parameters.get("unfitted_voxels", 0),
        )
        if partial:
            lines.append(
                f"QC WARNING: {path.name}: {partial} brain voxels hold zero or negative DWI signal in "
                f"some volumes (dropout or zero-filled edges), fitted without those volumes; "
                f"{unfitted} had fewer than 7 left and are 0"
            )
    return lines
