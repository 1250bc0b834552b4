"""Provenance sidecars: how every output was made.

Each computed output ``X.nii.gz`` gets ``X.json`` holding the method, its
parameters, every input with its SHA-256, Ferret's version and the time, so that
any result can be reproduced and any cache can be checked.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from processing import __version__
from processing.fileio.atomic import write_json

_CHUNK = 1 << 20


def file_checksum(path: str | Path) -> str:
    """Return ``sha256:<hex>`` of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


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
