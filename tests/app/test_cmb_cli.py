"""``ferret cmb export-nnunet|predict`` and ``ferret annotate import-predictions`` on the command line.

Success prints the cases and the visits left out; bad input is one line on
stderr and exit status 2.
"""

from __future__ import annotations

import importlib.util
import json

import pytest

from app.cli import main as ferret
from processing.annotations.editing import components_as_lesions
from processing.annotations.workspace import RaterWorkspace
from processing.errors import FerretError
from processing.nnunet.inference import model_channels
from tests.processing.nnunet_data import GRID, ball, rater_labels, write_gre_study


@pytest.fixture
def study(tmp_path):
    return write_gre_study(tmp_path / "study")


def test_export_then_import_through_the_cli(study, tmp_path, capsys):
    out = tmp_path / "raw"
    assert ferret(["cmb", "export-nnunet", str(study), "--rater", "AB", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "2 training cases" in printed and "skipped sub-01 ses-03: no r2star map" in printed
    folder = out / "Dataset501_FerretCMB"
    args = ["annotate", "import-predictions", str(study), str(folder / "labelsTr")]
    assert ferret(args + ["--map", str(folder / "cases.tsv"), "--rater", "nnunet"]) == 0
    assert "imported 4 lesion(s) as rater nnunet" in capsys.readouterr().out
    assert (rater_labels(study, "nnunet")[0] > 0).sum() == (rater_labels(study, "AB")[0] > 0).sum()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--rater", "XY"], "rater XY has no annotations"),
        (["--rater", "AB", "--channels", "swi,adc"], "bad --channels"),
        (["--rater", "AB", "--dataset-id", "1234"], "not an nnU-Net dataset ID"),
    ],
)
def test_export_bad_input_is_one_line(study, tmp_path, capsys, extra, message):
    out = ["--out", str(tmp_path / "raw")]
    assert ferret(["cmb", "export-nnunet", str(study), *out, *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_a_rater_without_microbleeds_is_refused(study, tmp_path, capsys):
    with RaterWorkspace(study, "WM") as workspace:
        session = workspace.open_session("sub-01", GRID, lesion_type="WMH", visit="ses-01")
        components_as_lesions(ball((10, 10, 5), 2.0), session.labels)
    assert (
        ferret(["cmb", "export-nnunet", str(study), "--rater", "WM", "--out", str(tmp_path)]) == 2
    )
    assert "has no CMB lesion" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("nnunetv2") is not None, reason="nnunetv2 installed")
def test_predict_without_nnunet_says_how_to_install(study, tmp_path, capsys):
    assert ferret(["cmb", "predict", str(study), "--model-folder", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "nnU-Net v2 is not installed" in err and "ferret[nnunet]" in err


def test_model_channels_follow_the_models_dataset_json(tmp_path):
    (tmp_path / "plans.json").write_text("{}")
    names = {"channel_names": {"1": "SWI", "0": "R2star"}}
    (tmp_path / "dataset.json").write_text(json.dumps(names))
    assert model_channels(tmp_path) == ("r2star", "swi")
    (tmp_path / "dataset.json").write_text(json.dumps({"channel_names": {"0": "FLAIR"}}))
    with pytest.raises(FerretError, match="reads channel 'FLAIR'"):
        model_channels(tmp_path)
