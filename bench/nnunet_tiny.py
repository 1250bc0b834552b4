"""Bench: train a tiny nnU-Net v2 model on the phantom on a CPU and predict it back through Ferret.

End to end, timed: a tiny phantom (``--participants`` x ``--visits``), its maps
and registrations (``ferret process --steps maps,register``), the phantom's
true microbleeds as rater ``truth``, ``ferret cmb export-nnunet``, nnU-Net's
own ``nnUNetv2_plan_and_preprocess`` and ``nnUNetv2_train`` (3d_fullres, fold
``all``, the short trainer of ``bench/nnunet_trainers``), then
``ferret cmb predict`` into rater ``nnunet`` and the voxel Dice of rater
``nnunet`` against ``truth`` in the reference space. Needs nnunetv2 (the
``ferret[nnunet]`` extra); prints one JSON object per figure.
Run: ``python bench/nnunet_tiny.py [--participants 3 --visits 2 --epochs 4 --iterations 25]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nibabel as nib
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from app.cli import main as ferret  # noqa: E402
from processing.annotations.importing import import_mask  # noqa: E402
from processing.annotations.workspace import ReviewWorkspace  # noqa: E402
from processing.phantom import load_truth, make_phantom_study  # noqa: E402


def emit(name: str, value, unit: str) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit}), flush=True)


def mark_truth(root: Path, work: Path) -> None:
    """Import each participant's true microbleeds (on visit 1's GRE grid) as rater ``truth``."""
    for participant in sorted(p.name for p in root.glob("sub-*")):
        truth = load_truth(root, participant)
        session = sorted(p.name for p in (root / participant).glob("ses-*"))[0]
        gre = truth.acquisition(session, "MEGRE")
        labels = gre.load_map("lesions")
        mask = np.isin(labels, [les.label for les in truth.lesions_of("microbleed")])
        path = work / f"{participant}_truth_cmb.nii.gz"
        nib.save(nib.Nifti1Image(mask.astype(np.uint8), gre.affine), str(path))
        import_mask(root, "truth", participant, session, "CMB", path, acquisition="MEGRE")


def dice(root: Path) -> tuple[float, int, int]:
    """Return the voxel Dice of rater nnunet against truth over every participant, and the counts."""
    review, overlap, total, counts = ReviewWorkspace(root), 0, 0, [0, 0]
    for participant in review.participants_of("truth"):
        a, rows_a = review.read("truth", participant)
        if participant not in review.participants_of("nnunet"):
            total, counts[0] = total + int((a.data > 0).sum()), counts[0] + len(rows_a)
            continue
        b, rows_b = review.read("nnunet", participant)
        overlap += int(((a.data > 0) & (b.data > 0)).sum())
        total += int((a.data > 0).sum() + (b.data > 0).sum())
        counts = [counts[0] + len(rows_a), counts[1] + len(rows_b)]
    return (2 * overlap / total if total else float("nan")), counts[0], counts[1]


def timed(name: str, command: list[str], env: dict) -> None:
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    emit(name, round(time.perf_counter() - start, 1), "s")


def prepare(args: argparse.Namespace, root: Path, raw: Path, work: Path) -> None:
    """Make the study, its maps, the truth rater and the export (kept from an earlier --keep run)."""
    if not (root / "dataset_description.json").exists():
        start = time.perf_counter()
        make_phantom_study(root, participants=args.participants, visits=args.visits, scale="tiny")
        assert ferret(["process", str(root), "--steps", "maps,register"]) == 0
        mark_truth(root, work)
        emit(
            "phantom, maps, registration and truth rater",
            round(time.perf_counter() - start, 1),
            "s",
        )
    if not (raw / "Dataset501_FerretCMB").exists():
        export = ["cmb", "export-nnunet", str(root), "--rater", "truth", "--out", str(raw)]
        assert ferret(export) == 0


def run(args: argparse.Namespace, work: Path) -> None:
    root, raw, bindir = work / "study", work / "nnUNet_raw", Path(sys.executable).parent
    prepare(args, root, raw, work)
    env = dict(os.environ, nnUNet_raw=str(raw), nnUNet_preprocessed=str(work / "pre"))
    env.update(
        nnUNet_results=str(work / "results"), nnUNet_extTrainer=str(HERE / "nnunet_trainers")
    )
    env.update(FERRET_TINY_EPOCHS=str(args.epochs), FERRET_TINY_ITERATIONS=str(args.iterations))
    env.update(nnUNet_n_proc_DA="1")  # 0 breaks its planner (torch.set_num_threads(0))
    plan = [str(bindir / "nnUNetv2_plan_and_preprocess"), "-d", "501", "-c", "3d_fullres"]
    timed("nnU-Net plan and preprocess", plan + ["-np", "1", "--verify_dataset_integrity"], env)
    train = [str(bindir / "nnUNetv2_train"), "501", "3d_fullres", "all"]
    timed(
        "nnU-Net training (CPU)", train + ["-tr", "nnUNetTrainer_FerretTiny", "-device", "cpu"], env
    )
    model = (
        work
        / "results"
        / "Dataset501_FerretCMB"
        / "nnUNetTrainer_FerretTiny__nnUNetPlans__3d_fullres"
    )
    os.environ.update(env)
    start = time.perf_counter()
    assert (
        ferret(["cmb", "predict", str(root), "--model-folder", str(model), "--folds", "all"]) == 0
    )
    emit(
        "ferret cmb predict (all visits, CPU) and import",
        round(time.perf_counter() - start, 1),
        "s",
    )
    score, truth_count, model_count = dice(root)
    emit("voxel Dice nnunet vs truth (reference space)", round(score, 3), "")
    emit("lesions truth / nnunet", f"{truth_count} / {model_count}", "lesions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=3)
    parser.add_argument("--visits", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--iterations", type=int, default=25)
    parser.add_argument("--keep", default=None, help="work in this folder and keep it")
    args = parser.parse_args()
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        run(args, Path(args.keep))
        return
    with tempfile.TemporaryDirectory() as work:
        run(args, Path(work))


if __name__ == "__main__":
    main()
