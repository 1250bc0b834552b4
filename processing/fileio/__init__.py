"""File input and output: atomic writes, NIfTI/JSON helpers, provenance sidecars.

Every file Ferret writes goes through :func:`atomic_path` so that a crash never
leaves a half-written file that looks complete, and every computed output gets a
provenance sidecar from :func:`write_provenance`.
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.fileio.atomic import atomic_path, write_bytes, write_json, write_text
    from processing.fileio.nifti import load_nifti, save_nifti
    from processing.fileio.provenance import file_checksum, provenance, write_provenance

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "atomic_path": "atomic",
        "write_bytes": "atomic",
        "write_json": "atomic",
        "write_text": "atomic",
        "load_nifti": "nifti",
        "save_nifti": "nifti",
        "file_checksum": "provenance",
        "provenance": "provenance",
        "write_provenance": "provenance",
    },
)

__all__ = [
    "atomic_path",
    "write_bytes",
    "write_json",
    "write_text",
    "load_nifti",
    "save_nifti",
    "file_checksum",
    "provenance",
    "write_provenance",
]
