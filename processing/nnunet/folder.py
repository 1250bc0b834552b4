"""A whole output folder written atomically: staged beside its target, then renamed into place.

A reader (nnU-Net, or a crash) sees either no dataset, the previous one, or the
complete new one. The stage is a hidden ``.<name>.<random>.part`` sibling, so
it sits on the same file system as the target and the final rename is one step.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from processing.errors import FerretError
from processing.fileio.atomic import output_error


def check_free(target: Path, overwrite: bool) -> None:
    """Refuse a ``target`` that holds files, unless ``overwrite``; refuse a file in its place.

    Raises
    ------
    FerretError
        ``target`` is a file, or a non-empty folder without ``overwrite``.
    """
    if target.exists() and not target.is_dir():
        raise FerretError(
            "a file stands where the dataset folder goes.", target, "remove it or choose --out."
        )
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise FerretError(
            "this folder exists and is not empty: nothing was written.",
            target,
            "choose another --out or --dataset-id, or pass --overwrite to replace it.",
        )


@contextlib.contextmanager
def staged_folder(target: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield an empty stage folder; on success it replaces ``target`` in one rename.

    Parameters
    ----------
    target : str or Path
        The folder to create (or replace, with ``overwrite``).
    overwrite : bool
        Replace an existing non-empty ``target`` (it is removed only after the
        new folder is in place).

    Raises
    ------
    FerretError
        As :func:`check_free`, or when the disk refuses the writes; the stage is
        removed and ``target`` is as it was.
    """
    target = Path(target)
    check_free(target, overwrite)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    except OSError as exc:
        raise output_error(exc, target) from None
    try:
        yield stage
        _replace(stage, target)
    except OSError as exc:
        raise output_error(exc, target) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _replace(stage: Path, target: Path) -> None:
    """Move ``stage`` onto ``target``; an old ``target`` is set aside first and removed after."""
    aside = stage.with_name(stage.name.replace(".part", ".replaced"))
    if target.exists():
        target.rename(aside)
    try:
        stage.rename(target)
    except OSError:
        if aside.exists():
            aside.rename(target)
        raise
    shutil.rmtree(aside, ignore_errors=True)
