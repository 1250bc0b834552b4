"""The synchronized grid of one participant: visits (rows) x modalities (columns), no Qt.

Every cell is a :class:`~viewers.state.slice_view_model.SliceViewModel` over
ONE :class:`~viewers.state.cursor.WorldCursor` and ONE
:class:`~viewers.state.geometry.ViewGeometry` (zoom, pan, orientation and the
shared field of view), with one :class:`~viewers.state.windowing.WindowLevel`
per column. Each image is shown in the participant's reference space through
its acquisition's transform (:mod:`viewers.state.placement`), resampled once
in the loader's worker into the :class:`~viewers.state.display_grid.DisplayGrid`
(the reference image's grid, or a finer ``display_spacing_mm``), so a slice
change is a zero-copy view of every volume; volumes arrive from a
:class:`~viewers.state.loader.VolumeLoader` and cells fill in as they do.

What the grid overlays depends on its ``overlay_mode`` (blinding, issue 6):
``"view"`` shows the demo's planted truth and no rater's labels; ``"rating"``
shows neither (a rater sees only their own mask, which the annotation overlay
draws, and never the truth); ``"review"`` shows every rater's labels and the
truth (consensus; chosen explicitly, never while rating).

Events (``changed``): ``what="structure"`` (rows or columns changed: rebuild
the widgets), ``what="cell", key=(session, column)`` (a cell's volume, state
or overlays changed), ``what="lesions"`` (the lesion list changed), ``what="focus", key=...`` (the
rater clicked another cell).
"""

from __future__ import annotations

import numpy as np

from processing.study.model import Participant, Visit
from viewers.state.columns import COLUMNS, Column, resolve_cell
from viewers.state.cursor import WorldCursor
from viewers.state.display_grid import DisplayGrid, resample_into
from viewers.state.events import EventEmitter
from viewers.state.geometry import ViewGeometry
from viewers.state.grid_cell import GridCell
from viewers.state.layout import GridLayout
from viewers.state.loader import VolumeLoader
from viewers.state.overlays import TRUTH_COLOUR, LabelLayer, Lesion, rater_layers
from viewers.state.placement import placement_of
from viewers.state.slice_view_model import SliceViewModel
from viewers.state.truth_overlay import POINT_TYPES, lesion_names, load_participant_truth, truth_lesions, truth_map_path
from viewers.state.volume import Volume
from viewers.state.windowing import WindowLevel, preset_for

#: How many lesion diameters the field of view spans after "go to lesion".
LESION_VIEW_DIAMETERS = 6.0
MIN_LESION_VIEW_MM = 20.0
#: Pixels per side of a resampled (registered, hence oblique) slice in a grid view.
GRID_MAX_SIDE = 256
#: See the module docstring.
OVERLAY_MODES = ("view", "rating", "review")


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
        ``"view"``, ``"rating"`` or ``"review"`` (see the module docstring).
    display_spacing_mm : float, optional
        Voxel size of the display grid (default: the reference image's smallest voxel).
    """

    def __init__(self, loader: VolumeLoader, layout: GridLayout | None = None,
                 windows: dict[str, tuple[float, float]] | None = None, *, overlay_mode: str = "view",
                 display_spacing_mm: float | None = None) -> None:
        _check_mode(overlay_mode)
        self.overlay_mode = overlay_mode
        self.display_spacing_mm = display_spacing_mm
        self.display_grid: DisplayGrid | None = None
        self.loader = loader
        self.layout = layout or GridLayout()
        self.cursor, self.geometry = WorldCursor(), ViewGeometry()
        self.windows = {key: WindowLevel(*windows[key]) if windows and key in windows else WindowLevel()
                        for key in COLUMNS}
        # Saved windows apply to quantitative maps only (R2*, MD, R1...: a display preset
        # exists): physical units carry over between sessions and studies; the scanner
        # units of raw images, DWI traces and SWI do not.
        self._saved_windows = set(windows or ())
        self._window_set: set[str] = set()
        self._derived_columns: set[str] = set()
        self.cells: dict[tuple[str, str], GridCell] = {}
        self.participant: Participant | None = None
        self.truth = None
        self.lesions: list[Lesion] = []
        self.layers: list[LabelLayer] = []
        self.focus: tuple[str, str] | None = None
        self.changed = EventEmitter()
        self.layout.changed.connect(self._on_layout)

    # -- opening ---------------------------------------------------------------------
    def open(self, participant: Participant) -> None:
        """Show ``participant``: place the field of view, then request every visible cell's volume."""
        self.loader.forget_pending()
        self._drop_cells()
        self.participant = participant
        self._read_overlays()
        self._place_field_of_view()
        self._ensure_cells()
        self.changed.emit(what="structure")
        self.changed.emit(what="lesions")

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
            self._window_set.discard(key[1])   # raw -> map: the map's own window
            self.cells.pop(key).view.close()
        self._ensure_cells()
        if changed:
            self.changed.emit(what="structure")
        return changed

    def _outdated(self, cell: GridCell) -> bool:
        visit = self.participant.visit(cell.visit.session)
        source = resolve_cell(visit, cell.column)
        placement = placement_of(visit, source.acquisition)
        return (source.path, source.index, source.status) != (cell.source.path, cell.source.index,
                                                                cell.source.status) \
            or placement.registered != cell.placement.registered \
            or not np.allclose(placement.matrix, cell.placement.matrix)

    def set_overlay_mode(self, mode: str) -> None:
        """Switch between ``"view"``, ``"rating"`` and ``"review"``: overlays and lesions are re-read."""
        _check_mode(mode)
        if mode == self.overlay_mode:
            return
        self.overlay_mode = mode
        if self.participant is None:
            return
        self._read_overlays()
        for cell in self.cells.values():
            cell.clear_layers()
            self._add_overlays(cell)
            self.changed.emit(what="cell", key=cell.key)
        self.changed.emit(what="lesions")

    def placement(self, session: str, acquisition_key: str):
        """The placement of a visit's acquisition (see :func:`viewers.state.placement.placement_of`)."""
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
        """The cell of a visit and column (KeyError when not shown)."""
        return self.cells[(session, column_key)]

    def has_window(self, column_key: str) -> bool:
        """True when a column shows a quantitative map whose window is worth saving."""
        return column_key in self._window_set and column_key in self._derived_columns

    def row_title(self, visit: Visit) -> str:
        """``"ses-03  2023-06-13  week 8.3"``."""
        date = visit.date.strftime("%Y-%m-%d") if visit.date else "no date"
        weeks = "" if visit.weeks_since_baseline is None else f"  week {visit.weeks_since_baseline:.1f}"
        return f"{visit.session}  {date}{weeks}"

    # -- read-outs ---------------------------------------------------------------------------
    def values_at_cursor(self) -> dict[str, list[float | None]]:
        """Column key -> the value at the cursor at every visible visit (None: nothing shown there)."""
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
            weeks.append(visit.weeks_since_baseline if visit.weeks_since_baseline is not None else 4.0 * number)
        return weeks

    def voxel_at_cursor(self, session: str, column_key: str) -> tuple[int, int, int] | None:
        """The voxel (of that cell's own image) under the cursor."""
        cell = self.cells.get((session, column_key))
        return None if cell is None or cell.view.volume is None else cell.view.volume.native.voxel_at(self.cursor.position)

    def lesions_at_cursor(self) -> list[str]:
        """Lesions under the cursor in the focused cell's visit (truth and raters' labels)."""
        if self.focus is None or self.focus not in self.cells:
            candidates = list(self.cells.values())[:1]
        else:
            candidates = [self.cells[self.focus]]
        found = []
        for cell in candidates:
            found += [text for text in cell.lesions_at(self.cursor.position) if text not in found]
        return found

    def point_markers(self) -> list[Lesion]:
        """Lesions drawn as points (microbleeds)."""
        return [lesion for lesion in self.lesions if lesion.type in POINT_TYPES]

    # -- intents --------------------------------------------------------------------------------
    def go_to_lesion(self, lesion: Lesion) -> None:
        """Centre every view on the lesion and zoom so that it spans a sixth of the view."""
        self.cursor.set_position(lesion.centre, source="go-to-lesion")
        fov = self.geometry.shared_field_of_view()
        if fov is None:
            return
        span = max(LESION_VIEW_DIAMETERS * 2 * lesion.radius_mm, MIN_LESION_VIEW_MM)
        self.geometry.look_at(lesion.centre, zoom=max(fov[2], fov[3]) / span)
        if lesion.onset_session and lesion.onset_session in {v.session for v in self.visible_visits()}:
            self.set_focus(lesion.onset_session, self.focus[1] if self.focus else self.layout.visible_columns()[0])

    def set_focus(self, session: str, column_key: str) -> None:
        """The cell the rater works in (keyboard window/level, lesion read-out, histogram)."""
        if self.focus != (session, column_key):
            self.focus = (session, column_key)
            self.changed.emit(what="focus", key=self.focus)

    # -- internals -------------------------------------------------------------------------------
    def _read_overlays(self) -> None:
        """Truth and raters' layers and lesions allowed by the overlay mode (blinding)."""
        participant = self.participant
        study_root = participant.visits[0].study_root if participant.visits else None
        showing_truth = study_root is not None and self.overlay_mode != "rating"
        self.truth = load_participant_truth(study_root, participant.label) if showing_truth else None
        reviewing = study_root is not None and self.overlay_mode == "review"
        self.layers, rater_lesions = rater_layers(study_root, participant.label) if reviewing else ([], [])
        self.lesions = rater_lesions + (truth_lesions(self.truth, participant, self.placement)
                                        if self.truth is not None else [])

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
        and its smallest voxel size."""
        from processing.registration.chain import header_grid

        first = self.participant.visits[0] if self.participant and self.participant.visits else None
        if first is None or not first.acquisitions:
            return None
        key = next((k for k in sorted(first.acquisitions) if k.startswith("dwi")), next(iter(first.acquisitions)))
        try:
            grid = header_grid(first, key)
        except Exception:  # noqa: BLE001 - an unreadable header: every view keeps its own field of view
            return None
        affine = placement_of(first, key).display_affine(grid.affine)
        corners = np.array(np.meshgrid(*[(-0.5, n - 0.5) for n in grid.shape], indexing="ij")).reshape(3, -1).T
        world = corners @ affine[:3, :3].T + affine[:3, 3]
        spacing = float(np.linalg.norm(affine[:3, :3], axis=0).min())
        return np.array([world.min(axis=0), world.max(axis=0)]), spacing

    def _ensure_cells(self) -> None:
        wanted = {(v.session, c.key): (v, c) for v in self.visible_visits() for c in self.visible_columns()}
        for key in [k for k in self.cells if k not in wanted]:
            self.cells.pop(key).view.close()
        for key, (visit, column) in wanted.items():
            if key not in self.cells:
                self._make_cell(visit, column)

    def _make_cell(self, visit: Visit, column: Column) -> None:
        source = resolve_cell(visit, column)
        view = SliceViewModel(self.cursor, self.geometry, self.windows[column.key])
        view.max_side = GRID_MAX_SIDE
        cell = GridCell(visit, column, view, source, placement_of(visit, source.acquisition))
        self.cells[cell.key] = cell
        if not source.loadable:
            cell.state = "empty"
        else:
            self.loader.request(source.path, source.index, column.modality,
                                lambda volume, error, c=cell: self._arrived(c, volume, error),
                                **self._preparation(cell.placement, order=1))
        self._add_overlays(cell)

    def _preparation(self, placement, order: int) -> dict:
        """Loader options that place a volume and resample it once into the display grid."""
        grid = self.display_grid
        if grid is None:
            return {}

        def prepare(volume: Volume) -> Volume:
            placed = Volume(volume.data, placement.display_affine(volume.affine), volume.modality,
                            volume.label, volume.window)
            return resample_into(placed, grid, order=order)

        return {"prepare": prepare, "variant": ("display", grid.key, placement.matrix.tobytes(), order)}

    def _placed(self, cell: GridCell, volume: Volume, modality: str, label: str) -> Volume:
        """A delivered volume in the reference space (already so when resampled into the display grid)."""
        if self.display_grid is not None:
            return Volume(volume.data, volume.affine, modality, label, volume.window, volume.source)
        return Volume(volume.data, cell.placement.display_affine(volume.affine), modality, label, volume.window)

    def _add_overlays(self, cell: GridCell) -> None:
        for layer in self.layers:
            cell.add_layer(layer)
        truth_path = truth_map_path(self.truth, cell.visit.session, cell.source.acquisition)
        if truth_path is not None and cell.source.loadable:
            self.loader.request(truth_path, 0, "labels", lambda volume, error, c=cell: self._truth_arrived(c, volume),
                                **self._preparation(cell.placement, order=0))

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

    def _truth_arrived(self, cell: GridCell, volume: Volume | None) -> None:
        if volume is None or self.cells.get(cell.key) is not cell or self.truth is None:
            return
        if any(layer.name == "truth" for layer in cell.layers):
            return  # a request made before an overlay-mode switch
        placed = self._placed(cell, volume, "labels", "truth")
        cell.add_layer(LabelLayer("truth", placed, TRUTH_COLOUR, lesion_names(self.truth), {cell.visit.session}))
        self.changed.emit(what="cell", key=cell.key)

    def _drop_cells(self) -> None:
        for cell in self.cells.values():
            cell.view.close()
        self.cells.clear()

    def _on_layout(self, what: str) -> None:
        if self.participant is not None:
            self._ensure_cells()
            self.changed.emit(what="structure")



def _check_mode(mode: str) -> None:
    if mode not in OVERLAY_MODES:
        raise ValueError(f"overlay mode must be one of {OVERLAY_MODES}, not {mode!r}")
