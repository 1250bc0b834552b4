"""Benchmark of the MARS location registration: seconds and region agreement on real anatomy.

Prints one JSON object per line. patient07's T1 (MNI grid) is moved by a
known random affine and smooth displacement and resampled to each voxel size
(``tests/processing/location_warp.py``); the MNI template is registered to it
affine only and affine + B-spline. Agreement over the moved brain's voxels:
``consistency`` against Ferret's own labels on the unmoved T1 carried by the
known transform, ``raw`` against the atlas read straight off the MNI grid (low
by patient07's 13 % smaller brain: see ``tests/processing/test_location_real.py``).
The peer is the affine-only registration. With ``--phantom STUDY`` also the
``location`` step (the engine's ``atlas`` job) on a phantom study, timed.

Usage: .venv/bin/python bench/location.py [--voxels 1.2,0.85] [--phantom STUDY]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "processing"))

from location_warp import agreement, patient_t1, warped_case  # noqa: E402

from processing.location.atlas import load_atlas, load_template  # noqa: E402
from processing.location.carry import labels_on_grid  # noqa: E402
from processing.location.register import TemplateSettings, register_template  # noqa: E402
from processing.spaces.grid import Grid  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"


def emit(name, value, unit, **extra):
    print(json.dumps({"name": name, "value": value, "unit": unit, **extra}), flush=True)


def real(voxels: list[float]) -> None:
    atlas, (template, mask) = load_atlas(), load_template()
    moving = (template.data, template.affine)
    t1, affine = patient_t1(REAL)
    for deformable in (False, True):
        settings = replace(TemplateSettings(), deformable=deformable)
        label = "affine+bspline" if deformable else "affine"
        unmoved = register_template((t1, affine), t1 > 0, moving, mask, settings)
        reference = labels_on_grid(atlas, Grid(t1.shape, affine), unmoved.transform)
        for voxel in voxels:
            case = warped_case(REAL, seed=0, voxel_mm=voxel)
            start = time.perf_counter()
            result = register_template(
                (case.image, case.grid.affine), case.mask, moving, mask, settings
            )
            found = labels_on_grid(atlas, case.grid, result.transform)
            seconds = time.perf_counter() - start
            consistency = agreement(found, case.carry(reference), case.mask)
            raw = agreement(found, case.labels, case.mask)
            extra = {"voxel_mm": voxel, "shape": list(case.grid.shape), "stages": label}
            emit(f"location registration {label} {voxel} mm", round(seconds, 1), "s", **extra)
            for name, value in consistency.items():
                emit(f"consistency {name} {label} {voxel} mm", round(value, 4), "fraction", **extra)
            for name, value in raw.items():
                emit(f"raw {name} {label} {voxel} mm", round(value, 4), "fraction", **extra)


def phantom(study: Path) -> None:
    from processing.engine import Cache, SerialExecutor, run
    from processing.engine.pipeline import study_graph, targets_for
    from processing.study import discover

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "study"
        shutil.copytree(study, root, ignore=shutil.ignore_patterns("ferret"))
        graph = study_graph(discover(root))
        run(
            graph, Cache.for_study(root), SerialExecutor(), targets=targets_for(graph, ["resample"])
        )
        start = time.perf_counter()
        summary = run(
            graph, Cache.for_study(root), SerialExecutor(), targets=targets_for(graph, ["location"])
        )
        emit(
            "location step (atlas job) on the phantom",
            round(time.perf_counter() - start, 1),
            "s",
            study=str(study),
            done=sorted(summary.done),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voxels", default="1.2,0.85")
    parser.add_argument("--phantom", type=Path)
    args = parser.parse_args()
    if args.phantom:
        phantom(args.phantom)
    if REAL.is_dir():
        real([float(v) for v in args.voxels.split(",")])
    else:
        print(f"real scans not found at {REAL}: registration figures skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
