"""Atomic file writes: write to a temporary sibling, flush, fsync, rename.

A reader (or a crash) sees either the old file or the complete new one, never a
partial write. Temporary names start with ``.`` and end with ``.part`` so that
no discovery code mistakes them for outputs.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path; on success, move it onto ``target`` atomically.

    The temporary file keeps ``target``'s suffixes (``.nii.gz`` stays
    ``.nii.gz``) so that libraries choosing a format by extension work.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("done")
    >>> out.read_text()
    'done'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(target.suffixes) or ".tmp"
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".part{suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual permissions
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(target: str | Path, data: bytes) -> Path:
    """Atomically write ``data`` to ``target`` and return the path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | Path, text: str) -> Path:
    """Atomically write UTF-8 ``text`` to ``target`` and return the path."""
    return write_bytes(target, text.encode("utf-8"))


def write_json(target: str | Path, obj: Any) -> Path:
    """Atomically write ``obj`` as indented JSON (numpy scalars allowed)."""
    text = json.dumps(obj, indent=2, sort_keys=False, default=_json_default)
    return write_text(target, text + "\n")


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _read_umask() -> int:
    """The process's file-creation mask (read once, at import, by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
