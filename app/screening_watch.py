"""Watching a screening session's candidate tables: the queue reloads when one is rewritten.

The engine step ``candidates`` (in the window's background run, or a
``ferret process`` beside it) writes each table atomically: a temporary file
in the table's folder, then a rename over the old one. A
:class:`QtCore.QFileSystemWatcher` on that folder (and on the tables, for an
in-place write) sees both; the folder's parent is watched while the folder
does not exist yet. Events are gathered for :data:`SETTLE_MS` and compared
with the tables' stamp (:meth:`ScreeningSession.tables_stamp
<processing.screening.session.ScreeningSession.tables_stamp>`: name, size and
modification time of each table), so a temporary file coming and going
reloads nothing and one rewrite reloads once. The reload itself is the
session's (:meth:`~processing.screening.session.ScreeningSession.reload`);
this module only tells it when.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore

#: Milliseconds of quiet after the last file event before the tables are compared.
SETTLE_MS = 400


class TableWatcher(QtCore.QObject):
    """Call ``on_rewritten()`` once each time the session's candidate tables change on disk.

    Parameters
    ----------
    session : ScreeningSession
        Its ``tables`` are watched and its ``tables_stamp()`` compared.
    on_rewritten : callable
        Called on the GUI thread after a change settled.
    """

    def __init__(self, session, on_rewritten: Callable[[], None], parent=None) -> None:
        super().__init__(parent)
        self.session, self.on_rewritten = session, on_rewritten
        self.stamp = session.tables_stamp()
        self.watcher = QtCore.QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._touched)
        self.watcher.fileChanged.connect(self._touched)
        self.timer = QtCore.QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SETTLE_MS)
        self.timer.timeout.connect(self.check)
        self._watch()

    def check(self) -> bool:
        """Compare the tables with the last stamp; call ``on_rewritten`` when they changed."""
        self._watch()  # a renamed-over table is a new file: watch it again
        stamp = self.session.tables_stamp()
        if stamp == self.stamp:
            return False
        self.stamp = stamp
        self.on_rewritten()
        return True

    def close(self) -> None:
        """Stop watching (idempotent)."""
        self.timer.stop()
        paths = self.watcher.files() + self.watcher.directories()
        if paths:
            self.watcher.removePaths(paths)

    def _touched(self, _path: str = "") -> None:
        self.timer.start()  # restarted by every event: one check when the writing is done

    def _watch(self) -> None:
        tables = self.session.tables
        wanted = {str(p) for p in tables if p.is_file()}
        for folder in {p.parent for p in tables}:
            nearest = folder if folder.is_dir() else folder.parent
            if nearest.is_dir():
                wanted.add(str(nearest))
        missing = wanted - set(self.watcher.files()) - set(self.watcher.directories())
        if missing:
            self.watcher.addPaths(sorted(missing))
