"""SIGTERM and SIGINT close the window cleanly: work saved, background workers stopped.

Qt's event loop runs in C++, so a Python signal handler only runs when the
interpreter gets control: a :class:`QuitOnSignal` keeps a timer ticking every
:data:`TICK_MS` so that it does. The handler then closes the window (its close
event saves the rater's work and stops the background run, killing its worker
processes) and quits the event loop. ``ferret open`` then exits with status
128 + the signal number (143 after SIGTERM, 130 after Ctrl+C), the usual
status of a program ended by a signal, after a clean shutdown.
"""

from __future__ import annotations

import signal

from PySide6 import QtCore

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGINT)
TICK_MS = 200


class QuitOnSignal(QtCore.QObject):
    """Close ``window`` and quit ``app`` on SIGTERM or SIGINT while it exists.

    Parameters
    ----------
    app : QApplication
    window : QWidget
    """

    def __init__(self, app, window) -> None:
        super().__init__(app)
        self.app, self.window = app, window
        self.received: int | None = None
        self._tick = QtCore.QTimer(self)
        self._tick.timeout.connect(lambda: None)  # Python runs, and with it the handlers
        self._tick.start(TICK_MS)
        self._previous = {sig: signal.signal(sig, self._on_signal) for sig in QUIT_SIGNALS}

    def _on_signal(self, signum: int, _frame) -> None:
        if self.received is None:
            self.received = signum
            QtCore.QTimer.singleShot(0, self._quit)  # from the event loop, not mid-statement

    def _quit(self) -> None:
        self.window.close()
        self.app.quit()

    @property
    def exit_status(self) -> int | None:
        """128 + the signal received, or None when none was."""
        return None if self.received is None else 128 + self.received

    def restore(self) -> None:
        """Put the previous handlers back and stop the timer."""
        self._tick.stop()
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def exec_window(app, window, size: tuple[int, int]) -> int:
    """Show ``window`` at ``size``, run the event loop and return the exit status.

    0 when the window was closed, 128 + N after signal N (SIGTERM, SIGINT).
    """
    quitter = QuitOnSignal(app, window)
    window.resize(*size)
    window.show()
    try:
        status = int(app.exec())
    finally:
        quitter.restore()
    return quitter.exit_status or status
