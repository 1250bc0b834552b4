"""The rater's lesion mask drawn over a SliceView, from the one label volume.

:class:`MaskOverlay` adds an RGBA ImageItem to a view's ViewBox (above the
image and its other overlays) showing the label volume's slice through the
view's plane at the shared cursor (:func:`viewers.state.tools.label_slice.label_plane`,
nearest neighbour in the label grid's own affine). It redraws when the view's
slice or orientation changes, when any voxel is written (every dab of a stroke,
undo, redo), when the selected lesion changes and when the shared
:class:`~viewers.state.tools.label_slice.MaskStyle` changes. A burst of those
costs one redraw: requests are coalesced (:class:`~viewers.widgets.coalesce.Coalescer`).

:class:`GridMaskOverlay` does the same for a whole grid canvas: every cell
shows the same reference plane, so the label slice is cut once and the canvas
draws it over every tile.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from processing.annotations.labels import LabelVolume
from viewers.state.tools.events import LesionSelection
from viewers.state.tools.label_slice import MaskStyle, label_plane, overlay_rgba, slice_key
from viewers.widgets.coalesce import Coalescer

OVERLAY_Z = 20


class _LabelOverlay(QtCore.QObject):
    """What both overlays share: listen to the labels and models, redraw once per event-loop pass.

    Subclasses set their own attributes, then call :meth:`_listen` with the
    ``(emitter, callback)`` pairs of their models and the widget whose
    destruction ends the overlay, and implement :meth:`redraw`.
    """

    def _listen(self, labels: LabelVolume, connections: list, widget) -> None:
        self._redraws = Coalescer(self.redraw, parent=self)
        self._key = None
        self.shown_ids: np.ndarray | None = None
        self._connections = connections
        for emitter, callback in self._connections:
            emitter.connect(callback)
        labels.subscribe_live(self._on_any)
        labels.subscribe(self._on_any)
        widget.destroyed.connect(self._forget)
        self.redraw()

    def schedule(self) -> None:
        """Redraw on the next pass of the event loop."""
        self._redraws.poke()

    def redraw(self) -> None:  # pragma: no cover - implemented by subclasses
        raise NotImplementedError

    def _rgba(self, ids: np.ndarray) -> np.ndarray:
        """Return the label slice ``ids`` coloured by the style, the selected lesion marked."""
        style = self.style
        return overlay_rgba(ids, style.mode, style.opacity, self.selection.lesion_id, style.colour)

    def _on_any(self, *args, **kwargs) -> None:
        self.schedule()

    def _forget(self, *args) -> None:
        self._redraws.cancel()
        for emitter, callback in self._connections:
            emitter.disconnect(callback)
        self.labels.unsubscribe_live(self._on_any)
        self.labels.unsubscribe(self._on_any)


class MaskOverlay(_LabelOverlay):
    """Draw ``labels`` over ``view`` until :meth:`detach` (or the view's destruction)."""

    def __init__(
        self, view, labels: LabelVolume, selection: LesionSelection, style: MaskStyle
    ) -> None:
        super().__init__(view)
        self.view, self.labels, self.selection, self.style = view, labels, selection, style
        self.item = pg.ImageItem(axisOrder="row-major")
        self.item.setZValue(OVERLAY_Z)
        view.view_box.addItem(self.item, ignoreBounds=True)
        self._listen(
            labels,
            [
                (view.model.events.image, self.schedule),
                (view.model.events.cursor, self._on_cursor),
                (selection.changed, self._on_any),
                (style.changed, self._on_any),
            ],
            view,
        )

    def redraw(self) -> None:
        """Cut, colour and show the label slice now."""
        if not self.style.visible or self.view.model.volume is None:
            self.item.clear()
            return
        plane, position = self.view.model.plane, self.view.model.cursor.position
        with self.labels.lock:
            cut = label_plane(self.labels, plane, position)
        self._key = slice_key(self.labels, plane, position)
        ids = cut.data if cut.inside else np.zeros_like(cut.data)
        self.item.setImage(
            self._rgba(ids),
            autoLevels=False,
            levels=(0, 255),
        )
        self.item.setRect(QtCore.QRectF(*cut.rect))
        self.shown_ids = ids

    def detach(self) -> None:
        """Remove the item and stop listening."""
        self._forget()
        self.view.view_box.removeItem(self.item)

    def _on_cursor(self) -> None:
        model = self.view.model
        if self._key != slice_key(self.labels, model.plane, model.cursor.position):
            self.schedule()


class GridMaskOverlay(_LabelOverlay):
    """Draw ``labels`` over every tile of a :class:`~viewers.widgets.grid_canvas.GridCanvas`."""

    def __init__(
        self, canvas, labels: LabelVolume, selection: LesionSelection, style: MaskStyle
    ) -> None:
        super().__init__(canvas)
        self.canvas, self.labels, self.selection, self.style = canvas, labels, selection, style
        self.cursor, self.geometry = canvas.model.cursor, canvas.model.geometry
        self._listen(
            labels,
            [
                (self.cursor.changed, self._on_cursor),
                (self.geometry.events.orientation, self._on_any),
                (self.geometry.events.zoom, self._on_any),
                (self.geometry.events.pan, self._on_any),
                (selection.changed, self._on_any),
                (style.changed, self._on_any),
            ],
            canvas,
        )

    def redraw(self) -> None:
        """Cut, colour and hand the label slice to the canvas now."""
        if not self.style.visible:
            self.shown_ids = None
            self.canvas.set_top_overlay(None)
            return
        plane, position = self.geometry.plane, self.cursor.position
        with self.labels.lock:
            cut = label_plane(self.labels, plane, position)
        self._key = slice_key(self.labels, plane, position)
        ids = cut.data if cut.inside else np.zeros_like(cut.data)
        self.shown_ids = ids
        self.canvas.set_top_overlay(
            self._rgba(ids),
            cut.rect,
        )

    def detach(self) -> None:
        """Stop drawing and listening."""
        self._forget()
        self.canvas.set_top_overlay(None)

    def _on_cursor(self, position=None, source=None) -> None:
        if self._key != slice_key(self.labels, self.geometry.plane, self.cursor.position):
            self.schedule()
