"""Benchmark of registration: seconds, accuracy, and a peer on the same pair.

Prints one JSON object per line. Pairs: real visit 2 -> visit 1 FLAIR of the
open MS dataset (accuracy against the dataset's transforms; see
tests/processing/test_registration_real.py for their direction) and phantom
DWI -> UNIT1 (accuracy against the planted motion). The peer is ANTsPy rigid
(antspyx in a separate venv given by FERRET_ANTS_PYTHON, run by subprocess) or,
without it, SimpleITK's documented recipe (geometry-centred start, plain
gradient descent, 3 levels). Writes checkerboard PNGs to /tmp.

Usage: .venv/bin/python bench/registration.py [--chain-visits 10] [--skip-chain]
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

import numpy as np
import SimpleITK as sitk

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from processing.fileio import load_nifti, save_nifti  # noqa: E402
from processing.registration import RegistrationParams, read_itk_transform, register_rigid, spaces  # noqa: E402
from processing.registration.geometry import displacement_stats, mask_points  # noqa: E402
from processing.registration.masks import auto_brain_mask  # noqa: E402
from processing.registration.qc import write_checkerboard_png  # noqa: E402
from processing.registration.resample import Grid, resample_image  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real" / "open_ms_longitudinal"
ANTS_SCRIPT = """
import sys, ants, numpy as np
f = ants.image_read(sys.argv[1]); m = ants.image_read(sys.argv[2])
import time; t = time.time()
r = ants.registration(fixed=f, moving=m, type_of_transform="Rigid", random_seed=1)
print(time.time() - t); print(r["fwdtransforms"][0])
"""


def emit(name, value, unit, peer=None, peer_value=None, **extra):
    print(json.dumps({"name": name, "value": value, "unit": unit, "peer": peer, "peer_value": peer_value, **extra}),
          flush=True)


def sitk_recipe(fixed, moving):
    """SimpleITK's documented rigid recipe; returns (seconds, fixed_from_moving RAS)."""
    f, m = spaces.image_to_sitk(*fixed), spaces.image_to_sitk(*moving)
    start = time.perf_counter()
    init = sitk.CenteredTransformInitializer(f, m, sitk.Euler3DTransform(),
                                             sitk.CenteredTransformInitializerFilter.GEOMETRY)
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=50)
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentage(0.01, 1)
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsGradientDescent(learningRate=1.0, numberOfIterations=100, convergenceMinimumValue=1e-6,
                                         convergenceWindowSize=10)
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetShrinkFactorsPerLevel([4, 2, 1])
    method.SetSmoothingSigmasPerLevel([2, 1, 0])
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOn()
    method.SetInitialTransform(init, inPlace=False)
    final = method.Execute(f, m)
    seconds = time.perf_counter() - start
    return seconds, np.linalg.inv(spaces.ras_from_lps_matrix(spaces.matrix_from_sitk_transform(final)))


def ants_rigid(fixed, moving):
    """ANTsPy rigid via the separate venv; returns (peer name, seconds, fixed_from_moving) or None."""
    python = os.environ.get("FERRET_ANTS_PYTHON", "/tmp/antsvenv/bin/python")
    if not Path(python).exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        paths = [save_nifti(Path(tmp) / f"{n}.nii.gz", a.astype(np.float32), aff)
                 for n, (a, aff) in (("f", fixed), ("m", moving))]
        run = subprocess.run([python, "-c", ANTS_SCRIPT, *map(str, paths)], capture_output=True, text=True)
        if run.returncode != 0:
            return None
        seconds, xfm = run.stdout.split()[-2:]
        # ANTs forward transform: fixed points -> moving points (LPS), like any ITK registration result
        return "antspyx Rigid", float(seconds), np.linalg.inv(read_itk_transform(xfm))


def bench_pair(name, fixed, moving, truth, mask, png):
    points = mask_points(mask, fixed[1], max_points=10000)
    result = register_rigid(fixed, moving, fixed_mask=mask)
    accuracy = displacement_stats(result.fixed_from_moving, truth, points)
    peer = ants_rigid(fixed, moving)
    if peer is None:
        seconds, matrix = sitk_recipe(fixed, moving)
        peer = ("SimpleITK documented recipe", seconds, matrix)
    peer_accuracy = displacement_stats(peer[2], truth, points)
    emit(f"{name}_seconds", round(result.seconds, 2), "s", peer[0], round(peer[1], 2))
    emit(f"{name}_mean_error", round(accuracy["mean_mm"], 3), "mm", peer[0], round(peer_accuracy["mean_mm"], 3))
    emit(f"{name}_max_error", round(accuracy["max_mm"], 3), "mm", peer[0], round(peer_accuracy["max_mm"], 3))
    emit(f"{name}_metric", round(result.metric, 4), "MattesMI", flags=result.flags)
    grid = Grid(fixed[0].shape, fixed[1])
    write_checkerboard_png(png, fixed[0], resample_image(*moving, grid, result.fixed_from_moving),
                           title=f"{name}: fixed (even tiles, red edges) / registered moving",
                           zooms=grid.zooms)


def real_pair(patient="patient01"):
    raw = REAL / patient / "raw"
    fixed, moving = (load_nifti(raw / f"{s}_FLAIR.nii.gz")[:2] for s in ("study1", "study2"))
    t1, t2 = (read_itk_transform(raw / f"{s}_FLAIR_to_common_space.txt") for s in ("study1", "study2"))
    bench_pair(f"real_{patient}_flair_v2_to_v1", fixed, moving, t1 @ np.linalg.inv(t2), auto_brain_mask(*fixed),
               f"/tmp/ferret_checkerboard_real_{patient}.png")


def phantom_chain(visits, skip_chain):
    from processing.phantom import load_truth, make_phantom_study
    from processing.registration.chain import register_participant
    from processing.registration.outputs import resample_visit
    from processing.registration.volumes import registration_volume
    from processing.study import discover

    root = make_phantom_study(Path(tempfile.mkdtemp()) / "study", visits=visits, scale="tiny", seed=0)
    participant = discover(root).participant("sub-01")
    truth = load_truth(root, "sub-01")
    first, last = participant.visits[0], participant.visits[-1]
    fixed = registration_volume(first.acquisitions["UNIT1"])[:2]
    moving = registration_volume(first.acquisitions["dwi"])[:2]
    expected = (truth.acquisition(first.session, "MP2RAGE").world_from_anatomy
                @ np.linalg.inv(truth.acquisition(first.session, "dwi").world_from_anatomy))
    bench_pair("phantom_dwi_to_unit1", fixed, moving, expected, auto_brain_mask(*fixed),
               "/tmp/ferret_checkerboard_phantom_dwi.png")
    if skip_chain:
        return
    start = time.perf_counter()
    chain = register_participant(participant)
    for visit in participant.visits:
        resample_visit(visit, chain)
    emit(f"phantom_chain_{visits}_visits_with_resampling", round(time.perf_counter() - start, 1), "s",
         registrations=len(chain.pairs))
    errors = [displacement_stats(m, truth.acquisition(first.session, "dwi").world_from_anatomy
                                 @ np.linalg.inv(truth.acquisition(s, "MP2RAGE" if k == "UNIT1" else k)
                                                 .world_from_anatomy),
                                 mask_points(auto_brain_mask(*fixed), fixed[1], max_points=5000))["mean_mm"]
              for (s, k), m in chain.ref_from.items() if k != "epi"]
    emit("phantom_chain_mean_error_median", round(float(np.median(errors)), 3), "mm",
         worst=round(float(np.max(errors)), 3))
    ref_images = [load_nifti(v.derivative("space-ref_UNIT1.nii.gz"))[0] for v in (first, last)]
    write_checkerboard_png("/tmp/ferret_checkerboard_phantom_visits.png", *ref_images,
                           title=f"phantom UNIT1 {first.session} / {last.session} in the reference space")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chain-visits", type=int, default=10)
    parser.add_argument("--skip-chain", action="store_true")
    args = parser.parse_args()
    if REAL.is_dir():
        real_pair()
    phantom_chain(args.chain_visits, args.skip_chain)


if __name__ == "__main__":
    main()
