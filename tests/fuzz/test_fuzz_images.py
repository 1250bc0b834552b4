"""Damaged images: NIfTI headers, gzip streams and what stands where an image should be.

Every case damages one raw image of the tiny study; ``validate`` must report
it (status 1) and ``process`` must refuse the jobs that read it (status 2),
both naming the file, before any map is computed from it.
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from fuzz_harness import FuzzCase, case_ids, replaced, rewritten

# Byte offsets of NIfTI-1 header fields (the NIfTI-1 standard, nifti1.h).
SIZEOF_HDR, DIM, DATATYPE, BITPIX, PIXDIM, VOX_OFFSET, SROW_X, MAGIC = (
    0,
    40,
    70,
    72,
    76,
    108,
    280,
    344,
)


def megre(study: Path, echo: int = 1, part: str = "mag") -> Path:
    return (
        study / "sub-01" / "ses-01" / "anat" / f"sub-01_ses-01_echo-{echo}_part-{part}_MEGRE.nii.gz"
    )


def dwi(study: Path) -> Path:
    return study / "sub-01" / "ses-01" / "dwi" / "sub-01_ses-01_dwi.nii.gz"


def gz_payload(path_of, change):
    """Damage the decompressed bytes of an image and recompress them (a valid gzip of a bad NIfTI)."""

    def damage(study: Path) -> Path:
        path = path_of(study)
        path.write_bytes(gzip.compress(change(gzip.decompress(path.read_bytes())), mtime=0))
        return path

    return damage


def field(offset: int, fmt: str, *values):
    def change(data: bytes) -> bytes:
        packed = struct.pack("<" + fmt, *values)
        return data[:offset] + packed + data[offset + len(packed) :]

    return change


def voxels(value: float, count: int = 3):
    """Overwrite ``count`` floating-point voxels after the header with ``value``."""

    def change(data: bytes) -> bytes:
        fmt = {32: "<f", 64: "<d"}[struct.unpack("<h", data[BITPIX : BITPIX + 2])[0]]
        offset = int(struct.unpack("<f", data[VOX_OFFSET : VOX_OFFSET + 4])[0]) + 40
        packed = struct.pack(fmt, value) * count
        return data[:offset] + packed + data[offset + len(packed) :]

    return change


def flip(offset_from_end: int):
    def change(data: bytes) -> bytes:
        at = len(data) - offset_from_end
        return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]

    return change


def _self_loop(path: Path) -> None:
    os.symlink(path.name, path)


NIFTI = [
    FuzzCase("nifti/dim0-zero", gz_payload(megre, field(DIM, "h", 0))),
    FuzzCase("nifti/dim0-nine", gz_payload(megre, field(DIM, "h", 9))),
    FuzzCase("nifti/huge-dims", gz_payload(megre, field(DIM, "4h", 3, 32767, 32767, 32767))),
    FuzzCase("nifti/negative-dim", gz_payload(megre, field(DIM, "4h", 3, 6, -6, 4))),
    FuzzCase("nifti/zero-dim", gz_payload(megre, field(DIM, "4h", 3, 6, 0, 4))),
    FuzzCase("nifti/unknown-datatype", gz_payload(megre, field(DATATYPE, "h", 999))),
    FuzzCase("nifti/rgb", gz_payload(megre, field(DATATYPE, "2h", 128, 24))),
    FuzzCase("nifti/complex", gz_payload(megre, field(DATATYPE, "2h", 32, 64))),
    FuzzCase("nifti/bad-magic", gz_payload(megre, field(MAGIC, "4s", b"xyz\0"))),
    FuzzCase("nifti/bad-sizeof-hdr", gz_payload(megre, field(SIZEOF_HDR, "i", 1234))),
    FuzzCase("nifti/vox-offset-inside-header", gz_payload(megre, field(VOX_OFFSET, "f", 10.0))),
    FuzzCase("nifti/vox-offset-beyond-end", gz_payload(megre, field(VOX_OFFSET, "f", 1e6))),
    FuzzCase("nifti/nan-voxels", gz_payload(megre, voxels(float("nan")))),
    FuzzCase("nifti/inf-voxels", gz_payload(megre, voxels(float("inf")))),
    FuzzCase("nifti/nan-dwi-voxels", gz_payload(dwi, voxels(float("nan"), 5))),
    FuzzCase("nifti/short-payload", gz_payload(megre, lambda data: data[:-100])),
    FuzzCase("nifti/header-only", gz_payload(megre, lambda data: data[:348])),
    FuzzCase("nifti/empty-file", rewritten(megre, lambda data: b"")),
    FuzzCase("nifti/text-file", rewritten(megre, lambda data: b"this is not an image\n" * 50)),
    FuzzCase("nifti/uncompressed-named-gz", rewritten(megre, gzip.decompress)),
    FuzzCase("nifti/zero-voxel-size", gz_payload(megre, field(PIXDIM, "4f", 1.0, 0.0, 0.0, 0.0))),
    FuzzCase("nifti/nan-affine", gz_payload(megre, field(SROW_X, "4f", *([float("nan")] * 4)))),
    FuzzCase("nifti/folder", replaced(megre, lambda p: p.mkdir())),
    FuzzCase("nifti/fifo", replaced(megre, os.mkfifo)),
    FuzzCase("nifti/symlink-loop", replaced(megre, _self_loop)),
    FuzzCase("nifti/broken-symlink", replaced(megre, lambda p: os.symlink("missing.nii.gz", p))),
]

GZIP = [
    FuzzCase("gzip/crc", rewritten(megre, flip(8))),
    FuzzCase("gzip/length-trailer", rewritten(megre, flip(2))),
    FuzzCase("gzip/no-end-marker", rewritten(megre, lambda data: data[:-8])),
    FuzzCase("gzip/one-byte-short", rewritten(megre, lambda data: data[:-1])),
    FuzzCase("gzip/header-only", rewritten(megre, lambda data: data[:10])),
    FuzzCase(
        "gzip/deflate-byte-flipped", rewritten(megre, lambda data: flip(len(data) // 2)(data))
    ),
    FuzzCase("gzip/zeroed-tail", rewritten(megre, lambda data: data[:-64] + bytes(64))),
    FuzzCase(
        "gzip/trailing-garbage", rewritten(megre, lambda data: data + b"garbage after the stream")
    ),
    FuzzCase("gzip/dwi-crc", rewritten(dwi, flip(6))),
    FuzzCase(
        "gzip/phase-truncated",
        rewritten(lambda s: megre(s, 2, "phase"), lambda data: data[: len(data) // 3]),
    ),
]

CASES = NIFTI + GZIP


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_damaged_image_is_refused(case, fuzz):
    fuzz(case)


def test_crc_damage_changes_voxels_that_nibabel_reads_silently(pristine_studies, tmp_path):
    """The reason for the whole-stream check: nibabel alone returns wrong voxels without a word."""
    import nibabel as nib

    source = megre(pristine_studies["tiny"])
    payload = bytearray(gzip.decompress(source.read_bytes()))
    original = np.asanyarray(nib.Nifti1Image.from_bytes(bytes(payload)).dataobj).copy()
    stream = bytearray(gzip.compress(bytes(payload), mtime=0))
    payload[400:440] = bytes(40)  # change voxels, keep the old CRC: a stream whose check fails
    good_crc = stream[-8:]
    stream = bytearray(gzip.compress(bytes(payload), mtime=0))[:-8] + good_crc
    damaged = tmp_path / "damaged.nii.gz"
    damaged.write_bytes(bytes(stream))
    silent = np.asanyarray(nib.load(str(damaged)).dataobj)
    assert not np.array_equal(silent, original)  # nibabel: wrong voxels, no error

    from processing.errors import FerretError
    from processing.fileio.nifti_check import read_verified

    with pytest.raises(FerretError, match="checksum"):
        read_verified(damaged)
