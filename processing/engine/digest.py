"""Content checksums with a stat fast path.

A file's SHA-256 is trusted without re-reading it while its (size, mtime_ns,
inode) are those recorded with the checksum. Atomic writes replace the inode,
so a rewrite is always noticed even within one mtime tick.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from processing.fileio import file_checksum


@dataclass(frozen=True)
class FileDigest:
    """What the cache knows of one file."""

    size: int
    mtime_ns: int
    inode: int
    checksum: str

    def same_stat(self, stat: os.stat_result) -> bool:
        """Return True when ``stat`` shows the file as it was when hashed."""
        return (stat.st_size, stat.st_mtime_ns, stat.st_ino) == (
            self.size,
            self.mtime_ns,
            self.inode,
        )

    def to_json(self) -> list[Any]:
        """Compact JSON form ``[size, mtime_ns, inode, checksum]``."""
        return [self.size, self.mtime_ns, self.inode, self.checksum]

    @classmethod
    def from_json(cls, value: Any) -> FileDigest | None:
        """Inverse of :meth:`to_json`; ``None`` for a malformed entry."""
        try:
            size, mtime_ns, inode, checksum = value
            return cls(int(size), int(mtime_ns), int(inode), str(checksum))
        except (TypeError, ValueError):
            return None


def digest_file(path: Path, known: FileDigest | None = None) -> FileDigest:
    """Digest of ``path``, re-using ``known`` when the file's stat is unchanged.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    """
    stat = os.stat(path)
    if known is not None and known.same_stat(stat):
        return known
    checksum = file_checksum(path)
    after = os.stat(path)
    return FileDigest(after.st_size, after.st_mtime_ns, after.st_ino, checksum)


class DigestMemo:
    """Digests already computed in this run, so each file is hashed at most once."""

    def __init__(self) -> None:
        self._known: dict[Path, FileDigest] = {}

    def remember(self, path: Path, digest: FileDigest) -> None:
        """Record ``digest`` (e.g. sent back by the worker that wrote the file)."""
        self._known[path] = digest

    def digest(self, path: Path, hint: FileDigest | None = None) -> FileDigest:
        """Digest of ``path`` from this run's memo, ``hint`` or by hashing."""
        known = self._known.get(path) or hint
        digest = digest_file(path, known)
        self._known[path] = digest
        return digest
