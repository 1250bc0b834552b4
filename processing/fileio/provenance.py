"""Provenance sidecars: how every output was made.

Each computed output ``X.nii.gz`` gets ``X.json`` holding the method, its
parameters, every input with its SHA-256, Ferret's version and the time, so that
any result can be reproduced and any cache can be checked.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from processing import __version__
from processing.fileio.atomic import write_json

_CHUNK = 1 << 20


#: Checksums computed in this process, by path and stat (size, modification time, inode).
_KNOWN: dict[tuple[str, int, int, int], str] = {}
_KNOWN_LIMIT = 4096


def file_checksum(path: str | Path) -> str:
    """Return ``sha256:<hex>`` of a file's bytes (once per file and stat in a process).

    Every output's sidecar lists its inputs with their checksums: the DWI maps
    step writes ten outputs from one 170 MB DWI and hashed it ten times,
    5 of its 13 CPU seconds for two full-scale visits (``bench/pipeline.py``).
    A file whose size, modification time (ns) and inode are unchanged is not
    read again, the rule the engine's cache already trusts
    (:func:`processing.engine.digest.digest_file`).
    """
    stat = os.stat(path)
    key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    if key in _KNOWN:
        return _KNOWN[key]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    if len(_KNOWN) >= _KNOWN_LIMIT:
        _KNOWN.clear()
    _KNOWN[key] = checksum = "sha256:" + digest.hexdigest()
    return checksum


def provenance(
    method: str, parameters: Mapping[str, Any], inputs: Iterable[str | Path], **extra: Any
) -> dict[str, Any]:
    """Build a provenance record.

    Parameters
    ----------
    method : str
        Name of the method, e.g. ``"R2* trapezoidal closed form"``.
    parameters : mapping
        Every parameter that changes the result.
    inputs : iterable of paths
        Files read; each is listed with its checksum.
    **extra
        Further fields (e.g. ``Sources`` in BIDS style, warnings).
    """
    record: dict[str, Any] = {
        "Method": method,
        "Parameters": dict(parameters),
        "Inputs": [{"path": str(p), "checksum": file_checksum(p)} for p in inputs],
        "Software": {"name": "ferret", "version": __version__},
        "Created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    record.update(extra)
    return record


def sidecar_path(output: str | Path) -> Path:
    """Return the JSON sidecar beside an output: ``a.nii.gz`` -> ``a.json``."""
    output = Path(output)
    name = output.name
    for suffix in (".nii.gz", ".nii", ".txt", ".tsv", ".csv"):
        if name.endswith(suffix):
            return output.with_name(name[: -len(suffix)] + ".json")
    return output.with_name(name + ".json")


def write_provenance(
    output: str | Path,
    method: str,
    parameters: Mapping[str, Any],
    inputs: Iterable[str | Path],
    **extra: Any,
) -> Path:
    """Write the provenance sidecar of ``output`` atomically and return its path."""
    return write_json(sidecar_path(output), provenance(method, parameters, inputs, **extra))
