"""Whether a window can be shown here, and what to tell the user when not."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

#: Qt platforms that draw into memory: a window exists but nobody can see it.
INVISIBLE_PLATFORMS = ("offscreen", "minimal")
#: Qt platforms that need no X11 or Wayland server.
SERVERLESS_PLATFORMS = ("eglfs", "linuxfb", "vnc", "vkkhrdisplay", "directfb")


def can_show_window(env: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Return True when a window opened now would appear on a screen.

    Parameters
    ----------
    env : mapping, optional
        Environment variables (default ``os.environ``).
    platform : str, optional
        ``sys.platform`` (default the running one).
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    qt_platform = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if qt_platform in INVISIBLE_PLATFORMS:
        return False
    if qt_platform in SERVERLESS_PLATFORMS or platform in ("darwin", "win32", "cygwin"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def no_display_message(command: str, screenshot: str) -> str:
    """Return what to do without a display, for ``ferret <command>``."""
    return (
        "ferret: no display found (DISPLAY and WAYLAND_DISPLAY are not set), "
        "so no window can open.\n"
        f"  To get a picture of the window instead:  ferret {command} --screenshot window.png\n"
        f"  To run the window on a virtual display:  xvfb-run -a ferret {command}\n"
        f"  A screenshot of what the window would show was written to: {screenshot}"
    )
