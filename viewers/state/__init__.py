"""Qt-free display state: the truth that every widget observes.

Nothing here imports Qt or pyqtgraph (``tests/test_layering.py`` checks it), so
every model is tested without a screen.

- :mod:`~viewers.state.events`: :class:`EventEmitter`, the tiny observer hub, and
  :class:`~viewers.state.events.EventGroup`, one named emitter per kind of change
  (``model.events.image``, ``grid.events.structure``, ...).
- :mod:`~viewers.state.cursor`: :class:`WorldCursor`, the one cursor in RAS mm.
- :mod:`~viewers.state.geometry`: :class:`ViewGeometry` (orientation, zoom, pan)
  and the display planes of the three orientations.
- :mod:`~viewers.state.windowing`: :class:`WindowLevel`, modality presets and
  :func:`to_uint8`, which pre-windows slices into contiguous uint8.
- :mod:`~viewers.state.slicing`: :func:`extract_plane`, a volume's slice at a
  world position through its affine (oblique images resampled on the plane).
- :mod:`~viewers.state.volume`: :class:`Volume` (data + affine + modality) and
  :func:`load_display_volume`, which picks what to show of an acquisition.
- :mod:`~viewers.state.slice_view_model`: :class:`SliceViewModel`, everything one
  image view shows and every intent it sends, computed without Qt.
- The grid of visits x modalities: :mod:`~viewers.state.grid` (:class:`GridModel`,
  which owns a ``grid_placer.CellPlacer``, a ``grid_placer.ColumnWindows`` and a
  ``grid_overlays.GridOverlaySet``),
  ``grid_cell``, ``columns`` (which file a cell shows), ``placement`` (the
  registration's ``to-ref`` transform of an acquisition), ``display_grid`` (the
  one resampling into the display grid), ``loader`` (background volume reads),
  ``mosaic`` (tiles of one canvas), ``layout`` and ``settings`` (saved layouts
  and windows), ``overlays`` and ``truth_overlay`` (raters' masks, the planted
  truth), ``compared`` (how a consensus grid colours its two raters and their
  overlap), ``readout``.
- Annotation: ``undo`` (per-stroke history) and the ``tools`` package (brush,
  eraser, fill, polygon, picker, toolbox, lesion table and rating form models,
  and a consensus item's form).
"""

from viewers.state.cursor import WorldCursor
from viewers.state.events import EventEmitter
from viewers.state.geometry import ORIENTATIONS, Plane, ViewGeometry, plane_for
from viewers.state.slicing import PlaneSlice, extract_plane, voxel_to_world, world_to_voxel
from viewers.state.windowing import PRESETS, WindowLevel, auto_window, preset_for, to_uint8

__all__ = [
    "EventEmitter",
    "WorldCursor",
    "ORIENTATIONS",
    "Plane",
    "ViewGeometry",
    "plane_for",
    "PlaneSlice",
    "extract_plane",
    "voxel_to_world",
    "world_to_voxel",
    "PRESETS",
    "WindowLevel",
    "auto_window",
    "preset_for",
    "to_uint8",
]
