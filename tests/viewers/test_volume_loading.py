"""Which volume of an acquisition is displayed: first magnitude echo, DWI b=0, volume 0 of 4D."""

from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from processing.errors import FerretError
from processing.study.model import Acquisition, ImageFile
from viewers.state.volume import Volume, first_b0_index, load_display_volume


def write(path: Path, data) -> ImageFile:
    nib.save(
        nib.Nifti1Image(np.asarray(data, dtype=np.float32), np.diag([2.0, 2.0, 2.0, 1.0])),
        str(path),
    )
    entities = dict(part.split("-", 1) for part in path.name.split("_") if "-" in part)
    return ImageFile(path, entities, path.name.split("_")[-1].split(".")[0])


def test_megre_shows_first_magnitude_echo(tmp_path):
    files = [
        write(
            tmp_path / f"sub-01_echo-{e}_part-{p}_MEGRE.nii.gz",
            np.full((4, 4, 3), 10 * e + (p == "phase")),
        )
        for p in ("phase", "mag")
        for e in (2, 1)
    ]
    volume = load_display_volume(Acquisition("MEGRE", files))
    assert np.all(volume.data == 10) and volume.label == "sub-01_echo-1_part-mag_MEGRE.nii.gz"


def test_dwi_shows_first_b0_and_4d_shows_volume_0(tmp_path):
    data = np.stack([np.full((4, 4, 3), float(v)) for v in range(4)], axis=-1)
    dwi = write(tmp_path / "sub-01_dwi.nii.gz", data)
    bval = tmp_path / "sub-01_dwi.bval"
    bval.write_text("1000 3000 5 0\n")
    volume = load_display_volume(Acquisition("dwi", [dwi], bval=bval))
    assert volume.data.shape == (4, 4, 3) and np.all(volume.data == 2)
    assert volume.label.endswith("[volume 2]")
    four_d = load_display_volume(Acquisition("MESE", [dwi]))
    assert np.all(four_d.data == 0)


def test_b0_index_edge_cases(tmp_path):
    assert first_b0_index(None) == 0
    bval = tmp_path / "x.bval"
    bval.write_text("1000 1000\n")
    assert first_b0_index(bval) == 0
    bval.write_text("b=0 1000\n")
    with pytest.raises(FerretError, match="b-values"):
        first_b0_index(bval)


def test_corrupt_or_missing_file_is_a_ferret_error(tmp_path):
    bad = tmp_path / "sub-01_FLAIR.nii.gz"
    bad.write_bytes(b"garbage")
    with pytest.raises(FerretError, match="sub-01_FLAIR.nii.gz"):
        load_display_volume(Acquisition("FLAIR", [ImageFile(bad, {}, "FLAIR")]))
    with pytest.raises(FerretError, match="no image files"):
        load_display_volume(Acquisition("FLAIR", []))


def test_volume_lookup_and_presets():
    volume = Volume.from_array(
        np.random.default_rng(0).uniform(5, 40, (10, 10, 10)),
        np.diag([2.0, 2.0, 2.0, 1.0]),
        "R2starmap",
    )
    assert volume.window == (0.0, 50.0)
    assert volume.voxel_at((4.2, 3.9, 18.0)) == (2, 2, 9)
    assert volume.voxel_at((-2.0, 0, 0)) is None and volume.value_at((40.0, 0, 0)) is None
    assert volume.centre.tolist() == [9.0, 9.0, 9.0]
