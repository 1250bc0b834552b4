"""Tool choice, brush size in millimetres, mask style, and the undo/redo actions.

:class:`ToolPanel` shows the shared :class:`~viewers.state.tools.ToolBox` and
:class:`~viewers.widgets.annotation.ToolController`: "Navigate" hands the
mouse back to the views, every other button activates that tool and turns
painting on. The brush size (diameter, mm) and 2D/3D mode apply to the brush
and the eraser alike. "New lesion" makes the next stroke start a new ID.
The fill row sets the flood fill's intensity range (min, max), whether each
click sets it to the value under the click +- the tolerance ("auto", the
default; the boxes then show the range used), and 2D/3D.
:func:`undo_actions` gives QActions for Ctrl+Z and Ctrl+Shift+Z (also Ctrl+Y)
whose enabled state follows the history.

No single-letter shortcuts here: letters belong to the rating form.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from viewers.state.tools import ToolBox
from viewers.state.tools.label_slice import OVERLAY_MODES, MaskStyle

TOOL_NAMES = {
    "navigate": "Navigate",
    "brush": "Brush",
    "eraser": "Eraser",
    "polygon": "Polygon",
    "fill": "Fill",
    "picker": "Pick",
}


def undo_actions(toolbox: ToolBox, parent: QtCore.QObject) -> tuple[QtGui.QAction, QtGui.QAction]:
    """``(undo, redo)`` actions of the toolbox's history, with their shortcuts."""
    undo = QtGui.QAction("Undo stroke", parent)
    undo.setShortcuts([QtGui.QKeySequence("Ctrl+Z")])
    redo = QtGui.QAction("Redo stroke", parent)
    redo.setShortcuts([QtGui.QKeySequence("Ctrl+Shift+Z"), QtGui.QKeySequence("Ctrl+Y")])
    for action in (undo, redo):
        action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
    undo.triggered.connect(toolbox.undo)
    redo.triggered.connect(toolbox.redo)

    def follow(**_) -> None:
        undo.setEnabled(toolbox.history.can_undo)
        redo.setEnabled(toolbox.history.can_redo)

    toolbox.history.changed.connect(follow)
    follow()
    return undo, redo


class ToolPanel(QtWidgets.QWidget):
    """Buttons and settings of the annotation tools."""

    def __init__(self, toolbox: ToolBox, controller, style: MaskStyle, parent=None) -> None:
        super().__init__(parent)
        self.toolbox, self.controller, self.style = toolbox, controller, style
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._tool_buttons())
        layout.addLayout(self._brush_settings())
        if "fill" in toolbox.tools:
            layout.addLayout(self._fill_settings())
        layout.addLayout(self._mask_settings())
        toolbox.changed.connect(lambda **_: self._show_tool())
        controller.changed.connect(lambda **_: self._show_tool())
        self._show_tool()

    # -- tools -------------------------------------------------------------------------------
    def choose(self, name: str) -> None:
        """Activate a tool, or ``"navigate"`` to give the mouse back to the views."""
        if name == "navigate":
            self.controller.set_painting(False)
            return
        self.toolbox.activate(name)
        self.controller.set_painting(True)

    def set_brush_size(self, size_mm: float) -> None:
        """Diameter of the brush and the eraser, in mm."""
        for name in ("brush", "eraser"):
            self.toolbox.tools[name].size_mm = float(size_mm)
        if abs(self.size_box.value() - size_mm) > 1e-9:
            self.size_box.setValue(size_mm)

    def set_brush_mode(self, mode: str) -> None:
        """``"2d"`` (disc in the view's plane) or ``"3d"`` (ball)."""
        for name in ("brush", "eraser"):
            self.toolbox.tools[name].mode = mode

    def _tool_buttons(self) -> QtWidgets.QGridLayout:
        self.tool_group = QtWidgets.QButtonGroup(self)
        self.tool_buttons: dict[str, QtWidgets.QToolButton] = {}
        grid = QtWidgets.QGridLayout()
        names = [n for n in TOOL_NAMES if n == "navigate" or n in self.toolbox.tools]
        for number, name in enumerate(names):
            button = QtWidgets.QToolButton()
            button.setText(TOOL_NAMES[name])
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, n=name: self.choose(n))
            self.tool_group.addButton(button)
            self.tool_buttons[name] = button
            grid.addWidget(button, number // 3, number % 3)
        new_lesion = QtWidgets.QPushButton("New lesion")
        new_lesion.setToolTip("The next stroke starts a new lesion (Ctrl+N)")
        new_lesion.setShortcut(QtGui.QKeySequence("Ctrl+N"))
        new_lesion.clicked.connect(self.toolbox.selection.start_new_lesion)
        grid.addWidget(new_lesion, 2, 0, 1, 3)
        return grid

    def _brush_settings(self) -> QtWidgets.QHBoxLayout:
        self.size_box = QtWidgets.QDoubleSpinBox()
        self.size_box.setRange(0.2, 30.0)
        self.size_box.setSingleStep(0.5)
        self.size_box.setSuffix(" mm")
        self.size_box.setValue(self.toolbox.tools["brush"].size_mm)
        self.size_box.valueChanged.connect(self.set_brush_size)
        self.mode_box = QtWidgets.QComboBox()
        self.mode_box.addItems(["2d", "3d"])
        self.mode_box.setCurrentText(self.toolbox.tools["brush"].mode)
        self.mode_box.currentTextChanged.connect(self.set_brush_mode)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Brush"))
        row.addWidget(self.size_box)
        row.addWidget(self.mode_box)
        return row

    def set_fill_range(self, low: float, high: float) -> None:
        """Set a fixed fill range (turns the click-relative range off)."""
        fill = self.toolbox.tools["fill"]
        fill.low, fill.high = float(min(low, high)), float(max(low, high))
        self.fill_auto_box.setChecked(False)
        self._show_fill_range(low=fill.low, high=fill.high)

    def _fill_settings(self) -> QtWidgets.QGridLayout:
        fill = self.toolbox.tools["fill"]
        self.fill_low_box, self.fill_high_box, self.fill_tolerance_box = (
            _number_box() for _ in range(3)
        )
        self.fill_tolerance_box.setSpecialValueText(
            "auto"
        )  # minimum = None: 10 % of the image span
        self.fill_tolerance_box.setMinimum(-1.0)
        self.fill_tolerance_box.setValue(-1.0 if fill.tolerance is None else fill.tolerance)
        self.fill_auto_box = QtWidgets.QCheckBox("± click")
        self.fill_auto_box.setToolTip(
            "Each click sets the range to the value under it ± the tolerance"
        )
        self.fill_auto_box.setChecked(fill.auto_range)
        self.fill_mode_box = QtWidgets.QComboBox()
        self.fill_mode_box.addItems(["2d", "3d"])
        self.fill_mode_box.setCurrentText(fill.mode)
        self.fill_auto_box.toggled.connect(lambda on: setattr(fill, "auto_range", bool(on)))
        self.fill_mode_box.currentTextChanged.connect(lambda mode: setattr(fill, "mode", mode))
        self.fill_tolerance_box.valueChanged.connect(
            lambda value: setattr(fill, "tolerance", None if value < 0 else float(value))
        )
        self._fill_typed = False  # a range typed in; Tab through the boxes alone is no edit
        for box in (self.fill_low_box, self.fill_high_box):
            box.valueChanged.connect(lambda _: setattr(self, "_fill_typed", True))
            box.editingFinished.connect(self._fill_range_typed)
        fill.changed.connect(self._show_fill_range)
        rows = QtWidgets.QGridLayout()
        rows.addWidget(QtWidgets.QLabel("Fill"), 0, 0)
        rows.addWidget(self.fill_low_box, 0, 1)
        rows.addWidget(self.fill_high_box, 0, 2)
        rows.addWidget(self.fill_auto_box, 1, 0)
        rows.addWidget(self.fill_tolerance_box, 1, 1)
        rows.addWidget(self.fill_mode_box, 1, 2)
        return rows

    def _fill_range_typed(self) -> None:
        """Take a typed fill range (a box left without a change keeps the click-relative range)."""
        if self._fill_typed:
            self._fill_typed = False
            self.set_fill_range(self.fill_low_box.value(), self.fill_high_box.value())

    def _show_fill_range(self, low: float, high: float) -> None:
        for box, value in ((self.fill_low_box, low), (self.fill_high_box, high)):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)

    def _mask_settings(self) -> QtWidgets.QHBoxLayout:
        self.mask_mode_box = QtWidgets.QComboBox()
        self.mask_mode_box.addItems(list(OVERLAY_MODES))
        self.mask_mode_box.setCurrentText(self.style.mode)
        self.mask_mode_box.currentTextChanged.connect(lambda mode: self.style.set(mode=mode))
        self.opacity_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(int(round(self.style.opacity * 100)))
        self.opacity_slider.valueChanged.connect(lambda value: self.style.set(opacity=value / 100))
        self.visible_box = QtWidgets.QCheckBox("mask")
        self.visible_box.setChecked(self.style.visible)
        self.visible_box.toggled.connect(lambda on: self.style.set(visible=on))
        row = QtWidgets.QHBoxLayout()
        for widget in (self.visible_box, self.mask_mode_box, self.opacity_slider):
            row.addWidget(widget)
        return row

    def _show_tool(self) -> None:
        name = self.toolbox.active_name if self.controller.painting else "navigate"
        if name in self.tool_buttons:
            self.tool_buttons[name].setChecked(True)


def _number_box() -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setRange(-1e5, 1e5)
    box.setDecimals(4)
    box.setMaximumWidth(80)
    box.setKeyboardTracking(False)
    return box
