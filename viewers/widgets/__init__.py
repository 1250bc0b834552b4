"""Qt widgets (PySide6 + pyqtgraph) that draw the display state of :mod:`viewers.state`.

Widgets observe the Qt-free models and send intents back to them; they hold no
state of their own that another view would need. :class:`SliceView` draws one
:class:`~viewers.state.slice_view_model.SliceViewModel`: a grid of modalities x
visits is many of them over one shared cursor and geometry.
"""

from viewers.widgets.slice_view import SliceView

__all__ = ["SliceView"]
