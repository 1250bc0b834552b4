"""Keys of a review dock (screening, and any queue walked from the image views), as QActions.

A review dock's keys belong to the image views, like every plain key of
:mod:`app.grid_actions`: each is a :class:`QtGui.QAction` added to the views
with ``WidgetWithChildrenShortcut`` context, so it fires while a view (or a
child) has the keyboard focus and never while the rating form or a text field
has it: Enter and Delete typed there stay the form's. :func:`bind_keys` makes
them, :func:`unbind_keys` takes them off again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

#: (key sequences, text, name) of one bound action
KeyRow = tuple[Sequence[str], str, str]


def bind_keys(
    owner: QtWidgets.QWidget,
    views: Iterable[QtWidgets.QWidget],
    rows: Iterable[KeyRow],
    handler: Callable[[str], None],
    prefix: str,
) -> dict[str, QtGui.QAction]:
    """Return one action per row, ``handler(name)`` on trigger, added to every view.

    ``prefix`` begins each action's text (``"Screening: Accept"``), which the
    help dialog (F1) lists with the view's name.
    """
    actions = {}
    views = list(views)
    for keys, text, name in rows:
        action = QtGui.QAction(f"{prefix}: {text}", owner)
        action.setShortcuts([QtGui.QKeySequence(key) for key in keys])
        action.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _=False, n=name: handler(n))
        for view in views:
            view.addAction(action)
        actions[name] = action
    return actions


def unbind_keys(views: Iterable[QtWidgets.QWidget], actions: dict[str, QtGui.QAction]) -> None:
    """Take ``actions`` off every view."""
    for view in views:
        for action in actions.values():
            view.removeAction(action)


def key_text(keys: Sequence[str]) -> str:
    """Return the first key as a button shows it (``"Return"`` as ``"Enter"``)."""
    return keys[0].replace("Return", "Enter")
