"""load_nifti scales one plane at a time and can read chosen volumes: the same numbers as nibabel's get_fdata."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest

from processing.fileio import load_nifti
from processing.registration.volumes import registration_volume


def nibabel_reference(path) -> np.ndarray:
    return nib.load(str(path)).get_fdata(dtype=np.float64).astype(np.float32)


@pytest.mark.parametrize(
    ("stored", "slope", "inter"),
    [
        (np.int16, 0.0015344619750976562, -3.141592502593994),  # a scanner phase image
        (np.int16, 4201.875, 0.0),
        (np.uint16, 1.0, 0.0),
        (np.int32, 1.0, 0.0),
        (np.float32, 1.0, 0.0),
        (np.float64, 2.5, 1.0),
        (np.uint8, 1.0, 0.0),
    ],
)
def test_values_equal_nibabel_get_fdata(tmp_path, stored, slope, inter):
    rng = np.random.default_rng(3)
    if np.dtype(stored).kind == "f":
        raw = rng.normal(0, 1e4, (9, 7, 5, 4)).astype(stored)
    else:
        info = np.iinfo(stored)
        raw = rng.integers(max(info.min, -(2**30)), min(info.max, 2**30), (9, 7, 5, 4))
        raw = raw.astype(stored)
    image = nib.Nifti1Image(raw, np.diag([0.8, 0.8, 2.0, 1.0]))
    image.header.set_data_dtype(stored)
    image.header.set_slope_inter(slope, inter)
    path = tmp_path / "image.nii.gz"
    nib.save(image, str(path))
    data, _, _ = load_nifti(path)
    expected = nibabel_reference(path)
    assert data.dtype == np.float32
    assert np.array_equal(data, expected)
    if slope != 1.0:  # the scaling was applied (not a raw pass-through)
        assert not np.array_equal(data, np.asarray(raw, np.float32))
    chosen, _, _ = load_nifti(path, volumes=[3, 1])
    assert np.array_equal(chosen, expected[..., [3, 1]])


def test_dwi_registration_volume_is_the_mean_of_the_b0_volumes(tmp_path):
    from processing.study import discover

    rng = np.random.default_rng(5)
    folder = tmp_path / "study" / "sub-01" / "ses-01" / "dwi"
    folder.mkdir(parents=True)
    (tmp_path / "study" / "dataset_description.json").write_text(
        '{"Name": "t", "BIDSVersion": "1.8.0"}'
    )
    data = rng.integers(0, 4000, (12, 10, 8, 5)).astype(np.uint16)
    nib.save(
        nib.Nifti1Image(data, np.diag([1.7, 1.7, 1.7, 1])), str(folder / "sub-01_ses-01_dwi.nii.gz")
    )
    (folder / "sub-01_ses-01_dwi.bval").write_text("1000 0 1000 5 3000\n")
    (folder / "sub-01_ses-01_dwi.bvec").write_text("1 0 0 0 1\n0 0 1 0 0\n0 0 0 0 0\n")
    visit = discover(tmp_path / "study").participants["sub-01"].visits[0]
    volume, _, inputs = registration_volume(visit.acquisitions["dwi"])
    expected = data[..., [1, 3]].astype(np.float32).mean(axis=3)
    assert np.array_equal(volume, expected)
    assert inputs[-1].name == "sub-01_ses-01_dwi.bval"


def test_checksum_is_remembered_per_stat_and_follows_a_rewrite(tmp_path):
    import hashlib
    import os

    from processing.fileio import file_checksum

    path = tmp_path / "a.bin"
    path.write_bytes(b"first")
    assert file_checksum(path) == "sha256:" + hashlib.sha256(b"first").hexdigest()
    path.write_bytes(b"other")  # same size; a new modification time
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert file_checksum(path) == "sha256:" + hashlib.sha256(b"other").hexdigest()
