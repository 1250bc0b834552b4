"""Sidecars and tables that parse but hold the wrong kind of value: reported, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from processing.errors import FerretError
from processing.study import discover, sidecars, validate
from processing.study.example import write_tiny_study


@pytest.fixture
def study(tmp_path) -> Path:
    return write_tiny_study(tmp_path / "study", participants=1, visits=2)


def _anat(study: Path, name: str) -> Path:
    return study / "sub-01" / "ses-01" / "anat" / f"sub-01_ses-01_{name}"


def _problems_about(study: Path, path: Path) -> list:
    return [p for p in validate(study) if p.path == path]


def test_sidecar_holding_a_json_array_is_reported_even_without_dates(study):
    sidecar = _anat(study, "echo-1_part-mag_MEGRE.json")
    sidecar.write_text("[1, 2]")
    (study / "sub-01" / "sub-01_sessions.tsv").unlink()  # dates then come from the sidecars
    discover(study)  # must not raise
    found = _problems_about(study, sidecar)
    assert any("not a JSON object" in p.message and p.severity == "error" for p in found), found


@pytest.mark.parametrize("value", ["abc", [0.01, 0.02], True])
def test_echo_time_that_is_not_a_number_names_the_sidecar(study, value, capsys):
    sidecar = _anat(study, "echo-1_part-mag_MEGRE.json")
    sidecar.write_text(json.dumps({"EchoTime": value}))
    found = _problems_about(study, sidecar)
    assert any("EchoTime" in p.message and "not a number" in p.message for p in found), found
    with pytest.raises(FerretError, match="not a number"):
        sidecars.echo_times(discover(study).participant("sub-01").visits[0].acquisitions["MEGRE"])
    assert main(["validate", str(study)]) == 1
    assert "Traceback" not in capsys.readouterr().out


def test_mp2rage_parameter_that_is_not_a_number_is_an_error(study):
    sidecar = _anat(study, "inv-1_MP2RAGE.json")
    meta = json.loads(sidecar.read_text())
    meta["FlipAngle"] = "four"
    sidecar.write_text(json.dumps(meta))
    acq = discover(study).participant("sub-01").visits[0].acquisitions["MP2RAGE"]
    with pytest.raises(FerretError) as err:
        sidecars.mp2rage_parameters(acq)
    assert f"FlipAngle in {sidecar} is not a number" in err.value.message()
    problems = validate(study)
    assert any(
        "FlipAngle" in p.message and "not a number" in p.message and p.severity == "error"
        for p in problems
    ), problems


def test_participants_row_with_a_wrong_number_of_fields_is_an_error(study):
    table = study / "participants.tsv"
    table.write_text("participant_id\tage\nsub-01\t60\t7\n")
    problems = [p for p in validate(study) if p.path == table]
    assert any("line 2" in p.message and p.severity == "error" for p in problems), problems
