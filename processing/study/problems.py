"""A problem found by validation: severity, the file, what is wrong, what to do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding of :func:`processing.study.validate`.

    Attributes
    ----------
    severity : {"error", "warning"}
        ``error``: Ferret cannot use this part of the study as it is;
        ``warning``: usable, but check it (or Ferret adapts, as said).
    path : Path
        The file or folder concerned.
    message : str
        What is wrong, in one sentence.
    fix : str
        What to do about it.
    """

    severity: Severity
    path: Path
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.severity.upper():7s} {self.path}: {self.message} Fix: {self.fix}"


def error(path: Path, message: str, fix: str) -> Problem:
    """Return an error problem."""
    return Problem("error", Path(path), message, fix)


def warning(path: Path, message: str, fix: str) -> Problem:
    """Return a warning problem."""
    return Problem("warning", Path(path), message, fix)
