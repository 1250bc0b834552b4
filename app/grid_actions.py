"""The grid window's actions: menus, keyboard shortcuts and the help dialog that lists them.

:data:`SHORTCUTS` is the single table (key, menu, text, handler name); the
menus, the key bindings and the help dialog are all built from it, so the
help never disagrees with the keys.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

#: (shortcut, menu, description, method of the window called without arguments)
SHORTCUTS = (
    ("Up", "View", "Next slice (all views)", "slice_up"),
    ("Down", "View", "Previous slice (all views)", "slice_down"),
    ("PgUp", "View", "Five slices up", "slice_up_5"),
    ("PgDown", "View", "Five slices down", "slice_down_5"),
    ("A", "View", "Axial", "show_axial"),
    ("C", "View", "Coronal", "show_coronal"),
    ("S", "View", "Sagittal", "show_sagittal"),
    ("+", "View", "Zoom in (all views)", "zoom_in"),
    ("-", "View", "Zoom out (all views)", "zoom_out"),
    ("0", "View", "Reset zoom and pan", "reset_view"),
    ("W", "View", "Reset the focused column's window/level", "reset_window"),
    ("L", "Lesions", "Go to the next lesion", "next_lesion"),
    ("Shift+L", "Lesions", "Go to the previous lesion", "previous_lesion"),
    ("T", "Overlays", "Show or hide the planted truth (demo)", "toggle_truth"),
    ("R", "Overlays", "Show or hide the raters' lesion masks", "toggle_raters"),
    ("P", "Overlays", "Show or hide point markers (microbleeds)", "toggle_points"),
    ("O", "Overlays", "Outline or fill lesion masks", "toggle_fill"),
    ("[", "Overlays", "Overlays more transparent", "opacity_down"),
    ("]", "Overlays", "Overlays more opaque", "opacity_up"),
    ("F12", "File", "Save a screenshot of the grid", "screenshot_grid"),
    ("Shift+F12", "File", "Save a screenshot of the focused view", "screenshot_view"),
    ("Ctrl+Shift+S", "Layout", "Save the layout as ...", "save_layout_as"),
    ("F1", "Help", "Keyboard shortcuts", "show_help"),
)

MOUSE_HELP = (
    ("Left click / drag", "Set the cursor in every view"),
    ("Wheel", "Next / previous slice"),
    ("Ctrl+wheel", "Zoom every view"),
    ("Middle drag", "Pan every view"),
    ("Right drag", "Window/level of the column (right: wider, up: brighter)"),
)


def install_actions(window: QtWidgets.QMainWindow) -> dict[str, QtGui.QAction]:
    """Create a menu entry with its shortcut for every row of :data:`SHORTCUTS`."""
    menus: dict[str, QtWidgets.QMenu] = {}
    actions = {}
    for key, menu_name, text, method in SHORTCUTS:
        menu = menus.get(menu_name) or menus.setdefault(menu_name, window.menuBar().addMenu(menu_name))
        action = QtGui.QAction(text, window)
        action.setShortcut(QtGui.QKeySequence(key))
        action.triggered.connect(lambda _=False, m=method: getattr(window, m)())
        menu.addAction(action)
        actions[method] = action
    return actions


def help_text() -> str:
    """The shortcut table as HTML."""
    rows = "".join(f"<tr><td><b>{key}</b></td><td>{text}</td></tr>" for key, _, text, _ in SHORTCUTS)
    mouse = "".join(f"<tr><td><b>{what}</b></td><td>{text}</td></tr>" for what, text in MOUSE_HELP)
    return f"<h3>Keyboard</h3><table cellpadding=3>{rows}</table><h3>Mouse</h3><table cellpadding=3>{mouse}</table>"


class HelpDialog(QtWidgets.QDialog):
    """Lists every shortcut and mouse gesture."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ferret - keyboard shortcuts")
        text = QtWidgets.QTextBrowser()
        text.setHtml(help_text())
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(text)
        self.resize(520, 640)
