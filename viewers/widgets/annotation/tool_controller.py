"""Mouse input of any SliceView turned into tool events for the one shared ToolBox.

:class:`ToolController` attaches to existing views from the outside: a Qt event
filter on each view's viewport sees the mouse before the view does. While
painting is on, left and right press / move / release become
:class:`~viewers.state.tools.ToolEvent` s in world millimetres of the reference
space (the view's plane through the shared cursor's depth), and the view never
sees them (no cursor jump under the brush). Ctrl-press picks the lesion under
the pointer whatever the mode. The wheel, the middle button and, with painting
off, everything else go on to the view as before: scrolling while holding the
button paints across slices.

Screen -> world is the view's business: every attached view implements the
pointer protocol (:mod:`viewers.widgets.pointer`), a single
:class:`~viewers.widgets.slice_view.SliceView` and a grid canvas
(:class:`~viewers.widgets.grid_canvas.GridCanvas`, many cells in one widget)
alike; a stroke stays in the region (grid cell) it began in. Each event carries
the clicked view's (or cell's) volume, placed in the reference space: the image
the flood fill fills on, and its visit.
"""

from __future__ import annotations

from PySide6 import QtCore

from viewers.state.events import EventEmitter
from viewers.state.tools import ToolBox, ToolEvent
from viewers.widgets.pointer import PointerTarget

_BUTTONS = {QtCore.Qt.MouseButton.LeftButton: "left", QtCore.Qt.MouseButton.RightButton: "right"}
_MODIFIERS = {
    QtCore.Qt.KeyboardModifier.ControlModifier: "ctrl",
    QtCore.Qt.KeyboardModifier.ShiftModifier: "shift",
    QtCore.Qt.KeyboardModifier.AltModifier: "alt",
}
_PRESS, _MOVE = QtCore.QEvent.Type.MouseButtonPress, QtCore.QEvent.Type.MouseMove
_RELEASE, _DOUBLE = QtCore.QEvent.Type.MouseButtonRelease, QtCore.QEvent.Type.MouseButtonDblClick


def modifier_names(modifiers) -> frozenset:
    """``{"ctrl", "shift", "alt"}`` subset held in a Qt modifier flag set."""
    return frozenset(name for flag, name in _MODIFIERS.items() if modifiers & flag)


class ToolController(QtCore.QObject):
    """Feed the mouse of every attached view to ``toolbox``.

    Attributes
    ----------
    painting : bool
        True: left/right drags go to the active tool; False: the views navigate.
    changed : EventEmitter
        Emits ``painting`` after :meth:`set_painting`.
    """

    def __init__(self, toolbox: ToolBox, parent=None) -> None:
        super().__init__(parent)
        self.toolbox = toolbox
        self.painting = True
        self.changed = EventEmitter()
        self.views: dict[object, object] = {}
        self._stroke_view: PointerTarget | None = None
        self._stroke_region = None
        self._button = "left"

    def set_painting(self, on: bool) -> None:
        """Switch between painting and navigating."""
        self.painting = bool(on)
        self.changed.emit(painting=self.painting)

    def attach(self, view: PointerTarget) -> None:
        """Start listening to a view (idempotent)."""
        viewport = view.pointer_surface()
        if viewport in self.views:
            return
        self.views[viewport] = view
        viewport.installEventFilter(self)
        if viewport is not view:
            view.installEventFilter(self)
        view.destroyed.connect(lambda *_, v=viewport: self.views.pop(v, None))

    def detach(self, view: PointerTarget) -> None:
        """Stop listening to a view."""
        viewport = view.pointer_surface()
        if self.views.pop(viewport, None) is not None:
            viewport.removeEventFilter(self)
            view.removeEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        """Turn key and mouse events of the views into tool events; True when consumed."""
        kind = event.type()
        if kind == QtCore.QEvent.Type.KeyPress and watched in self.views.values():
            return self._key(event)
        view = self.views.get(watched)
        if view is None or kind not in (_PRESS, _MOVE, _RELEASE, _DOUBLE):
            return False
        if kind == _PRESS:
            return self._press(view, event)
        if kind == _DOUBLE:
            return self._double_click(view, event)
        if self._stroke_view is not view:
            return False
        tool_event = self._tool_event(view, event, self._button)
        if kind == _MOVE:
            self.toolbox.move(tool_event)
        else:
            self._stroke_view = self._stroke_region = None
            self.toolbox.release(tool_event)
        return True

    # -- handlers --------------------------------------------------------------------------
    def _press(self, view, event) -> bool:
        button = _BUTTONS.get(event.button())
        modifiers = modifier_names(event.modifiers())
        if button is None or not (self.painting or "ctrl" in modifiers):
            return False
        hit = view.hit(event.position())
        if hit is None:
            return False  # a grid canvas outside its cells (headers)
        if self._stroke_view is not None:  # a press of the other button mid-stroke ends it
            self.toolbox.release(self._tool_event(self._stroke_view, event, self._button))
        self._stroke_region = hit.region
        self._button, self._stroke_view = button, view
        self.toolbox.press(self._tool_event(view, event, button))
        return True

    def _double_click(self, view, event) -> bool:
        if not self.painting or self.toolbox.active_name != "polygon":
            return False
        self.toolbox.active.close()
        return True

    def _key(self, event) -> bool:
        if self.toolbox.active_name != "polygon" or not self.toolbox.active.vertices:
            return False
        if event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            self.toolbox.active.close()
            return True
        if event.key() == QtCore.Qt.Key.Key_Escape:
            self.toolbox.active.cancel()
            return True
        return False

    def _tool_event(self, view: PointerTarget, event, button: str) -> ToolEvent:
        hit = view.hit(event.position(), self._stroke_region)
        return ToolEvent(
            tuple(float(c) for c in hit.world),
            hit.plane,
            button,
            modifier_names(event.modifiers()),
            hit.model.volume,
            hit.visit,
            hit.unregistered,
        )
