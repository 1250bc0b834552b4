"""Sequence parameters from BIDS sidecars: values, defaults, and errors naming what is missing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from processing.errors import FerretError
from processing.study import sidecars
from processing.study.gradient_table import read_gradient_table
from processing.study.model import Acquisition, ImageFile

FULL_INV = {
    "RepetitionTimePreparation": 5.0,
    "RepetitionTimeExcitation": 0.0072,
    "NumberShots": 176,
    "PartialFourier": 0.75,
    "InversionEfficiency": 0.9,
}


def _image(tmp_path: Path, name: str, meta: dict | None, **entities: str) -> ImageFile:
    path = tmp_path / f"{name}.nii.gz"
    sidecar = None
    if meta is not None:
        sidecar = tmp_path / f"{name}.json"
        sidecar.write_text(json.dumps(meta))
    return ImageFile(path, entities, name.rsplit("_", 1)[-1], sidecar)


def _mp2rage(tmp_path: Path, common: dict, inv1: dict, inv2: dict) -> Acquisition:
    return Acquisition(
        "MP2RAGE",
        [
            _image(tmp_path, "sub-01_inv-1_MP2RAGE", {**common, **inv1}, inv="1"),
            _image(tmp_path, "sub-01_inv-2_MP2RAGE", {**common, **inv2}, inv="2"),
        ],
    )


def test_mp2rage_parameters_read_every_key(tmp_path):
    acq = _mp2rage(
        tmp_path,
        FULL_INV,
        {"InversionTime": 0.7, "FlipAngle": 4},
        {"InversionTime": 2.5, "FlipAngle": 5},
    )
    params = sidecars.mp2rage_parameters(acq)
    assert params == {
        "tr": 5.0,
        "ti1": 0.7,
        "ti2": 2.5,
        "flip1_deg": 4.0,
        "flip2_deg": 5.0,
        "echo_spacing": 0.0072,
        "slices_per_slab": 176,
        "partial_fourier": 0.75,
        "inversion_efficiency": 0.9,
    }
    assert sidecars.mp2rage_defaults_used(acq) == []


def test_mp2rage_defaults_and_fallback_keys(tmp_path):
    common = {"RepetitionTime": 4.0, "RepetitionTimeExcitation": 0.007, "SlicesPerSlab": 160}
    acq = _mp2rage(
        tmp_path,
        common,
        {"InversionTime": 0.8, "FlipAngle": 4},
        {"InversionTime": 2.7, "FlipAngle": 5},
    )
    params = sidecars.mp2rage_parameters(acq)
    assert params["tr"] == 4.0 and params["slices_per_slab"] == 160
    assert params["partial_fourier"] == 1.0 and params["inversion_efficiency"] == 0.96
    assert len(sidecars.mp2rage_defaults_used(acq)) == 2


def test_missing_inversion_keys_name_the_right_file(tmp_path):
    acq = _mp2rage(tmp_path, FULL_INV, {"FlipAngle": 4}, {"InversionTime": 2.5})
    with pytest.raises(FerretError) as err:
        sidecars.mp2rage_parameters(acq)
    text = err.value.message()
    assert "InversionTime in " + str(tmp_path / "sub-01_inv-1_MP2RAGE.json") in text
    assert "FlipAngle in " + str(tmp_path / "sub-01_inv-2_MP2RAGE.json") in text


def test_missing_inversion_image_is_named(tmp_path):
    acq = Acquisition("MP2RAGE", [_image(tmp_path, "sub-01_inv-1_MP2RAGE", FULL_INV, inv="1")])
    assert "the inv-2 image" in sidecars.mp2rage_missing(acq)


def test_real_dcm2niix_sidecars_name_the_absent_keys(real_data):
    folder = real_data / "mp2rage_sidecars"
    inv1 = ImageFile(
        Path("inv1.nii.gz"), {"inv": "1"}, "MP2RAGE", folder / "Si_2_t1_mp2rage_sag_p3_32_INV1.json"
    )
    inv2 = ImageFile(
        Path("inv2.nii.gz"), {"inv": "2"}, "MP2RAGE", folder / "Si_3_t1_mp2rage_sag_p3_32_INV2.json"
    )
    with pytest.raises(FerretError) as err:
        sidecars.mp2rage_parameters(Acquisition("MP2RAGE", [inv1, inv2]))
    text = err.value.message()
    assert "RepetitionTimeExcitation" in text and "NumberShots" in text
    assert "Si_2_t1_mp2rage_sag_p3_32_INV1.json" in text
    for present in ("InversionTime in", "FlipAngle in", "RepetitionTimePreparation"):
        assert present not in text  # present keys (RepetitionTime 5 s as TR) are not reported


def test_echo_times_separate_files_and_4d(tmp_path):
    files = [
        _image(
            tmp_path,
            f"sub-01_echo-{n}_part-mag_MEGRE",
            {"EchoTime": 0.005 * n},
            echo=str(n),
            part="mag",
        )
        for n in (1, 2, 3)
    ]
    assert sidecars.echo_times(Acquisition("MEGRE", files)) == pytest.approx([0.005, 0.01, 0.015])
    files[1].metadata.pop("EchoTime")
    with pytest.raises(FerretError, match="sub-01_echo-2_part-mag_MEGRE.json"):
        sidecars.echo_times(Acquisition("MEGRE", files))
    four_d = _image(tmp_path, "sub-01_part-mag_MEGRE", {"EchoTime": [0.004, 0.008]}, part="mag")
    acq = Acquisition("MEGRE", [four_d], echoes_in_volumes=True)
    assert sidecars.echo_times(acq) == [0.004, 0.008] == acq.echo_times


def test_bvals_bvecs_counts(tmp_path):
    (tmp_path / "a.bval").write_text("0 1000 1000\n")
    (tmp_path / "a.bvec").write_text("0 1 0\n0 0 1\n0 0 0\n")
    acq = Acquisition(
        "dwi",
        [_image(tmp_path, "sub-01_dwi", None)],
        bval=tmp_path / "a.bval",
        bvec=tmp_path / "a.bvec",
    )
    bvals, bvecs = read_gradient_table(acq)
    assert bvals.tolist() == [0, 1000, 1000] and np.allclose(bvecs[2], [0, 1, 0])
    (tmp_path / "a.bvec").write_text("0 1\n0 0\n0 0\n")
    with pytest.raises(FerretError, match="3 b-values"):
        read_gradient_table(acq)
