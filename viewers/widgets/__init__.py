"""Qt widgets (PySide6 + pyqtgraph) that draw the display state of :mod:`viewers.state`.

Widgets observe the Qt-free models and send intents back to them; they hold no
state of their own that another view would need. :class:`SliceView` draws one
:class:`~viewers.state.slice_view_model.SliceViewModel`: a grid of modalities x
visits is many of them over one shared cursor and geometry, or one
:class:`~viewers.widgets.grid_canvas.GridCanvas` that draws every cell as a tile.
Both implement one pointer protocol (:mod:`~viewers.widgets.pointer`) for the
annotation tools, and every widget that reacts to bursts of events redraws
through one :class:`~viewers.widgets.coalesce.Coalescer`.
"""

from viewers.widgets.slice_view import SliceView

__all__ = ["SliceView"]
