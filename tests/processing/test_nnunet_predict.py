"""``ferret cmb predict`` with a real nnU-Net v2 model, trained here for a few batches on a CPU.

Skipped without nnunetv2 (the ``ferret[nnunet]`` extra). The model is
nnU-Net's own, planned and trained by its own commands on the exported tiny
GRE study with the short trainer of ``bench/nnunet_trainers`` (2 batches: it
learns nothing; what is tested is the path through nnU-Net's predictor, its
file naming, and the axis order of its ``.npz`` probabilities, which the
import checks against the case's grid).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from nnunet_data import write_gre_study

pytest.importorskip("nnunetv2")
pytestmark = pytest.mark.slow  # planning and training take minutes on a CPU

from processing.nnunet.dataset import export_nnunet  # noqa: E402
from processing.nnunet.inference import predict  # noqa: E402

TRAINERS = Path(__file__).resolve().parents[2] / "bench" / "nnunet_trainers"
MODEL = "Dataset501_FerretCMB/nnUNetTrainer_FerretTiny__nnUNetPlans__3d_fullres"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Return the study and the folder of a model trained for 2 batches."""
    work = tmp_path_factory.mktemp("nnunet-train")
    root = write_gre_study(work / "study")
    export_nnunet(root, "AB", work / "raw")
    env = dict(os.environ, nnUNet_raw=str(work / "raw"), nnUNet_preprocessed=str(work / "pre"))
    env.update(nnUNet_results=str(work / "results"), nnUNet_extTrainer=str(TRAINERS))
    env.update(FERRET_TINY_EPOCHS="1", FERRET_TINY_ITERATIONS="2", nnUNet_n_proc_DA="1")
    bindir = Path(sys.executable).parent
    commands = (
        ["nnUNetv2_plan_and_preprocess", "-d", "501", "-c", "3d_fullres", "-np", "1"],
        ["nnUNetv2_train", "501", "3d_fullres", "all", "-tr", "nnUNetTrainer_FerretTiny"],
    )
    for command in commands:
        extra = ["-device", "cpu"] if command[0] == "nnUNetv2_train" else []
        run = [str(bindir / command[0]), *command[1:], *extra]
        subprocess.run(run, check=True, env=env, stdout=subprocess.DEVNULL)
    return root, work / "results" / MODEL


def test_predict_runs_the_model_and_imports_every_case(trained, monkeypatch):
    root, model = trained
    monkeypatch.setenv("nnUNet_extTrainer", str(TRAINERS))  # the predictor finds the trainer
    report, skipped = predict(root, model, folds=("all",))
    assert [case for case, _, _ in report.cases] == [
        "FerretCMB_sub-01_ses-01",
        "FerretCMB_sub-01_ses-02",
    ]
    assert skipped == [("sub-01", "ses-03", "no r2star map")]
    probabilities, _ = predict(root, model, folds=("all",), rater="nnunetp", probabilities=True)
    assert len(probabilities.cases) == 2  # nnU-Net's npz passed the (z, y, x) grid check
