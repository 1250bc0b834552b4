"""Render a widget offscreen after its data is drawn and save it as PNG, atomically."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from processing.errors import FerretError
from processing.fileio import atomic_path

DEFAULT_SIZE = (1920, 1080)
SETTLE_ROUNDS = 5


def parse_size(text: str | None) -> tuple[int, int]:
    """``"1920x1080"`` -> ``(1920, 1080)``; None gives the default size.

    Raises
    ------
    FerretError
        When the text is not WIDTHxHEIGHT with sides of 200 to 10000 pixels.
    """
    if text is None:
        return DEFAULT_SIZE
    match = re.fullmatch(r"\s*(\d+)\s*[xX*]\s*(\d+)\s*", text)
    if not match or not all(200 <= int(side) <= 10000 for side in match.groups()):
        raise FerretError(
            f"window size {text!r} is not understood.",
            fix="give WIDTHxHEIGHT in pixels, each 200 to 10000, e.g. --size 1920x1080.",
        )
    return int(match.group(1)), int(match.group(2))


#: Harmless notices of Qt's offscreen platform that would only confuse a user.
OFFSCREEN_NOISE = ("propagateSizeHints",)


_QUIETED = []


def quiet_offscreen_notices() -> None:
    """Drop the offscreen platform's harmless notices; pass every other Qt message on (once)."""
    if _QUIETED:
        return
    _QUIETED.append(True)
    previous = None

    def handler(kind, context, message):
        if any(noise in message for noise in OFFSCREEN_NOISE):
            return
        if previous is not None:
            previous(kind, context, message)
        else:
            print(message, file=sys.stderr)

    previous = QtCore.qInstallMessageHandler(handler)


def settle(app: QtWidgets.QApplication) -> None:
    """Let Qt run layouts and paints until the window is drawn."""
    for _ in range(SETTLE_ROUNDS):
        app.processEvents()


def save_screenshot(widget: QtWidgets.QWidget, target: str | Path, size: tuple[int, int]) -> Path:
    """Resize and show ``widget``, render it and write a PNG atomically to ``target``.

    A widget with ``wait_for_images()`` (the main window) is given the time to
    receive its volumes before it is pictured.
    """
    app = QtWidgets.QApplication.instance()
    widget.resize(*size)
    widget.show()
    settle(app)
    if hasattr(widget, "wait_for_images"):
        widget.wait_for_images()
        settle(app)
    return save_widget_png(widget, target)


def save_widget_png(widget: QtWidgets.QWidget, target: str | Path) -> Path:
    """Render ``widget`` as it is now and write a PNG atomically to ``target``."""
    pixmap = widget.grab()
    target = Path(target)
    if target.suffix.lower() != ".png":
        raise FerretError(
            "screenshots are written as PNG.", target, "give a file name ending in .png."
        )
    try:
        with atomic_path(target) as tmp:
            if not pixmap.save(str(tmp), "PNG"):
                raise OSError("Qt could not encode or write the image")
    except OSError as exc:
        raise FerretError(
            f"cannot write the screenshot ({exc}).", target, "choose a folder you can write to."
        ) from exc
    return target
