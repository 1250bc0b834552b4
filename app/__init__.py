"""Ferret's application layer: the main window, panels, workers and the command line.

Thin wiring only: logic lives in :mod:`viewers` (display state and widgets) and
:mod:`processing` (everything that runs without a screen). Nothing below this
package imports it (checked by ``tests/test_layering.py``).
"""
