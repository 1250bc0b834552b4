"""Attach a rater session to the views of a window, from the outside, in one call.

``attach_annotation(main_window, session)`` finds every
:class:`~viewers.widgets.SliceView` under the window (grid cells included),
routes their mouse to the session's tools (:class:`ToolController`), draws the
rater's mask over each (:class:`MaskOverlay`), adds the :class:`AnnotationPanel`
as a dock on the right. The views and the session share one cursor (the
session is made with it: going to a lesion moves every view). Views made
later are picked up by :meth:`AnnotationAttachment.rescan`, which the window
calls when its views change (the main window: on the grid's structure event);
nothing polls. It accepts a plain list of views too (then no dock is added;
use ``.panel``). A grid canvas (the main window's grid, every cell one tile)
is attached as a whole: painting in any tile paints the one mask, drawn over
every tile, new tiles of a rebuilt grid included. Views in ``skip`` are left
alone (the main window's single-image tab: a stroke there would record
neither the visit nor how the image is placed).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6 import QtCore, QtWidgets

from app.annotation.panel import AnnotationPanel
from app.annotation.rater_session import RaterSession
from viewers.state.tools.label_slice import MaskStyle
from viewers.widgets.annotation import GridMaskOverlay, MaskOverlay, ToolController
from viewers.widgets.grid_canvas import GridCanvas
from viewers.widgets.slice_view import SliceView


class AnnotationAttachment(QtCore.QObject):
    """What :func:`attach_annotation` made: controller, overlays, panel, dock."""

    def __init__(self, session: RaterSession, target, style: MaskStyle, skip=()) -> None:
        super().__init__(target if isinstance(target, QtWidgets.QWidget) else None)
        self.session, self.target, self.style, self.skip = session, target, style, list(skip)
        self.controller = ToolController(session.toolbox, self)
        self.overlays: dict[SliceView, MaskOverlay] = {}
        self.panel = AnnotationPanel(session, self.controller, style)
        self.dock: QtWidgets.QDockWidget | None = None

    def attach_view(self, view: SliceView) -> None:
        """Paint in and draw over one more view (idempotent)."""
        if view in self.overlays or any(view is skipped for skipped in self.skip):
            return
        self.controller.attach(view)
        overlay = GridMaskOverlay if isinstance(view, GridCanvas) else MaskOverlay
        self.overlays[view] = overlay(
            view, self.session.labels, self.session.toolbox.selection, self.style
        )
        view.destroyed.connect(lambda *_, v=view: self.overlays.pop(v, None))

    def rescan(self) -> None:
        """Attach to views (and grid canvases) of the target window made since the last scan."""
        if isinstance(self.target, QtWidgets.QWidget):
            for view in self.target.findChildren(SliceView) + self.target.findChildren(GridCanvas):
                self.attach_view(view)

    def detach(self) -> None:
        """Take everything off the views and the window (the session stays open)."""
        for view, overlay in list(self.overlays.items()):
            self.controller.detach(view)
            overlay.detach()
        self.overlays.clear()
        if self.dock is not None:
            self.target.removeDockWidget(self.dock)
            self.dock.deleteLater()


def attach_annotation(
    main_window_or_views,
    session: RaterSession,
    style: MaskStyle | None = None,
    skip: Iterable[QtWidgets.QWidget] = (),
) -> AnnotationAttachment:
    """Attach ``session`` to a main window (dock + every view) or to a list of views.

    The session must have been made with the views' cursor. ``skip``: views
    not to paint in nor draw over.
    """
    attachment = AnnotationAttachment(session, main_window_or_views, style or MaskStyle(), skip)
    if isinstance(main_window_or_views, QtWidgets.QWidget):
        attachment.rescan()
    else:
        for view in main_window_or_views:
            attachment.attach_view(view)
    if isinstance(main_window_or_views, QtWidgets.QMainWindow):
        dock = QtWidgets.QDockWidget("Annotation", main_window_or_views)
        dock.setObjectName("annotation-dock")
        dock.setWidget(attachment.panel)
        main_window_or_views.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
        attachment.dock = dock
    return attachment
