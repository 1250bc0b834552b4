"""The tool box: the active tool, ctrl-click picking, and undo/redo for one label volume.

A view forwards its press/move/release here. Ctrl-press picks the lesion under
the cursor whatever tool is active (the whole press-move-release goes to the
picker); otherwise the active tool gets the events.
"""

from __future__ import annotations

from typing import Protocol

from processing.annotations.labels import LabelVolume
from viewers.state.events import EventEmitter
from viewers.state.tools.brush import BrushTool, EraserTool
from viewers.state.tools.events import LesionSelection, ToolEvent
from viewers.state.tools.fill import ViewFillTool
from viewers.state.tools.picker import LesionPicker
from viewers.state.tools.polygon import PolygonTool
from viewers.state.undo import LabelHistory


class Tool(Protocol):
    """What the tool box needs of a tool: the three pointer events."""

    def press(self, event: ToolEvent) -> None:
        """Start a stroke (or act at once) at the event's position."""
        ...

    def move(self, event: ToolEvent) -> None:
        """Continue the stroke."""
        ...

    def release(self, event: ToolEvent) -> None:
        """End the stroke."""
        ...


class ToolBox:
    """Route pointer events to tools; own the selection and the undo history.

    Parameters
    ----------
    labels : LabelVolume
        The reference-space labels every view paints.
    history_steps : int
        Undo steps kept (at least 100).
    """

    def __init__(self, labels: LabelVolume, history_steps: int = 100):
        self.labels = labels
        self.selection = LesionSelection()
        self.history = LabelHistory(labels, max_items=history_steps)
        self.tools: dict[str, Tool] = {
            "brush": BrushTool(labels, self.selection),
            "eraser": EraserTool(labels, self.selection),
            "polygon": PolygonTool(labels, self.selection),
            "fill": ViewFillTool(labels, self.selection),
            "picker": LesionPicker(labels, self.selection),
        }
        self.active_name = "brush"
        self.changed = EventEmitter()
        # visit= the grid row a stroke starts on (None: not a visit's view); unregistered= the
        # acquisition key of a header-aligned view (None: registered)
        self.stroke_started = EventEmitter()
        self._target: Tool | None = None

    @property
    def active(self) -> Tool:
        """The active tool object."""
        return self.tools[self.active_name]

    def add_tool(self, name: str, tool: Tool) -> None:
        """Register a tool (e.g. a :class:`FloodFillTool`, which needs an image)."""
        self.tools[name] = tool

    def activate(self, name: str) -> None:
        """Make ``name`` the active tool."""
        if name not in self.tools:
            raise KeyError(name)
        self.active_name = name
        self.changed.emit(tool=name)

    def press(self, event: ToolEvent) -> None:
        """Start a stroke with the active tool, or with the picker while Ctrl is held."""
        target = self.tools["picker"] if event.has("ctrl") else self.active
        self._target = target
        if target is not self.tools["picker"]:
            # before the stroke: a new lesion gets this visit and placement
            self.stroke_started.emit(visit=event.visit, unregistered=event.unregistered)
        target.press(event)

    def move(self, event: ToolEvent) -> None:
        """Continue the current stroke, if any."""
        if self._target is not None:
            self._target.move(event)

    def release(self, event: ToolEvent) -> None:
        """End the current stroke, if any."""
        if self._target is not None:
            self._target.release(event)
        self._target = None

    def undo(self) -> bool:
        """Undo the last stroke (never in the middle of one)."""
        return not self.labels.in_stroke and self.history.undo()

    def redo(self) -> bool:
        """Redo the last undone stroke."""
        return not self.labels.in_stroke and self.history.redo()
