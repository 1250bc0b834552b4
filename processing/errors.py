"""User-facing errors: what went wrong, in which file, and what to do.

Everything the command line or the app shows a user about bad input is a
:class:`FerretError`; anything else reaching the top level is a bug.
"""

from __future__ import annotations

from pathlib import Path


class FerretError(Exception):
    """An error caused by the user's data or request, with a fix.

    Parameters
    ----------
    problem : str
        What is wrong, in one sentence.
    path : str or Path, optional
        The file or folder concerned.
    fix : str, optional
        What the user can do about it.
    """

    def __init__(self, problem: str, path: str | Path | None = None, fix: str | None = None):
        self.problem = problem
        self.path = Path(path) if path is not None else None
        self.fix = fix
        super().__init__(self.message())

    def message(self) -> str:
        """Return the full message: ``path: problem. Fix: ...``."""
        text = f"{self.path}: {self.problem}" if self.path else self.problem
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class Cancelled(Exception):
    """Raised inside a long computation when its progress object was cancelled."""
