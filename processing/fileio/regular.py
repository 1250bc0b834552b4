"""Refusing what is not a plain readable file before anything opens it.

Opening a FIFO blocks until a writer appears (a hang); a folder, a device or a
symbolic link loop where a file should be gives an OS error whose text names
neither the role of the file nor a fix. :func:`require_regular_file` turns
every such case into one :class:`~processing.errors.FerretError`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from processing.errors import FerretError


def require_regular_file(path: str | Path, role: str = "a file") -> os.stat_result:
    """Return the ``os.stat`` of ``path``, or a FerretError unless it is a readable regular file.

    Parameters
    ----------
    path : str or Path
    role : str
        What should be there, for the message (e.g. ``"an image"``).

    Raises
    ------
    FerretError
        Missing (or a broken link), unreachable (e.g. a symbolic link loop),
        a folder, a FIFO, socket or device, or unreadable.
    """
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FerretError(
            "file not found (or a broken symbolic link).",
            path,
            f"check the path, or put {role} there again.",
        ) from None
    except OSError as exc:
        raise FerretError(
            f"cannot reach this file ({exc.strerror}; a symbolic link loop?).",
            path,
            f"replace the link with {role} itself.",
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise FerretError(
            f"a folder where {role} should be.",
            path,
            f"remove or rename the folder and put {role} there.",
        )
    if not stat.S_ISREG(info.st_mode):
        raise FerretError(
            f"not a regular file (a FIFO, socket or device) where {role} should be.",
            path,
            f"replace it with {role} itself.",
        )
    if not os.access(path, os.R_OK):
        raise FerretError(
            "this file cannot be read (permission denied).",
            path,
            "give yourself read permission, e.g. chmod u+r.",
        )
    return info


def is_reachable_dir(path: str | Path) -> bool:
    """Return a folder, or a link to one.

    False for files, broken links and link loops (never raises).
    """
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False
