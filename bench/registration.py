"""Benchmark of registration: seconds, accuracy, and a peer on the same pair.

Prints one JSON object per line. Pairs: real visit 2 -> visit 1 FLAIR of the
open MS dataset (accuracy against the dataset's transforms; see
tests/processing/test_registration_real.py for their direction) and phantom
DWI -> UNIT1 (accuracy against the planted motion). The peer is ANTsPy rigid
(antspyx in a separate venv given by FERRET_ANTS_PYTHON, run by subprocess) or,
without it, SimpleITK's documented recipe (geometry-centred start, plain
gradient descent, 3 levels). Then the whole chain of a 10-visit tiny phantom
participant with resampling of every map into the reference space (seconds),
one line per registration with its error against the planted motion (mean
over the brain, truth tissue labels), and the composed ``to-ref`` errors.
Writes checkerboard PNGs to /tmp/ferret-qc/.

Usage: .venv/bin/python bench/registration.py [--chain-visits 10] [--skip-chain] [--scale tiny]
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
from processing.registration import RegistrationParams, read_itk_transform, spaces  # noqa: E402
from processing.registration.geometry import displacement_stats, mask_points, rigid_matrix  # noqa: E402
from processing.registration.masks import brain_mask  # noqa: E402
from processing.registration.pairing import register_pair_images  # noqa: E402
from processing.registration.qc import write_checkerboard_png  # noqa: E402
from processing.registration.resample import resample_image  # noqa: E402
from processing.spaces.grid import Grid  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real" / "open_ms_longitudinal"
QC = Path("/tmp/ferret-qc")
ANTS_SCRIPT = """
import sys, ants, numpy as np
f = ants.image_read(sys.argv[1]); m = ants.image_read(sys.argv[2])
import time; t = time.time()
r = ants.registration(fixed=f, moving=m, type_of_transform="Rigid", random_seed=1)
print(time.time() - t); print(r["fwdtransforms"][0])
"""


def emit(name, value, unit, peer=None, peer_value=None, **extra):
    print(
        json.dumps(
            {
                "name": name,
                "value": value,
                "unit": unit,
                "peer": peer,
                "peer_value": peer_value,
                **extra,
            }
        ),
        flush=True,
    )


def sitk_recipe(fixed, moving):
    """SimpleITK's documented rigid recipe; returns (seconds, fixed_from_moving RAS)."""
    f, m = spaces.image_to_sitk(*fixed), spaces.image_to_sitk(*moving)
    start = time.perf_counter()
    init = sitk.CenteredTransformInitializer(
        f, m, sitk.Euler3DTransform(), sitk.CenteredTransformInitializerFilter.GEOMETRY
    )
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=50)
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentage(0.01, 1)
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsGradientDescent(
        learningRate=1.0,
        numberOfIterations=100,
        convergenceMinimumValue=1e-6,
        convergenceWindowSize=10,
    )
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetShrinkFactorsPerLevel([4, 2, 1])
    method.SetSmoothingSigmasPerLevel([2, 1, 0])
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOn()
    method.SetInitialTransform(init, inPlace=False)
    final = method.Execute(f, m)
    seconds = time.perf_counter() - start
    return seconds, np.linalg.inv(
        spaces.ras_from_lps_matrix(spaces.matrix_from_sitk_transform(final))
    )


def ants_rigid(fixed, moving):
    """ANTsPy rigid via the separate venv; returns (peer name, seconds, fixed_from_moving) or None."""
    python = os.environ.get("FERRET_ANTS_PYTHON", "/tmp/antsvenv/bin/python")
    if not Path(python).exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        paths = [
            save_nifti(Path(tmp) / f"{n}.nii.gz", a.astype(np.float32), aff)
            for n, (a, aff) in (("f", fixed), ("m", moving))
        ]
        run = subprocess.run(
            [python, "-c", ANTS_SCRIPT, *map(str, paths)], capture_output=True, text=True
        )
        if run.returncode != 0:
            return None
        seconds, xfm = run.stdout.split()[-2:]
        # ANTs forward transform: fixed points -> moving points (LPS), like any ITK registration result
        return "antspyx Rigid", float(seconds), np.linalg.inv(read_itk_transform(xfm))


DEFAULT_PARAMS = RegistrationParams()


def bench_pair(name, fixed, moving, truth, png=None, params=DEFAULT_PARAMS):
    """Our registration (as the chain runs it) and the peer on one pair; returns our result."""
    fixed_mask, moving_mask = brain_mask(*fixed), brain_mask(*moving)
    points = mask_points(fixed_mask, fixed[1], max_points=10000)
    result = register_pair_images(fixed, moving, fixed_mask, moving_mask, params)
    accuracy = displacement_stats(result.fixed_from_moving, truth, points)
    peer = ants_rigid(fixed, moving)
    if peer is None:
        seconds, matrix = sitk_recipe(fixed, moving)
        peer = ("SimpleITK documented recipe", seconds, matrix)
    peer_accuracy = displacement_stats(peer[2], truth, points)
    emit(f"{name}_seconds", round(result.seconds, 2), "s", peer[0], round(peer[1], 2))
    emit(
        f"{name}_mean_error",
        round(accuracy["mean_mm"], 3),
        "mm",
        peer[0],
        round(peer_accuracy["mean_mm"], 3),
    )
    emit(
        f"{name}_max_error",
        round(accuracy["max_mm"], 3),
        "mm",
        peer[0],
        round(peer_accuracy["max_mm"], 3),
    )
    emit(
        f"{name}_metric",
        round(result.metric, 4),
        "MattesMI",
        flags=result.flags,
        attempts=result.attempts,
        swapped=result.swapped,
    )
    if png:
        grid = Grid(fixed[0].shape, fixed[1])
        write_checkerboard_png(
            png,
            fixed[0],
            resample_image(*moving, grid, result.fixed_from_moving),
            title=f"{name}: fixed (even tiles, red edges) / registered moving",
            zooms=grid.spacing,
        )
    return result, points


def real_pair(patient="patient01"):
    """Visit 2 -> 1 FLAIR vs the dataset's transforms, a misaligned start, T1W/T2W -> FLAIR."""
    raw = REAL / patient / "raw"
    fixed, moving = (load_nifti(raw / f"{s}_FLAIR.nii.gz")[:2] for s in ("study1", "study2"))
    t1, t2 = (
        read_itk_transform(raw / f"{s}_FLAIR_to_common_space.txt") for s in ("study1", "study2")
    )
    truth = t1 @ np.linalg.inv(t2)
    aligned, points = bench_pair(
        f"real_{patient}_flair_v2_to_v1",
        fixed,
        moving,
        truth,
        QC / f"checkerboard_real_{patient}_flair_v1_v2.png",
    )
    moved = rigid_matrix((15.0, 0.0, 0.0), (20.0, 0.0, 0.0), centre_mm=points.mean(axis=0))
    start = register_pair_images(
        fixed, (moving[0], moved @ moving[1]), brain_mask(*fixed), brain_mask(*moving)
    )
    error = displacement_stats(start.fixed_from_moving, truth @ np.linalg.inv(moved), points)
    emit(
        f"real_{patient}_misaligned_15deg_20mm_mean_error",
        round(error["mean_mm"], 3),
        "mm",
        aligned_mean_error=round(
            displacement_stats(aligned.fixed_from_moving, truth, points)["mean_mm"], 3
        ),
        seconds=round(start.seconds, 1),
        attempts=start.attempts,
        flags=start.flags,
    )
    for study in ("study1", "study2"):
        flair = load_nifti(raw / f"{study}_FLAIR.nii.gz")[:2]
        for kind in ("T1W", "T2W"):
            other = load_nifti(raw / f"{study}_{kind}.nii.gz")[:2]
            other_from_flair = read_itk_transform(raw / f"{study}_{kind}_intrastudy_to_FLAIR.txt")
            result = register_pair_images(
                flair,
                other,
                brain_mask(*flair),
                brain_mask(*other),
                RegistrationParams(initialiser="header"),
            )
            pts = mask_points(brain_mask(*flair), flair[1], max_points=10000)
            stats = displacement_stats(
                result.fixed_from_moving, np.linalg.inv(other_from_flair), pts
            )
            emit(
                f"real_{patient}_{study}_{kind}_to_FLAIR_mean_error",
                round(stats["mean_mm"], 3),
                "mm",
                max_mm=round(stats["max_mm"], 3),
                seconds=round(result.seconds, 1),
                flags=result.flags,
                dataset_file_vs_identity_mm=round(
                    displacement_stats(other_from_flair, np.eye(4), pts)["mean_mm"], 3
                ),
            )


def phantom_chain(visits, skip_chain, scale):
    from processing.maps import compute_visit_maps
    from processing.phantom import load_truth, make_phantom_study
    from processing.registration.chain import register_participant
    from processing.registration.outputs import resample_visit
    from processing.registration.volumes import registration_volume
    from processing.study import discover

    root = make_phantom_study(
        Path(tempfile.mkdtemp()) / "study", visits=visits, scale=scale, seed=0
    )
    participant = discover(root).participant("sub-01")
    truth = load_truth(root, "sub-01")
    first, last = participant.visits[0], participant.visits[-1]
    fixed = registration_volume(first.acquisitions["MP2RAGE"])[:2]
    moving = registration_volume(first.acquisitions["dwi"])[:2]
    bench_pair(
        f"phantom_{scale}_dwi_to_mp2rage",
        fixed,
        moving,
        _truth(truth, first.session, "MP2RAGE", first.session, "dwi"),
        QC / f"checkerboard_phantom_{scale}_dwi_mp2rage.png",
    )
    if skip_chain:
        return
    for visit in participant.visits:
        compute_visit_maps(visit)
    participant = discover(root).participant("sub-01")
    start = time.perf_counter()
    chain = register_participant(participant)
    written = sum(len(resample_visit(visit, chain)) for visit in participant.visits)
    emit(
        f"phantom_{scale}_chain_{visits}_visits_with_resampling",
        round(time.perf_counter() - start, 1),
        "s",
        registrations=len(chain.pairs),
        resampled_images=written,
        registration_seconds=round(sum(_seconds(pair) for pair in chain.pairs), 1),
    )
    link_errors = []
    for pair in chain.pairs:
        (ts, tk), (ss, sk) = pair.target, pair.source
        error = displacement_stats(
            pair.target_from_source, _truth(truth, ts, tk, ss, sk), _brain(truth, ts, tk)
        )
        link_errors.append(error["mean_mm"])
        emit(
            f"phantom_{scale}_link {pair.description}",
            round(error["mean_mm"], 3),
            "mm",
            max_mm=round(error["max_mm"], 3),
            metric=round(pair.metric, 3),
            flags=pair.flags,
        )
    points = _brain(truth, first.session, "dwi")
    composed = [
        displacement_stats(m, _truth(truth, first.session, "dwi", s, k), points)["mean_mm"]
        for (s, k), m in chain.ref_from.items()
    ]
    emit(
        f"phantom_{scale}_link_mean_error_max",
        round(max(link_errors), 3),
        "mm",
        median=round(float(np.median(link_errors)), 3),
        links=len(link_errors),
        flagged=len(chain.flagged),
    )
    emit(
        f"phantom_{scale}_composed_to_ref_mean_error_max",
        round(max(composed), 3),
        "mm",
        median=round(float(np.median(composed)), 3),
        transforms=len(composed),
    )
    ref_images = [load_nifti(v.derivative("space-ref_UNIT1.nii.gz"))[0] for v in (first, last)]
    write_checkerboard_png(
        QC / f"checkerboard_phantom_{scale}_visit1_visit{visits}.png",
        *ref_images,
        title=f"phantom UNIT1 {first.session} / {last.session} in the reference space",
        zooms=chain.reference.spacing,
    )


def _truth(truth, target_session, target, source_session, source):
    """target_from_source of the planted motion (UNIT1 shares the MP2RAGE geometry)."""
    name = {"UNIT1": "MP2RAGE"}
    b = truth.acquisition(target_session, name.get(target, target))
    a = truth.acquisition(source_session, name.get(source, source))
    return b.world_from_anatomy @ np.linalg.inv(a.world_from_anatomy)


def _brain(truth, session, acquisition):
    geometry = truth.acquisition(session, {"UNIT1": "MP2RAGE"}.get(acquisition, acquisition))
    return mask_points(geometry.load_map("tissue") >= 4, geometry.affine, max_points=5000)


def _seconds(pair):
    import json as _json

    return float(_json.loads(pair.path.with_suffix(".json").read_text()).get("Seconds", 0.0))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chain-visits", type=int, default=10)
    parser.add_argument("--skip-chain", action="store_true")
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--scale", default="tiny", choices=("tiny", "small"))
    args = parser.parse_args()
    QC.mkdir(parents=True, exist_ok=True)
    if REAL.is_dir() and not args.skip_real:
        real_pair()
    phantom_chain(args.chain_visits, args.skip_chain, args.scale)


if __name__ == "__main__":
    main()
