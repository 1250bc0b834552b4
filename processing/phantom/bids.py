"""Writing the phantom as a BIDS dataset, byte-for-byte reproducible.

NIfTI files are gzip-compressed in memory (zlib, run-length strategy: half
the time of the default for the same size on these images) with a zero
timestamp and no file name, so the same seed gives identical bytes. Every file
is written atomically (temporary sibling, then rename) but without fsync:
a phantom is regenerated at will, and syncing hundreds of files per visit
made generation several times slower on shared disks.
"""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import nibabel as nib
import numpy as np

from processing.fileio.atomic import _json_default

PHANTOM_GENERATOR = "ferret-phantom"


def nifti_bytes(data: np.ndarray, affine: np.ndarray) -> bytes:
    """Gzipped NIfTI-1 bytes with sform and qform set to ``affine`` (scanner, code 1)."""
    img = nib.Nifti1Image(np.asarray(data), np.asarray(affine, dtype=float))
    img.set_sform(affine, code=1)
    img.set_qform(affine, code=1)
    img.header.set_xyzt_units("mm", "sec")
    compressor = zlib.compressobj(
        1, zlib.DEFLATED, 31, 9, zlib.Z_RLE
    )  # wbits 31: gzip, mtime 0, no name
    return compressor.compress(img.to_bytes()) + compressor.flush()


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to a hidden temporary sibling, then rename it onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(name, path)
    finally:
        if os.path.exists(name):
            os.unlink(name)
    return path


def write_text(path: Path, text: str) -> Path:
    """Atomically write UTF-8 text."""
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, obj) -> Path:
    """Atomically write indented JSON (numpy arrays and scalars allowed)."""
    return write_text(path, json.dumps(obj, indent=2, default=_json_default) + "\n")


def write_nifti(path: Path, data: np.ndarray, affine: np.ndarray) -> Path:
    """Atomically write a reproducible ``.nii.gz``."""
    return write_bytes(path, nifti_bytes(data, affine))


class BackgroundWriter:
    """Compress and write NIfTI files on worker threads while the next image is simulated.

    zlib releases the GIL, so compression overlaps with numpy work. At most
    ``max_pending`` images wait in memory; errors surface on the next call
    or at :meth:`close`. Use as a context manager.
    """

    def __init__(self, workers: int = 2, max_pending: int = 6):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="phantom-write")
        self._pending: deque[Future] = deque()
        self._max_pending = max_pending

    def nifti(self, path: Path, data: np.ndarray, affine: np.ndarray) -> None:
        """Queue ``data`` for writing to ``path``."""
        while len(self._pending) >= self._max_pending:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(write_nifti, path, data, np.array(affine)))

    def close(self) -> None:
        """Wait for every queued file; re-raise the first error."""
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def bids_name(prefix: str, entities: dict[str, str], suffix: str) -> str:
    """``sub-01_ses-01`` + ``_key-value`` per entity + ``_suffix``."""
    parts = [prefix] + [f"{key}-{value}" for key, value in entities.items()] + [suffix]
    return "_".join(parts)


def write_dataset_description(
    root: Path, *, seed: int, scale: str, noise: bool, motion: bool = True, veins: bool = False
) -> None:
    """Write the raw dataset's description, marked as made by the phantom generator.

    Veins are named only when present (a phantom without them reads as before they existed).
    """
    options = f"seed={seed}; scale={scale}; noise={noise}; motion={motion}"
    write_json(
        root / "dataset_description.json",
        {
            "Name": f"Ferret phantom study (scale {scale}, seed {seed})",
            "BIDSVersion": "1.9.0",
            "DatasetType": "raw",
            "GeneratedBy": [
                {
                    "Name": PHANTOM_GENERATOR,
                    "Description": f"synthetic SVD study; {options}"
                    + ("; veins=True" if veins else ""),
                }
            ],
        },
    )


def write_tsv(path: Path, header: list[str], rows: list[list]) -> None:
    """Write a tab-separated table with a header line; values written with ``str``."""
    lines = ["\t".join(header)] + ["\t".join(str(v) for v in row) for row in rows]
    write_text(path, "\n".join(lines) + "\n")


def is_phantom(root: Path) -> bool:
    """Return True when ``root`` holds a dataset written by this generator."""
    description = root / "dataset_description.json"
    if not description.is_file():
        return False
    try:
        generated = json.loads(description.read_text(encoding="utf-8")).get("GeneratedBy", [])
    except (ValueError, OSError):
        return False
    return any(isinstance(g, dict) and g.get("Name") == PHANTOM_GENERATOR for g in generated)
