"""The grid window's actions: menus, keyboard shortcuts and the help dialog that lists them.

:data:`SHORTCUTS` is the single table (key, menu, text, handler name); the
menus, the key bindings and the help dialog are all built from it, so the
help never disagrees with the keys.

Every shortcut has a context, as in ITK-SNAP and Slicer: keys with Ctrl, Alt
or a function key work window-wide; plain keys (letters, digits, arrows,
PgUp/PgDown, + - [ ]) belong to the image views and work only while a view
has the keyboard focus, so that letters typed into the rating form or a text
field are answers and text, never view commands. The lesion list's own
PgUp/PgDown work while the list has the focus, so no key is ever claimed
twice in one place. The help dialog (F1) lists these and every other
shortcut of the window's current mode, read from its actions.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

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
    ("Ctrl+I", "File", "Import DICOM visit...", "import_dicom_visit"),
    ("F12", "File", "Save a screenshot of the grid", "screenshot_grid"),
    ("Shift+F12", "File", "Save a screenshot of the focused view", "screenshot_view"),
    ("Ctrl+Q", "File", "Quit (the rater's work is saved; background jobs stop)", "quit_window"),
    ("Ctrl+Shift+S", "Layout", "Save the layout as ...", "save_layout_as"),
    ("F5", "Layout", "DWI screening: b1000, b3000, MD at every visit", "layout_dwi_screening"),
    (
        "F6",
        "Layout",
        "A-CMI check: DWI, FLAIR, T1/R1, SWI, R2* at onset and last visit",
        "layout_acmi_check",
    ),
    ("F7", "Layout", "CMB: SWI, minIP, R2*, phase at every visit", "layout_cmb"),
    ("F8", "Layout", "All modalities at every visit (panels back)", "layout_all"),
    ("F1", "Help", "Keyboard shortcuts", "show_help"),
)

VIEWS, WINDOW = "image views", "window"
_WINDOW_WIDE = ("Ctrl+", "Alt+", "Meta+")
FORM_HELP = (
    ("option key (h, o, i, ...)", "Answer the current field and move to the next"),
    ("Up / Down, Tab / Shift+Tab", "Move between fields"),
    ("Delete", "Clear the current answer"),
    ("letters, then Enter", "Type a text field (comment) and store it"),
)


def context_of(key: str) -> str:
    """``"window"`` for keys with Ctrl/Alt/Meta or function keys, else ``"image views"``."""
    bare = key.split("+")[-1]
    if key.startswith(_WINDOW_WIDE) or (bare.startswith("F") and bare[1:].isdigit()):
        return WINDOW
    return VIEWS


MOUSE_HELP = (
    ("Left click / drag", "Set the cursor in every view"),
    ("Wheel", "Next / previous slice"),
    ("Ctrl+wheel", "Zoom every view"),
    ("Middle drag", "Pan every view"),
    ("Right drag", "Window/level of the column (right: wider, up: brighter)"),
)


def install_actions(
    window: QtWidgets.QMainWindow, views: list[QtWidgets.QWidget] | None = None
) -> dict[str, QtGui.QAction]:
    """Create a menu entry with its shortcut for every row of :data:`SHORTCUTS`.

    Plain keys are bound to ``views`` (the widgets that show images; their
    shortcuts fire only while one of them, or a child, has the focus); the
    others to the whole window.
    """
    menus: dict[str, QtWidgets.QMenu] = {}
    actions = {}
    for key, menu_name, text, method in SHORTCUTS:
        menu = menus.get(menu_name) or menus.setdefault(
            menu_name, window.menuBar().addMenu(menu_name)
        )
        action = QtGui.QAction(text, window)
        action.setShortcut(QtGui.QKeySequence(key))
        action.triggered.connect(lambda _=False, m=method: getattr(window, m)())
        menu.addAction(action)
        if context_of(key) == VIEWS:
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
            for view in views or ():
                view.addAction(action)
        actions[method] = action
    return actions


def other_shortcuts(window: QtWidgets.QWidget) -> list[tuple[str, str, str]]:
    """Return ``(key, where, text)`` of the window's shortcuts outside :data:`SHORTCUTS`.

    Those of the tools, the lesion list, ...
    """
    own = set(getattr(window, "actions_by_name", {}).values())
    rows = []
    for action in window.findChildren(QtGui.QAction):
        for sequence in action.shortcuts():
            key = sequence.toString()
            if key and action not in own:
                rows.append((key, _where(action), action.text().replace("&", "")))
    for button in window.findChildren(QtWidgets.QAbstractButton):
        key = button.shortcut().toString()
        if key:
            rows.append((key, WINDOW, button.text().replace("&", "")))
    return sorted(set(rows), key=lambda row: (row[1], row[0]))


def _where(action: QtGui.QAction) -> str:
    if action.shortcutContext() == QtCore.Qt.ShortcutContext.WindowShortcut:
        return WINDOW
    owners = [
        w
        for w in action.associatedObjects()
        if isinstance(w, QtWidgets.QWidget) and not isinstance(w, QtWidgets.QMenu)
    ]
    return owners[0].accessibleName() or type(owners[0]).__name__ if owners else WINDOW


def help_text(window: QtWidgets.QWidget | None = None) -> str:
    """Every shortcut of the window's current mode, with where it works, as HTML."""
    rows = [(key, context_of(key), text) for key, _, text, _ in SHORTCUTS]
    rows += other_shortcuts(window) if window is not None else []
    keyboard = "".join(
        f"<tr><td><b>{key}</b></td><td>{text}</td><td><i>{where}</i></td></tr>"
        for key, where, text in rows
    )
    form = "".join(f"<tr><td><b>{key}</b></td><td>{text}</td></tr>" for key, text in FORM_HELP)
    mouse = "".join(f"<tr><td><b>{what}</b></td><td>{text}</td></tr>" for what, text in MOUSE_HELP)
    return (
        f"<h3>Keyboard</h3><table cellpadding=3>{keyboard}</table>"
        f"<h3>Rating form (while it has the keyboard focus)</h3><table cellpadding=3>{form}</table>"
        f"<h3>Mouse</h3><table cellpadding=3>{mouse}</table>"
    )


class HelpDialog(QtWidgets.QDialog):
    """Lists every shortcut and mouse gesture."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ferret - keyboard shortcuts")
        self.text = QtWidgets.QTextBrowser()
        self.text.setHtml(help_text(parent))
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.text)
        self.resize(520, 640)
