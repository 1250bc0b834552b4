"""Placing, loading and refreshing the volumes of the participant grid's cells.

:class:`GridLoading` is a part of :class:`~viewers.state.grid.GridModel` (a
mixin using its participant, cells, loader, cursor, geometry and events):

* the field of view and the :class:`~viewers.state.display_grid.DisplayGrid`
  from visit 1's DWI (or first acquisition), placed in the reference space;
* the loader options that place each volume and resample it once into the
  display grid, and the cell update when a volume arrives;
* each column's window: taken from its first volume unless a saved window fits
  a quantitative map;
* :meth:`GridLoading.refresh`: a re-discovered participant taken without moving the view.
"""

from __future__ import annotations

import numpy as np

from processing.study.model import Participant
from viewers.state.columns import resolve_cell
from viewers.state.display_grid import DisplayGrid, resample_into
from viewers.state.grid_cell import GridCell
from viewers.state.placement import placement_of
from viewers.state.volume import Volume
from viewers.state.windowing import preset_for


class GridLoading:
    """Field of view, volume placement and loading, windows and refresh of :class:`~viewers.state.grid.GridModel`."""

    def refresh(self, participant: Participant) -> list[tuple[str, str]]:
        """Take a re-discovered ``participant`` (new derivatives or transforms) without moving the view.

        Cells whose source file or placement changed are made again (and load
        their new volume); the others are kept. The cursor, zoom and pan stay.
        Returns the keys of the cells that changed.
        """
        if self.participant is None or participant.label != self.participant.label:
            self.open(participant)
            return list(self.cells)
        self.participant = participant
        if self.display_grid is None:
            self._place_field_of_view()
        changed = [key for key, cell in self.cells.items() if self._outdated(cell)]
        for key in changed:
            self._window_set.discard(key[1])  # raw -> map: the map's own window
            self.cells.pop(key).view.close()
        self._ensure_cells()
        if changed:
            self.changed.emit(what="structure")
        return changed

    def _outdated(self, cell: GridCell) -> bool:
        visit = self.participant.visit(cell.visit.session)
        source = resolve_cell(visit, cell.column)
        placement = placement_of(visit, source.acquisition)
        return (
            (source.path, source.index, source.status)
            != (cell.source.path, cell.source.index, cell.source.status)
            or placement.registered != cell.placement.registered
            or not np.allclose(placement.matrix, cell.placement.matrix)
        )

    def _place_field_of_view(self) -> None:
        found = self._reference_box()
        if found is None:
            self.display_grid = None
            self.geometry.set_extent(None)
            return
        box, spacing = found
        self.display_grid = DisplayGrid.covering(box, self.display_spacing_mm or spacing)
        self.geometry.set_extent(box[0], box[1])
        self.cursor.set_position(box.mean(axis=0), source="open")

    def _reference_box(self) -> tuple[np.ndarray, float] | None:
        """World box of visit 1's DWI (the reference grid) or of its first acquisition, placed,
        and its smallest voxel size.
        """
        from processing.registration.chain import header_grid

        first = self.participant.visits[0] if self.participant and self.participant.visits else None
        if first is None or not first.acquisitions:
            return None
        key = next(
            (k for k in sorted(first.acquisitions) if k.startswith("dwi")),
            next(iter(first.acquisitions)),
        )
        try:
            grid = header_grid(first, key)
        except Exception:  # noqa: BLE001 - an unreadable header: every view keeps its own field of view
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

    def _preparation(self, placement, order: int) -> dict:
        """Loader options that place a volume and resample it once into the display grid."""
        grid = self.display_grid
        if grid is None:
            return {}

        def prepare(volume: Volume) -> Volume:
            placed = Volume(
                volume.data,
                placement.display_affine(volume.affine),
                volume.modality,
                volume.label,
                volume.window,
            )
            return resample_into(placed, grid, order=order)

        return {
            "prepare": prepare,
            "variant": ("display", grid.key, placement.matrix.tobytes(), order),
        }

    def _placed(self, cell: GridCell, volume: Volume, modality: str, label: str) -> Volume:
        """A delivered volume in the reference space (already so when resampled into the display grid)."""
        if self.display_grid is not None:
            return Volume(volume.data, volume.affine, modality, label, volume.window, volume.source)
        return Volume(
            volume.data,
            cell.placement.display_affine(volume.affine),
            modality,
            label,
            volume.window,
        )

    def _arrived(self, cell: GridCell, volume: Volume | None, error: str | None) -> None:
        if self.cells.get(cell.key) is not cell:
            return  # the cell was dropped meanwhile
        if volume is None:
            cell.state, cell.error = "error", error or "unreadable"
        else:
            placed = self._placed(cell, volume, cell.column.modality, cell.source.label)
            cell.state = "shown"
            cell.view.set_volume(placed, reset_window=self._needs_window(cell))
        self.changed.emit(what="cell", key=cell.key)

    def _needs_window(self, cell: GridCell) -> bool:
        """True for the first volume of a column (unless a saved window fits a derived map)."""
        key = cell.column.key
        derived = cell.source.status == "derived" and preset_for(cell.column.modality) is not None
        if derived:
            self._derived_columns.add(key)
        if key in self._window_set:
            return False
        self._window_set.add(key)
        return not (derived and key in self._saved_windows)
