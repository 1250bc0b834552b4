"""Attach a rater session to the views of a window, from the outside, in one call.

``attach_annotation(main_window, session)`` finds every
:class:`~viewers.widgets.SliceView` under the window (grid cells included),
routes their mouse to the session's tools (:class:`ToolController`), draws the
rater's mask over each (:class:`MaskOverlay`), adds the :class:`AnnotationPanel`
as a dock on the right, and points the lesion table at the views' shared
cursor. Views made later (the grid rebuilds its cells when the layout changes)
are picked up by :meth:`AnnotationAttachment.rescan`, which a window may call
after a rebuild and which also runs by itself every ``RESCAN_MS``.
It accepts a plain list of views too (then no dock is added; use ``.panel``).
A grid canvas (the main window's grid, every cell one tile) is attached as a
whole: painting in any tile paints the one mask, drawn over every tile.
With ``cursor=`` only views on that cursor are attached (the grid's, not a
single-image view of a raw file in its own space).
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from app.annotation.panel import AnnotationPanel
from app.annotation.rater_session import RaterSession
from viewers.state.tools.label_slice import MaskStyle
from viewers.widgets.annotation import GridMaskOverlay, MaskOverlay, ToolController
from viewers.widgets.grid_canvas import GridCanvas
from viewers.widgets.slice_view import SliceView

RESCAN_MS = 1000


class AnnotationAttachment(QtCore.QObject):
    """What :func:`attach_annotation` made: controller, overlays, panel, dock."""

    def __init__(self, session: RaterSession, target, style: MaskStyle, cursor=None) -> None:
        super().__init__(target if isinstance(target, QtWidgets.QWidget) else None)
        self.session, self.target, self.style, self.cursor = session, target, style, cursor
        if cursor is not None:
            session.use_cursor(cursor)
        self.controller = ToolController(session.toolbox, self)
        self.overlays: dict[SliceView, MaskOverlay] = {}
        self.panel = AnnotationPanel(session, self.controller, style)
        self.dock: QtWidgets.QDockWidget | None = None

    def attach_view(self, view: SliceView) -> None:
        """Paint in and draw over one more view (idempotent)."""
        if view in self.overlays:
            return
        if self.cursor is not None and view.model.cursor is not self.cursor:
            return
        if not self.overlays and self.cursor is None:
            self.session.use_cursor(view.model.cursor)
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
    main_window_or_views, session: RaterSession, style: MaskStyle | None = None, cursor=None
) -> AnnotationAttachment:
    """Attach ``session`` to a main window (dock + every view) or to a list of views.

    ``cursor``: attach only the views on this cursor, and go to lesions with it.
    """
    attachment = AnnotationAttachment(session, main_window_or_views, style or MaskStyle(), cursor)
    if isinstance(main_window_or_views, QtWidgets.QWidget):
        attachment.rescan()
        timer = QtCore.QTimer(attachment)
        timer.timeout.connect(attachment.rescan)
        timer.start(RESCAN_MS)
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
