"""The synchronized grid of one participant: visits (rows) x modalities (columns), no Qt.

Every cell is a :class:`~viewers.state.slice_view_model.SliceViewModel` over
ONE :class:`~viewers.state.cursor.WorldCursor` and ONE
:class:`~viewers.state.geometry.ViewGeometry` (zoom, pan, orientation and the
shared field of view), with one :class:`~viewers.state.windowing.WindowLevel`
per column (and one for the raw fallbacks of a map column, in other units).
Each image is shown in the participant's reference space through its
acquisition's transform (:mod:`viewers.state.placement`), resampled once
in the loader's worker into the :class:`~viewers.state.display_grid.DisplayGrid`
(the reference image's grid, or a finer ``display_spacing_mm``), so a slice
change is a zero-copy view of every volume; volumes arrive from a
:class:`~viewers.state.loader.VolumeLoader` and cells fill in as they do.

What the grid overlays depends on its ``overlay_mode`` (blinding, issue 6):
``"view"`` shows the demo's planted truth and no rater's labels; ``"rating"``
shows neither (a rater sees only their own mask, which the annotation overlay
draws, and never the truth); ``"review"`` shows every rater's labels and the
truth (chosen explicitly, never while rating); ``"consensus"`` only the two
compared raters' labels (a consensus session, :mod:`viewers.state.grid_overlays`).

Events (:class:`GridEvents`, ``grid.events.<kind>``): ``structure`` (rows or
columns changed: rebuild the widgets), ``cell(key=(session, column))`` (a
cell's volume, state or overlays changed), ``lesions`` (the lesion list
changed), ``own_labels`` (the rater's own labels, named by the read-out,
changed), ``focus(key=...)`` (the rater clicked another cell),
``cursor_gap`` (:attr:`GridModel.cursor_gap_mm` changed: the crosshair's lines
stop that far from the cursor, so that a candidate of a few voxels under it
stays in sight, as ITK-SNAP and FSLeyes allow) and ``display_grid``
(:meth:`GridModel.set_display_spacing`: the display resolution changed, every
cell is loading again; :meth:`GridModel.loading_progress` counts them in).

The model owns its parts: a :class:`~viewers.state.grid_placer.CellPlacer`
(field of view, display grid, placement of delivered volumes), a
:class:`~viewers.state.grid_placer.ColumnWindows` (one window per column) and a
:class:`~viewers.state.grid_overlays.GridOverlaySet` (what the overlay mode
allows: truth, raters' layers, lesions).
"""

from __future__ import annotations

import functools

from processing.study.model import Participant, Visit
from viewers.state.columns import COLUMNS, Column, resolve_cell
from viewers.state.cursor import WorldCursor
from viewers.state.events import EventEmitter, EventGroup
from viewers.state.geometry import ViewGeometry
from viewers.state.grid_cell import GridCell
from viewers.state.grid_overlays import (
    OVERLAY_MODES,
    Describe,
    GridOverlaySet,
    check_overlay_mode,
)
from viewers.state.grid_placer import CellPlacer, ColumnWindows, outdated
from viewers.state.layout import GridLayout
from viewers.state.loader import VolumeLoader
from viewers.state.overlays import LabelLayer, Lesion
from viewers.state.placement import Placement, placement_of
from viewers.state.slice_view_model import SliceViewModel
from viewers.state.volume import Volume

__all__ = [
    "GridModel",
    "OVERLAY_MODES",
    "LESION_VIEW_DIAMETERS",
    "MIN_LESION_VIEW_MM",
    "GRID_MAX_SIDE",
]

#: How many lesion diameters the field of view spans after "go to lesion".
LESION_VIEW_DIAMETERS = 6.0
MIN_LESION_VIEW_MM = 20.0
#: Pixels per side of a resampled (registered, hence oblique) slice in a grid view.
GRID_MAX_SIDE = 256


class GridEvents(EventGroup):
    """What changed in a :class:`GridModel` (see the module docstring)."""

    structure: EventEmitter
    cell: EventEmitter
    lesions: EventEmitter
    own_labels: EventEmitter
    focus: EventEmitter
    cursor_gap: EventEmitter
    display_grid: EventEmitter


class GridModel:
    """Display state of the participant grid (see the module docstring).

    Parameters
    ----------
    loader : VolumeLoader
    layout : GridLayout, optional
    windows : dict, optional
        Saved ``column key -> (low, high)``; such columns keep their window
        instead of taking the first volume's.
    overlay_mode : str
        ``"view"``, ``"rating"``, ``"review"`` or ``"consensus"`` (see the module docstring).
    display_spacing_mm : float, optional
        Voxel size of the display grid (default: the reference image's smallest voxel).
    """

    def __init__(
        self,
        loader: VolumeLoader,
        layout: GridLayout | None = None,
        windows: dict[str, tuple[float, float]] | None = None,
        *,
        overlay_mode: str = "view",
        display_spacing_mm: float | None = None,
    ) -> None:
        self.loader = loader
        self.layout = layout or GridLayout()
        self.cursor, self.geometry = WorldCursor(), ViewGeometry()
        self.placer = CellPlacer(display_spacing_mm)
        self.column_windows = ColumnWindows(windows)
        self.windows = self.column_windows.windows
        self.overlays = GridOverlaySet(overlay_mode, loader, self.placer)
        self.cells: dict[tuple[str, str], GridCell] = {}
        self.participant: Participant | None = None
        self.focus: tuple[str, str] | None = None
        self.cursor_gap_mm = 0.0
        self.events = GridEvents()
        self.layout.events.columns.connect(self._on_layout)
        self.layout.events.rows.connect(self._on_layout)

    # -- opening ---------------------------------------------------------------------
    def open(self, participant: Participant) -> None:
        """Show ``participant``: place the field of view, then request every visible volume."""
        self.loader.forget_pending()
        self._drop_cells()
        self.participant = participant
        self.overlays.read(participant, self.placement)
        self._place_field_of_view(participant)
        self._ensure_cells()
        self.events.structure.emit()
        self.events.lesions.emit()

    def refresh(self, participant: Participant) -> list[tuple[str, str]]:
        """Take a re-discovered ``participant`` without moving the view.

        It may have new derivatives or transforms.

        Cells whose source file or placement changed are made again (and load
        their new volume); the others are kept. The cursor, zoom and pan stay.
        Returns the keys of the cells that changed.
        """
        if self.participant is None or participant.label != self.participant.label:
            self.open(participant)
            return list(self.cells)
        self.participant = participant
        if self.placer.display_grid is None:
            self._place_field_of_view(participant)
        changed = [
            key
            for key, cell in self.cells.items()
            if outdated(cell, participant.visit(cell.visit.session))
        ]
        for key in changed:  # raw -> map: the map's own window (raw fallbacks have their own)
            self.cells.pop(key).view.close()
        self._ensure_cells()
        if changed:
            self.events.structure.emit()
        return changed

    @property
    def display_spacing_mm(self) -> float | None:
        """Voxel size of the display grid asked for (None: the reference image's)."""
        return self.placer.display_spacing_mm

    def set_display_spacing(self, spacing_mm: float | None) -> None:
        """Show the images on a display grid of ``spacing_mm`` voxels (None: the reference's).

        The shown participant is loaded again on the new grid; the cursor (world
        mm), orientation, zoom, pan and windows stay. Volumes cached for another
        grid are dropped (memory). Emits ``display_grid``, then ``structure``.
        """
        if spacing_mm is not None and not float(spacing_mm) > 0:
            raise ValueError(f"display grid spacing must be positive, got {spacing_mm!r}")
        spacing_mm = None if spacing_mm is None else float(spacing_mm)
        if spacing_mm == self.placer.display_spacing_mm:
            return
        self.placer.display_spacing_mm = spacing_mm
        if self.participant is not None:
            self.loader.forget_pending()
            self._drop_cells()
            self.placer.place(self.participant)  # the same box: the cursor and geometry stay
            self.loader.cache.discard(self.placer.foreign_variant)
            self._ensure_cells()
        self.events.display_grid.emit()
        if self.participant is not None:
            self.events.structure.emit()

    def loading_progress(self) -> tuple[int, int]:
        """Return ``(settled, total)``: images arrived (or failed), of the cells that have one."""
        loadable = [cell for cell in self.cells.values() if cell.source.loadable]
        return sum(cell.state != "loading" for cell in loadable), len(loadable)

    def placement(self, session: str, acquisition_key: str) -> Placement:
        """Return the placement of a visit's acquisition.

        See :func:`~viewers.state.placement.placement_of`.
        """
        assert self.participant is not None, "placement needs a participant shown"
        return placement_of(self.participant.visit(session), acquisition_key)

    def close(self) -> None:
        """Disconnect every view from the shared models."""
        self.loader.forget_pending()
        self._drop_cells()

    # -- what is shown -------------------------------------------------------------------
    def visible_visits(self) -> list[Visit]:
        """Shown visits, chronological."""
        if self.participant is None:
            return []
        hidden = self.layout.hidden_rows
        return [v for v in self.participant.visits if v.session not in hidden]

    def visible_columns(self) -> list[Column]:
        """Shown columns, in the layout's order."""
        return [COLUMNS[key] for key in self.layout.visible_columns()]

    def cell(self, session: str, column_key: str) -> GridCell:
        """Return the cell of a visit and column (KeyError when not shown)."""
        return self.cells[(session, column_key)]

    def has_window(self, column_key: str) -> bool:
        """Return True when a column shows a quantitative map whose window is worth saving."""
        return self.column_windows.worth_saving(column_key)

    # -- overlays ----------------------------------------------------------------------------
    def set_overlay_mode(self, mode: str) -> None:
        """Switch between the overlay modes (:data:`OVERLAY_MODES`).

        The overlays and lesions are read again.
        """
        check_overlay_mode(mode)
        if mode == self.overlays.mode:
            return
        self.overlays.mode = mode
        if self.participant is None:
            return
        self.overlays.read(self.participant, self.placement)
        for cell in self.cells.values():
            cell.clear_layers()
            self.overlays.add_to(cell, self._layer_arrived)
            self.events.cell.emit(key=cell.key)
        self.events.lesions.emit()

    def show_own_labels(self, describe: Describe | None) -> None:
        """Name the rater's own lesions in the read-out (None: stop).

        ``describe(world) -> str | None`` names the lesion at a world point.

        Emits ``own_labels``, as the caller should (:meth:`own_labels_changed`)
        after every edit of those labels.
        """
        self.overlays.own_labels = describe
        self.events.own_labels.emit()

    def own_labels_changed(self) -> None:
        """Tell the read-outs that the rater's own labels changed (an edit)."""
        self.events.own_labels.emit()

    def lesions_at_cursor(self) -> list[str]:
        """Return the lesions under the cursor: the rater's own, then the focused cell's layers."""
        cell = self.cells.get(self.focus) if self.focus is not None else None
        if cell is None:
            cell = next(iter(self.cells.values()), None)
        return self.overlays.lesions_at(self.cursor.position, cell)

    def row_title(self, visit: Visit, *, with_date: bool = True) -> str:
        """Return the title of a visit: ``"ses-03  2023-06-13  week 8.3"``.

        ``with_date=False``: ``"ses-03  week 8.3"``, a column header.
        """
        date = visit.date.strftime("%Y-%m-%d") if visit.date else "no date"
        weeks = (
            "" if visit.weeks_since_baseline is None else f"  week {visit.weeks_since_baseline:.1f}"
        )
        return (
            f"{visit.session}  {date}{weeks}"
            if with_date or not weeks
            else f"{visit.session}{weeks}"
        )

    # -- read-outs ---------------------------------------------------------------------------
    def values_at_cursor(self) -> dict[str, list[float | None]]:
        """Return column key -> the value at the cursor at every visible visit.

        None where nothing is shown.
        """
        position = self.cursor.position
        table = {}
        for column in self.visible_columns():
            row = []
            for visit in self.visible_visits():
                cell = self.cells.get((visit.session, column.key))
                volume = cell.view.volume if cell is not None else None
                row.append(None if volume is None else volume.native.value_at(position))
            table[column.key] = row
        return table

    def visit_weeks(self) -> list[float]:
        """Weeks since baseline of the visible visits (visit number * 4 where dates are unknown)."""
        weeks = []
        for number, visit in enumerate(self.visible_visits()):
            weeks.append(
                visit.weeks_since_baseline
                if visit.weeks_since_baseline is not None
                else 4.0 * number
            )
        return weeks

    def voxel_at_cursor(self, session: str, column_key: str) -> tuple[int, int, int] | None:
        """Return the voxel (of that cell's own image) under the cursor."""
        cell = self.cells.get((session, column_key))
        return (
            None
            if cell is None or cell.view.volume is None
            else cell.view.volume.native.voxel_at(self.cursor.position)
        )

    # -- intents --------------------------------------------------------------------------------
    def go_to_lesion(self, lesion: Lesion) -> None:
        """Centre every view on the lesion and zoom so that it spans a sixth of the view."""
        self.cursor.set_position(lesion.centre, source="go-to-lesion")
        fov = self.geometry.shared_field_of_view()
        if fov is None:
            return
        span = max(LESION_VIEW_DIAMETERS * 2 * lesion.radius_mm, MIN_LESION_VIEW_MM)
        self.geometry.look_at(lesion.centre, zoom=max(fov[2], fov[3]) / span)
        if lesion.onset_session and lesion.onset_session in {
            v.session for v in self.visible_visits()
        }:
            self.set_focus(
                lesion.onset_session,
                self.focus[1] if self.focus else self.layout.visible_columns()[0],
            )

    def set_cursor_gap(self, mm: float) -> None:
        """Keep ``mm`` around the cursor free of the crosshair's lines (0: lines through it)."""
        mm = max(0.0, float(mm))
        if mm != self.cursor_gap_mm:
            self.cursor_gap_mm = mm
            self.events.cursor_gap.emit()

    def set_focus(self, session: str, column_key: str) -> None:
        """Return the cell the rater works in (window/level keys, lesion read-out, histogram)."""
        if self.focus != (session, column_key):
            self.focus = (session, column_key)
            self.events.focus.emit(key=self.focus)

    # -- internals -------------------------------------------------------------------------------

    def _ensure_cells(self) -> None:
        wanted = {
            (v.session, c.key): (v, c)
            for v in self.visible_visits()
            for c in self.visible_columns()
        }
        for key in [k for k in self.cells if k not in wanted]:
            self.cells.pop(key).view.close()
        for key, (visit, column) in wanted.items():
            if key not in self.cells:
                self._make_cell(visit, column)

    def _make_cell(self, visit: Visit, column: Column) -> None:
        source = resolve_cell(visit, column)
        window = self.column_windows.window_for(column, source)
        view = SliceViewModel(self.cursor, self.geometry, window)
        view.max_side = GRID_MAX_SIDE
        cell = GridCell(visit, column, view, source, placement_of(visit, source.acquisition))
        self.cells[cell.key] = cell
        if source.path is None:  # not loadable
            cell.state = "empty"
        else:
            self.loader.request(
                source.path,
                source.index,
                column.modality,
                functools.partial(self._arrived, cell),
                **self.placer.preparation(cell.placement, order=1),
            )
        self.overlays.add_to(cell, self._layer_arrived)

    def _arrived(self, cell: GridCell, volume: Volume | None, error: str | None) -> None:
        if self.cells.get(cell.key) is not cell:
            return  # the cell was dropped meanwhile
        if volume is None:
            cell.state, cell.error = "error", error or "unreadable"
        else:
            modality, label = cell.column.modality, cell.source.label
            placed = self.placer.placed(cell.placement, volume, modality, label)
            cell.state = "shown"
            cell.view.set_volume(placed, reset_window=self.column_windows.needs_reset(cell, placed))
        self.events.cell.emit(key=cell.key)

    def _layer_arrived(self, cell: GridCell, layer: LabelLayer) -> None:
        if self.cells.get(cell.key) is not cell:
            return  # the cell was dropped meanwhile
        if any(shown.name == layer.name for shown in cell.layers):
            return
        cell.add_layer(layer)
        self.events.cell.emit(key=cell.key)

    def _place_field_of_view(self, participant: Participant) -> None:
        box = self.placer.place(participant)
        if box is None:
            self.geometry.set_extent(None)
            return
        self.geometry.set_extent(box[0], box[1])
        self.cursor.set_position(box.mean(axis=0), source="open")

    def _drop_cells(self) -> None:
        for cell in self.cells.values():
            cell.view.close()
        self.cells.clear()

    def _on_layout(self) -> None:
        if self.participant is not None:
            self._ensure_cells()
            self.events.structure.emit()
