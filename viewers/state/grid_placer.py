"""Where the participant grid's images go, and which window each column starts with.

Two small parts that :class:`~viewers.state.grid.GridModel` owns:

* :class:`CellPlacer`: the shared field of view and the
  :class:`~viewers.state.display_grid.DisplayGrid` from visit 1's DWI (or its
  first acquisition), placed in the reference space; the loader options that
  place each volume and resample it once into the display grid; and whether a
  cell's source or placement changed on disk.
* :class:`ColumnWindows`: one :class:`~viewers.state.windowing.WindowLevel` per
  column, taken from the column's first volume unless a saved window fits a
  quantitative map, and one for the raw fallbacks of a column that has maps.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from processing.study.model import Participant, Visit
from viewers.state.columns import COLUMNS, CellSource, Column, resolve_cell
from viewers.state.display_grid import DisplayGrid, resample_into
from viewers.state.grid_cell import GridCell
from viewers.state.placement import Placement, placement_of
from viewers.state.volume import Volume
from viewers.state.windowing import WindowLevel, preset_for, window_fits


class CellPlacer:
    """The field of view, the display grid and the placement of every delivered volume.

    Parameters
    ----------
    display_spacing_mm : float, optional
        Voxel size of the display grid (default: the reference image's smallest voxel).
    """

    def __init__(self, display_spacing_mm: float | None = None) -> None:
        self.display_spacing_mm = display_spacing_mm
        self.display_grid: DisplayGrid | None = None
        #: The reference image's smallest voxel (mm), once a participant is placed.
        self.reference_spacing_mm: float | None = None
        #: Compact display volumes (:func:`~viewers.state.display_grid.resample_into`);
        #: False: float32 on the display grid itself (benchmarks compare the two).
        self.compact = True

    def place(self, participant: Participant) -> np.ndarray | None:
        """Make the display grid of ``participant``; return its world box (2, 3), or None."""
        found = reference_box(participant)
        if found is None:
            self.display_grid = self.reference_spacing_mm = None
            return None
        box, spacing = found
        self.reference_spacing_mm = spacing
        self.display_grid = DisplayGrid.covering(box, self.display_spacing_mm or spacing)
        return box

    def preparation(self, placement: Placement, order: int) -> dict[str, Any]:
        """Return the loader options that place a volume and resample it once into the grid."""
        grid = self.display_grid
        if grid is None:
            return {}

        compact = self.compact

        def prepare(volume: Volume) -> Volume:
            return resample_into(placement.place(volume), grid, order=order, compact=compact)

        return {
            "prepare": prepare,
            "variant": ("display", grid.key, placement.matrix.tobytes(), order, compact),
        }

    def foreign_variant(self, key: tuple) -> bool:
        """Return True for a loader cache key prepared for another display grid than the current."""
        variant = key[2] if len(key) > 2 else None
        return (
            isinstance(variant, tuple)
            and variant[:1] == ("display",)
            and (self.display_grid is None or variant[1] != self.display_grid.key)
        )

    def placed(self, placement: Placement, volume: Volume, modality: str, label: str) -> Volume:
        """Return a delivered volume in the reference space (already so when resampled)."""
        if self.display_grid is not None:
            return dataclasses.replace(volume, modality=modality, label=label)
        return placement.place(volume, modality, label)


def outdated(cell: GridCell, visit: Visit) -> bool:
    """Return True when the cell's source file or placement changed at ``visit`` (re-discovered)."""
    source = resolve_cell(visit, cell.column)
    placement = placement_of(visit, source.acquisition)
    return (
        (source.path, source.index, source.status)
        != (cell.source.path, cell.source.index, cell.source.status)
        or placement.registered != cell.placement.registered
        or not np.allclose(placement.matrix, cell.placement.matrix)
    )


def reference_box(participant: Participant | None) -> tuple[np.ndarray, float] | None:
    """Return the placed world box of visit 1's DWI (or first image) and its smallest voxel."""
    from processing.registration.chain import header_grid

    first = participant.visits[0] if participant and participant.visits else None
    if first is None or not first.acquisitions:
        return None
    key = next(
        (k for k in sorted(first.acquisitions) if k.startswith("dwi")),
        next(iter(first.acquisitions)),
    )
    try:
        grid = header_grid(first, key)
    except Exception:  # an unreadable header: every view keeps its own field of view
        return None
    affine = placement_of(first, key).display_affine(grid.affine)
    corners = (
        np.array(np.meshgrid(*[(-0.5, n - 0.5) for n in grid.shape], indexing="ij"))
        .reshape(3, -1)
        .T
    )
    world = corners @ affine[:3, :3].T + affine[:3, 3]
    spacing = float(np.linalg.norm(affine[:3, :3], axis=0).min())
    return np.array([world.min(axis=0), world.max(axis=0)]), spacing


class ColumnWindows:
    """One window per column, and one more for the raw fallbacks of a column that has maps.

    A column's window takes its first volume's initial window. The raw images a
    map column shows while its maps are not computed (UNIT1 in the R1 column,
    MESE in the R2 column) are in other units: they share a window of their own
    (:attr:`raw_windows`), never saved, so that the column's window stays in the
    map's units whichever arrives first.

    Saved windows apply to quantitative maps only (R2*, MD, R1...: a display
    preset exists), and only when they fit the map's own initial window
    (:func:`~viewers.state.windowing.window_fits`): physical units carry over
    between sessions and studies; the scanner units of raw images, DWI traces
    and SWI do not.

    Parameters
    ----------
    saved : dict, optional
        ``column key -> (low, high)`` from the settings.
    """

    def __init__(self, saved: dict[str, tuple[float, float]] | None = None) -> None:
        saved = saved or {}
        self.windows = {
            key: WindowLevel(*saved[key]) if key in saved else WindowLevel() for key in COLUMNS
        }
        self.raw_windows = {key: WindowLevel() for key in COLUMNS}
        self._saved = dict(saved)
        self._set: set[tuple[str, bool]] = set()
        self._derived: set[str] = set()

    def window_for(self, column: Column, source: CellSource) -> WindowLevel:
        """Return the window a cell shows its image with (see the class docstring)."""
        return (self.raw_windows if _fallback(column, source) else self.windows)[column.key]

    def needs_reset(self, cell: GridCell, volume: Volume) -> bool:
        """Return True when ``volume`` must set its window: the first of its column's window.

        Not for a map whose saved window fits it (then kept).
        """
        fallback = _fallback(cell.column, cell.source)
        if (cell.column.key, fallback) in self._set:
            return False
        self._set.add((cell.column.key, fallback))
        if fallback or preset_for(cell.column.modality) is None:
            return True
        self._derived.add(cell.column.key)
        saved = self._saved.get(cell.column.key)
        return saved is None or not window_fits(saved, volume.window)

    def worth_saving(self, key: str) -> bool:
        """Return True when the column's window was set by a quantitative map (worth saving)."""
        return key in self._derived


def _fallback(column: Column, source: CellSource) -> bool:
    """Return True for a raw image shown in a column whose own images are derived maps."""
    return bool(column.derived) and source.status != "derived"
