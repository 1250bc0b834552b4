"""Reading a NIfTI image only after proving it whole: the file, the header, the stream, the voxels.

nibabel reads exactly the bytes its header promises, so a gzip stream whose
CRC fails (voxels silently wrong) or that lacks its end marker loads without
complaint, and a header promising 32767^3 voxels allocates before it fails.
:func:`read_verified` checks, in order and each with one clear
:class:`~processing.errors.FerretError` naming the file:

1. the path is a readable regular file (not a folder, FIFO, device or
   symlink loop; a FIFO is never opened, so nothing can hang on it);
2. the header is NIfTI-1 or NIfTI-2 (size and magic), with 1-7 dimensions
   of positive length and a scalar datatype Ferret computes with (RGB,
   complex and unknown codes are refused);
3. the file holds every byte the header promises, measured before the data
   is read (the size on disk for ``.nii``; the decompressed stream for
   ``.nii.gz``, which is read to its end so that gzip verifies its CRC-32,
   its length and its end marker);
4. optionally, every floating-point voxel is finite.

Memory never exceeds the bytes actually in the file: the stream is read in
blocks and kept only up to what the header promises.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path

import nibabel as nib
import numpy as np

from processing.errors import FerretError
from processing.fileio.regular import require_regular_file

BLOCK = 1 << 22
HEADER_CLASSES = {348: nib.Nifti1Image, 540: nib.Nifti2Image}
MAGICS = {b"n+1\0", b"ni1\0", b"n+2\0", b"ni2\0"}
UNSUPPORTED_CODES = {32: "complex", 1792: "complex", 2048: "complex", 128: "RGB", 2304: "RGBA"}
SCALAR_CODES = {2, 4, 8, 16, 64, 256, 512, 768, 1024, 1280}
_AGAIN = "copy or convert this image again (an interrupted copy or a damaged disk?)."


def read_verified(path: str | Path, *, finite: bool = True) -> nib.Nifti1Image:
    """Return the image at ``path`` with its voxels in memory, after every check above.

    Raises
    ------
    FerretError
        Naming ``path``, for the first check that fails.
    """
    path = Path(path)
    require_regular_file(path, "an image file")
    raw, header = _read_bytes(path)
    image = HEADER_CLASSES[int(header["sizeof_hdr"])].from_bytes(bytes(raw))
    if finite:
        check_finite(path, np.asanyarray(image.dataobj))
    return image


def read_verified_header(path: str | Path) -> nib.Nifti1Header:
    """Only the header of ``path`` after checks 1-2 (cheap: reads the first 540 bytes)."""
    path = Path(path)
    require_regular_file(path, "an image file")
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            head = handle.read(540)
    except (OSError, EOFError, zlib.error) as exc:
        raise _stream_error(path, exc) from None
    return parse_header(head, path)


def parse_header(head: bytes, path: Path) -> nib.Nifti1Header:
    """Return a NIfTI-1 or -2 header from the file's first bytes, or a FerretError saying what is wrong."""
    header = _header_from_bytes(head)
    if header is None:
        raise FerretError(
            "not a NIfTI image: the header size and magic are not those of NIfTI-1 or -2.",
            path,
            "give a .nii or .nii.gz file (convert DICOM with dcm2niix).",
        )
    ndim = int(header["dim"][0])
    if not 1 <= ndim <= 7:
        raise FerretError(
            f"corrupt NIfTI header: dim[0] is {ndim} (must be 1-7 dimensions).", path, _AGAIN
        )
    lengths = [int(n) for n in header["dim"][1 : ndim + 1]]
    if min(lengths) < 1:
        raise FerretError(
            f"corrupt NIfTI header: dimensions {lengths} (each must be at least 1).", path, _AGAIN
        )
    code = int(header["datatype"])
    if code in UNSUPPORTED_CODES:
        raise FerretError(
            f"{UNSUPPORTED_CODES[code]} voxels (datatype {code}): Ferret reads scalar images.",
            path,
            "export magnitude and phase as separate real-valued images.",
        )
    if code not in SCALAR_CODES:
        raise FerretError(f"corrupt NIfTI header: unknown datatype code {code}.", path, _AGAIN)
    _check_geometry(header, path, ndim)
    if float(header["vox_offset"]) < int(header["sizeof_hdr"]):
        raise FerretError(
            f"corrupt NIfTI header: voxel data offset {float(header['vox_offset']):g} lies "
            "inside the header.",
            path,
            _AGAIN,
        )
    return header


def _check_geometry(header, path: Path, ndim: int) -> None:
    """Positive finite voxel sizes and a finite, invertible voxel-to-world affine."""
    sizes = [float(z) for z in header["pixdim"][1 : min(ndim, 3) + 1]]
    if not all(np.isfinite(z) and z > 0 for z in sizes):
        raise FerretError(
            f"corrupt NIfTI header: voxel sizes {sizes} (each must be a positive number of mm).",
            path,
            _AGAIN,
        )
    with np.errstate(all="ignore"):
        affine = header.get_best_affine()
        invertible = np.all(np.isfinite(affine)) and abs(np.linalg.det(affine[:3, :3])) > 1e-12
    if not invertible:
        raise FerretError(
            "corrupt NIfTI header: the voxel-to-world transform (sform/qform) is not finite "
            "and invertible.",
            path,
            _AGAIN,
        )


def _header_from_bytes(head: bytes):
    for size, image_class in HEADER_CLASSES.items():
        if len(head) < size:
            continue
        for order in ("<", ">"):
            if int.from_bytes(head[:4], "little" if order == "<" else "big") != size:
                continue
            header = image_class.header_class.from_fileobj(io.BytesIO(head[:size]), check=False)
            magic = bytes(header["magic"]).ljust(4, b"\0")[:4]
            return header if magic in MAGICS else None
    return None


def _needed_bytes(header) -> int:
    shape = [int(n) for n in header["dim"][1 : int(header["dim"][0]) + 1]]
    itemsize = header.get_data_dtype().itemsize
    return int(float(header["vox_offset"])) + int(np.prod(shape, dtype=object)) * itemsize


def _shape_text(header) -> str:
    return "x".join(str(int(n)) for n in header["dim"][1 : int(header["dim"][0]) + 1])


def _read_bytes(path: Path):
    """``(bytes, header)``.

    The file's (decompressed) bytes up to what its header promises, all of them.

    A ``.nii`` is measured against its size on disk before it is read; a
    ``.nii.gz`` is read to its end (so gzip verifies it), keeping no more
    than the header promises.
    """
    if path.name.endswith(".gz"):
        raw, header = _read_gzip(path)
        return _complete(raw, len(raw), header, path), header
    with open(path, "rb") as handle:
        header = parse_header(handle.read(540), path)
        _complete(b"", os.fstat(handle.fileno()).st_size, header, path)
        handle.seek(0)
        return handle.read(_needed_bytes(header)), header


def _complete(raw, size: int, header, path: Path):
    """``raw`` when ``size`` bytes hold everything the header promises; else a FerretError."""
    needed = _needed_bytes(header)
    if size < needed:
        raise FerretError(
            f"the file holds {size} bytes but its header promises {needed} "
            f"({_shape_text(header)} voxels): truncated, or a corrupt header.",
            path,
            _AGAIN,
        )
    return raw


def _read_gzip(path: Path):
    """``(bytes kept, header)`` of a gzip stream read to its end (its header parsed once)."""
    kept, header = bytearray(), None
    try:
        with gzip.open(path, "rb") as stream:
            while block := stream.read(BLOCK):
                if header is None or len(kept) < _needed_bytes(header):
                    kept += block
                if header is None and len(kept) >= 540:
                    header = parse_header(bytes(kept[:540]), path)
                if header is not None:
                    del kept[_needed_bytes(header) :]
    except (OSError, EOFError, zlib.error) as exc:
        raise _stream_error(path, exc) from None
    return kept, header if header is not None else parse_header(bytes(kept), path)


def _stream_error(path: Path, exc: Exception) -> FerretError:
    text = str(exc)
    if isinstance(exc, EOFError) or "end-of-stream" in text:
        what = "the gzip stream ends before its end marker (a truncated or interrupted copy)"
    elif "CRC" in text or "length" in text.lower():
        what = "the gzip checksum does not match its data (the voxels are damaged)"
    elif "Not a gzipped file" in text:
        what = "named .gz but not gzip-compressed"
    elif isinstance(exc, zlib.error):
        what = "the gzip stream is corrupt"
    else:
        what = f"cannot read the file ({getattr(exc, 'strerror', None) or 'read error'})"
    return FerretError(f"{what}.", path, _AGAIN)


def check_finite(path: Path, data: np.ndarray) -> None:
    """Raise when floating-point voxels are NaN or infinite.

    Maps computed from them would be invalid.
    """
    if data.dtype.kind != "f":
        return
    bad = int(data.size - np.count_nonzero(np.isfinite(data)))
    if bad:
        raise FerretError(
            f"{bad} voxels are NaN or infinite.",
            path,
            "re-export the image from the scanner data; maps computed from it would be invalid.",
        )
