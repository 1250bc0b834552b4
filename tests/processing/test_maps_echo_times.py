"""Echo times as the maps use them: ARLO falls back on unequal spacing; bad times never reach a fit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.cli import main as ferret
from processing.errors import FerretError
from processing.maps.r2star import R2starModel, applicable_method
from processing.study.example import write_tiny_study


def test_unequal_spacing_of_a_real_protocol_falls_back_to_the_trapezoid():
    te = [0.00353, 0.00746, 0.01140]  # 3.53 ms then 3.93 / 3.94 ms spacing
    method, warning = applicable_method("arlo", te)
    assert method == "trapezoid" and "3.93, 3.94 ms" in warning
    assert applicable_method("arlo", [0.004, 0.008, 0.012]) == ("arlo", None)
    assert applicable_method("arlo", [0.004, 0.008])[0] == "trapezoid"
    assert applicable_method("nonlinear", te) == ("nonlinear", None)
    decay = 1000.0 * np.exp(-np.asarray(te) * 30.0)[None, :]  # R2* 30 /s
    fit = R2starModel(tuple(te), method).fit(
        decay[:, None, None, :].reshape(1, 1, 1, 3), np.ones((1, 1, 1), bool)
    )
    assert fit.r2star.ravel()[0] == pytest.approx(30.0, rel=0.05)
    with pytest.raises(FerretError, match="equally spaced"):
        R2starModel(tuple(te), "arlo").fit(decay.reshape(1, 1, 1, 3), np.ones((1, 1, 1), bool))


def _set_echo_times(study: Path, times_s) -> None:
    for visit in ("ses-01",):
        for echo, te in enumerate(times_s, start=1):
            for part in ("mag", "phase"):
                path = (
                    study
                    / "sub-01"
                    / visit
                    / "anat"
                    / f"sub-01_{visit}_echo-{echo}_part-{part}_MEGRE.json"
                )
                path.write_text(json.dumps({"EchoTime": te}))


def test_process_with_arlo_on_unequal_echoes_records_the_fallback(tmp_path, capsys):
    study = write_tiny_study(tmp_path / "study", participants=1, visits=1)
    _set_echo_times(study, [0.00353, 0.00746, 0.01140])
    assert ferret(["process", str(study), "--steps", "maps", "--r2star-method", "arlo"]) == 0
    sidecar = (
        study
        / "derivatives"
        / "ferret"
        / "sub-01"
        / "ses-01"
        / "anat"
        / "sub-01_ses-01_R2starmap.json"
    )
    record = json.loads(sidecar.read_text())
    text = json.dumps(record)
    assert '"requested_method": "arlo"' in text and "the trapezoid was used instead" in text


@pytest.mark.parametrize(
    "times, fragment",
    [
        ([0.005, 0.005, 0.015], "repeat"),
        ([0.005, 0.015, 0.010], "do not increase"),
        ([5.0, 10.0, 15.0], "look like milliseconds"),
    ],
)
def test_bad_echo_times_are_refused_by_process_naming_the_sidecar(
    tmp_path, capsys, times, fragment
):
    study = write_tiny_study(tmp_path / "study", participants=1, visits=1)
    _set_echo_times(study, times)
    assert ferret(["process", str(study), "--steps", "maps"]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "MEGRE.json" in err and "--megre-echo-times" in err
    assert not list((study / "derivatives" / "ferret").rglob("*R2starmap.nii.gz"))


@pytest.mark.parametrize("option", ["5,5,15", "-1,2,3", "a,b"])
def test_bad_echo_times_on_the_command_line_are_refused(tmp_path, capsys, option):
    study = write_tiny_study(tmp_path / "study", participants=1, visits=1)
    assert ferret(["process", str(study), "--steps", "maps", f"--megre-echo-times={option}"]) == 2
    assert "--megre-echo-times" in capsys.readouterr().err
