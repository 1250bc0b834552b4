"""Open the main window on a study: on screen, or offscreen for a screenshot.

Input is checked before Qt starts (a bad folder or participant is a
:class:`~processing.errors.FerretError`, never a traceback). Without a display,
no window is attempted: a screenshot is written to a stated path instead and
the user is told how to get a real window.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from app.browser_model import find_participant
from app.display import can_show_window, no_display_message
from processing.errors import FerretError
from processing.study import discover
from processing.study.model import Study


def load_study(root: str | Path) -> Study:
    """Discover the study at ``root``; FerretError when it is missing or not BIDS."""
    root = Path(root).expanduser()
    if not root.exists():
        raise FerretError("this study folder does not exist.", root, "check the path.")
    if not root.is_dir():
        raise FerretError(
            "this is a file, not a study folder.",
            root,
            "give the BIDS root folder (the one holding sub-01/, sub-02/, ...).",
        )
    study = discover(root)
    find_participant(study, None)  # raises when there is no participant at all
    return study


def headless_screenshot_path() -> Path:
    """Where a window that cannot be shown is pictured instead."""
    return Path(platformdirs.user_cache_dir("ferret")) / "window.png"


def run_window(
    root: str | Path,
    *,
    participant: str | None = None,
    screenshot: str | None = None,
    size: tuple[int, int] = (1920, 1080),
    command: str = "open",
    lesion: str | None = None,
    orientation: str | None = None,
    rater: str | None = None,
    visit: str | None = None,
    review: bool = False,
    consensus: list[str] | None = None,
    screen: str | None = None,
) -> int:
    """Show the main window on ``root``; return the exit status.

    With ``screenshot``, render offscreen at ``size``, write the PNG and return 0.
    ``lesion`` (an id of the lesion menu, e.g. ``acmi-01``) centres every view
    on it; ``orientation`` sets axial, coronal or sagittal. ``rater`` opens the
    rating mode (``visit``: the visit screened), ``review`` the review mode;
    ``consensus`` (two raters) a consensus session into ``rater``; ``screen``
    (``candidates`` or ``visits``) the screening mode of ``rater``. SIGTERM or
    SIGINT closes the window cleanly and returns 128 + the signal number
    (:mod:`app.quit_signals`).
    """
    study = load_study(root)
    chosen = find_participant(study, participant)
    if visit is not None:
        _check_visit(chosen, visit)
    headless = screenshot is None and not can_show_window()
    if screenshot is not None or headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    interactive = screenshot is None and not headless
    app, window = _make_window(
        study,
        participant,
        rater=rater,
        visit=visit,
        review=review,
        process=interactive,
        consensus=consensus,
        screen=screen,
    )
    _apply_view_options(window, lesion, orientation)
    if screenshot is not None or headless:
        from app.screenshot import save_screenshot

        target = save_screenshot(window, screenshot or headless_screenshot_path(), size)
        window.close()
        window.deleteLater()
        print(
            no_display_message(command, str(target))
            if headless
            else f"Screenshot written to {target}"
        )
        return 0
    from app.quit_signals import exec_window

    return exec_window(app, window, size)


def _apply_view_options(window, lesion: str | None, orientation: str | None) -> None:
    """Orientation first (it resets zoom), then the lesion (which zooms)."""
    if orientation:
        window.set_orientation(orientation)
    if lesion:
        found = [item for item in window.session.lesions() if item.id == lesion]
        if not found:
            known = ", ".join(item.id for item in window.session.lesions()[:12]) or "none"
            raise FerretError(
                f"lesion {lesion!r} is not known for this participant.",
                None,
                f"use one of: {known}.",
            )
        window.go_to_lesion(found[0])


def _check_visit(participant, visit: str) -> None:
    sessions = [v.session for v in participant.visits]
    if visit not in sessions:
        raise FerretError(
            f"visit {visit!r} is not one of {participant.label}'s visits.",
            None,
            f"use one of: {', '.join(sessions)}.",
        )


def _make_window(study: Study, participant: str | None, **mode):
    from PySide6 import QtWidgets

    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        from app.screenshot import quiet_offscreen_notices

        quiet_offscreen_notices()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(
        [sys.argv[0] if sys.argv else "ferret"]
    )
    from app.main_window import MainWindow

    window = MainWindow(study, **mode)
    try:
        window.start(participant)
    except BaseException:
        window.rating.close()  # release the rater's lock
        raise
    return app, window
