"""One image view: a pyqtgraph ImageItem of a pre-windowed uint8 slice and a crosshair.

The view draws what its :class:`~viewers.state.slice_view_model.SliceViewModel`
says and forwards the mouse to it: a left click or drag sets the shared cursor,
the wheel moves one slice, Ctrl+wheel zooms and a middle drag pans the shared
geometry, a right drag changes the shared window (right: wider, up: higher level).
pyqtgraph's own mouse zoom and pan are off, so the shared
model is the only place the visible range comes from (linking views pairwise
drifts, pyqtgraph issue 1348).

Mouse-move floods are coalesced: a left drag only records the latest point,
and one zero-delay timer shared by every view applies it once per pass of the
event loop (so a burst of moves costs one cursor update and one redraw).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from viewers.state.slice_view_model import SliceViewModel
from viewers.widgets.coalesce import Coalescer
from viewers.widgets.pointer import PointerHit, on_cursor_slice

CROSSHAIR_PEN = pg.mkPen((255, 200, 0, 170), width=1)
ZOOM_PER_WHEEL_STEP = 1.25


def drag_to(model: SliceViewModel, u: float, v: float) -> None:
    """Put ``model``'s cursor at a drag point (the function drag coalescers call)."""
    model.click(u, v)


class _InteractionViewBox(pg.ViewBox):
    """A ViewBox whose mouse events become intents on the view model."""

    def __init__(self, model: SliceViewModel) -> None:
        super().__init__(lockAspect=True, enableMenu=False, invertY=False)
        self.setMouseEnabled(False, False)
        self.model = model
        self.drags = Coalescer(
            drag_to
        )  # the latest drag point, once per pass (no Qt parent: a ViewBox is a graphics item)

    def mouseClickEvent(self, ev, axis=None) -> None:
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            self._set_cursor(ev.pos())
        else:
            ev.ignore()

    def mouseDragEvent(self, ev, axis=None) -> None:
        ev.accept()
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            point = self.mapToView(ev.pos())
            self.drags.submit(self.model, point.x(), point.y())
            if ev.isFinish():
                self.drags.flush()
        elif ev.button() == QtCore.Qt.MouseButton.MiddleButton:
            now, before = self.mapToView(ev.pos()), self.mapToView(ev.lastPos())
            self.model.geometry.pan_by(before.x() - now.x(), before.y() - now.y())
        elif ev.button() == QtCore.Qt.MouseButton.RightButton:
            moved, size = ev.pos() - ev.lastPos(), self.boundingRect()
            self.model.window.drag(
                moved.x() / max(size.width(), 1.0), -moved.y() / max(size.height(), 1.0)
            )

    def wheelEvent(self, ev, axis=None) -> None:
        ev.accept()
        steps = 1 if ev.delta() > 0 else -1
        if ev.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier:
            self.model.geometry.zoom_by(ZOOM_PER_WHEEL_STEP**steps)
        else:
            self.model.scroll(steps)

    def _set_cursor(self, scene_pos) -> None:
        point = self.mapToView(scene_pos)
        self.model.click(point.x(), point.y())


class SliceView(pg.GraphicsView):
    """Draws one :class:`SliceViewModel`; create many over shared models for a grid.

    Parameters
    ----------
    model : SliceViewModel
        The view's display state (its cursor and geometry may be shared).
    title : str, optional
        Text shown in the top-left corner (e.g. ``"FLAIR  ses-03"``).
    """

    def __init__(self, model: SliceViewModel, title: str = "", parent=None) -> None:
        super().__init__(parent, background="k")
        self.model = model
        self.view_box = _InteractionViewBox(model)
        self.setCentralItem(self.view_box)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.view_box.addItem(self.image_item)
        self.crosshair = (
            pg.InfiniteLine(angle=90, pen=CROSSHAIR_PEN, movable=False),
            pg.InfiniteLine(angle=0, pen=CROSSHAIR_PEN, movable=False),
        )
        for line in self.crosshair:
            self.view_box.addItem(line, ignoreBounds=True)
        self.title = QtWidgets.QLabel(title, self)
        self.title.setStyleSheet("color: #ddd; background: transparent; padding: 3px;")
        self.title.move(2, 2)
        self._listeners = (
            (self.model.events.image, self._draw_image),
            (self.model.events.cursor, self._draw_crosshair),
            (self.model.events.range, self._apply_range),
        )
        for emitter, listener in self._listeners:
            emitter.connect(listener)
        self.refresh()

    # -- the pointer protocol (viewers.widgets.pointer) --------------------------------------------
    def pointer_surface(self) -> QtWidgets.QWidget:
        """Return the widget that receives the mouse: the graphics view's viewport."""
        return self.viewport()

    def hit(self, position: QtCore.QPointF, region: None = None) -> PointerHit:
        """Return the image point under a viewport position, on the cursor's slice."""
        point = self.view_box.mapSceneToView(self.mapToScene(position.toPoint()))
        return PointerHit(
            on_cursor_slice(self.model, point.x(), point.y()), self.model.plane, self.model
        )

    def set_title(self, text: str) -> None:
        """Change the corner label."""
        self.title.setText(text)
        self.title.adjustSize()

    def refresh(self) -> None:
        """Redraw pixels, crosshair and visible range from the model."""
        self._draw_image()
        self._draw_crosshair()
        self._apply_range()

    def closeEvent(self, event) -> None:
        """Stop listening to the model before the view closes."""
        for emitter, listener in self._listeners:
            emitter.disconnect(listener)
        super().closeEvent(event)

    def _draw_image(self) -> None:
        pixels = self.model.pixels()
        if pixels is None:
            self.image_item.clear()
            return
        self.image_item.setImage(pixels, levels=(0, 255), autoLevels=False)
        self.image_item.setRect(QtCore.QRectF(*self.model.current_slice().rect))

    def _draw_crosshair(self) -> None:
        u, v = self.model.crosshair()
        self.crosshair[0].setValue(u)
        self.crosshair[1].setValue(v)

    def _apply_range(self) -> None:
        rect = self.model.visible_rect()
        if rect is not None:
            self.view_box.setRange(QtCore.QRectF(*rect), padding=0.0)
