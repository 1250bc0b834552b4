"""Atomic file writes: write to a temporary sibling, flush, fsync, rename.

A reader (or a crash) sees either the old file or the complete new one, never a
partial write. Temporary names start with ``.`` and end with ``.part`` so that
no discovery code mistakes them for outputs.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from processing.errors import FerretError


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
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        suffix = "".join(target.suffixes) or ".tmp"
        fd, name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".part{suffix}", dir=target.parent
        )
    except OSError as exc:
        raise output_error(exc, target) from None
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual permissions
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as exc:  # disk full, read-only, a folder in the way: one line naming the output
        raise output_error(exc, target) from None
    finally:
        with contextlib.suppress(OSError):
            if tmp.exists():
                tmp.unlink()


def output_error(exc: OSError, target: Path) -> FerretError:
    """Return a :class:`FerretError` naming ``target`` and the fix for why it could not be written."""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return FerretError(
            f"no space left on the disk holding {target.parent}: nothing was written.",
            target,
            "free space (or raise the quota) and rerun; finished outputs are kept.",
        )
    if code == errno.EROFS:
        return FerretError(
            "cannot write here: the file system is read-only.",
            target,
            "make the derivatives folder writable, or copy the study to a writable disk.",
        )
    if code in (errno.EACCES, errno.EPERM):
        return FerretError(
            "cannot write here: permission denied.",
            target,
            "give yourself write permission on the derivatives folder (chmod u+w).",
        )
    if code == errno.EISDIR:
        return FerretError(
            "a folder stands where this output goes.",
            target,
            "remove or rename that folder and rerun.",
        )
    if code in (errno.ENOTDIR, errno.EEXIST):
        blocker = next(
            (p for p in [target, *target.parents] if p.exists() and not p.is_dir()), target.parent
        )
        return FerretError(
            f"a file ({blocker}) stands where a folder of the outputs should be.",
            target,
            f"remove or rename {blocker} and rerun.",
        )
    return FerretError(
        f"cannot write this output ({exc.strerror or exc}).",
        target,
        "check the disk and the folder's permissions, then rerun.",
    )


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
    """Return the process's file-creation mask.

    It is read once, at import, by setting and restoring it.
    """
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
