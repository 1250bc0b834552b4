"""Qt-free annotation tools and the models the annotation widgets show.

Tools are plain objects driven by ``press(event)``, ``move(event)`` and
``release(event)`` with a :class:`ToolEvent` (world mm, button, modifiers, the
view's plane); they edit a :class:`processing.annotations.LabelVolume` in the
reference space, one stroke = one committed edit = one undo step.

- :mod:`.brush`: :class:`BrushTool` (2D disc / 3D ball, mm; right button erases),
  :class:`EraserTool`.
- :mod:`.fill`: :class:`FloodFillTool` within an intensity range; :class:`ViewFillTool`, the
  same on the clicked view's image with a click-relative range.
- :mod:`.polygon`: :class:`PolygonTool`.
- :mod:`.picker`: :class:`LesionPicker` and :func:`lesion_at` (ctrl-click).
- :mod:`.toolbox`: :class:`ToolBox`, routing events, selection, undo/redo.
- :mod:`.lesion_table`: :class:`LesionTableModel` (sort, filter, go to, next unrated).
- :mod:`.rating_form`: :class:`RatingFormModel`, a rating form driven by keys alone.
- :mod:`.consensus_form`: :class:`~.consensus_form.ItemForm`, a consensus queue item's form
  (agreed answers filled in, conflicts marked with both answers).
"""

from viewers.state.tools.brush import BrushTool, EraserTool
from viewers.state.tools.events import LesionSelection, ToolEvent, event
from viewers.state.tools.fill import FloodFillTool, ViewFillTool
from viewers.state.tools.lesion_table import LesionTableModel
from viewers.state.tools.picker import LesionPicker, lesion_at
from viewers.state.tools.polygon import PolygonTool
from viewers.state.tools.rating_form import RatingFormModel
from viewers.state.tools.toolbox import ToolBox

__all__ = [
    "BrushTool",
    "EraserTool",
    "LesionSelection",
    "ToolEvent",
    "event",
    "FloodFillTool",
    "ViewFillTool",
    "LesionTableModel",
    "LesionPicker",
    "lesion_at",
    "PolygonTool",
    "RatingFormModel",
    "ToolBox",
]
