"""Ferret's viewers: Qt-free display state and the widgets that draw it.

``viewers.state`` holds evented models (cursor in world millimetres, layout,
window/level, tools, undo) that import neither Qt nor pyqtgraph, so they are
tested without a screen; ``viewers.widgets`` holds the PySide6/pyqtgraph widgets
that observe those models. This package imports :mod:`processing`, never
:mod:`app` (checked by ``tests/test_layering.py``).
"""
