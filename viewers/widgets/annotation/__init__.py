"""Annotation widgets that attach from the outside to existing SliceViews.

- :mod:`.tool_controller`: :class:`ToolController`, mouse of any SliceView -> the shared ToolBox.
- :mod:`.mask_overlay`: :class:`MaskOverlay`, the label volume's slice drawn over a view;
  :class:`GridMaskOverlay`, the same over every tile of a grid canvas.
- :mod:`.lesion_table`: :class:`LesionTableWidget` over a LesionTableModel.
- :mod:`.rating_form`: :class:`RatingFormWidget`, a schema's form driven by keys or mouse.
- :mod:`.tool_panel`: :class:`ToolPanel` (tool choice, brush size in mm, overlay style)
  and :func:`undo_actions` (Ctrl+Z / Ctrl+Shift+Z).

The Qt-free models they show live in :mod:`viewers.state.tools`.
"""

from viewers.widgets.annotation.mask_overlay import GridMaskOverlay, MaskOverlay
from viewers.widgets.annotation.tool_controller import ToolController

__all__ = ["GridMaskOverlay", "MaskOverlay", "ToolController"]
