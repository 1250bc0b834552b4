"""Benchmark of the new-lesion candidates on phantom participants: recall, false candidates, time, memory.

For each seed: one phantom participant (``make_phantom_study``, 10 visits,
noise and head movement), then only the steps the A-CMI candidates need
(:func:`processing.candidates.accuracy.prepare_phantom_participant`: DWI and
R1 maps, the ``to-ref`` transforms, the resampling of the traces, MD, the DWI
brain mask and R1 into visit 1's DWI grid). ``--transforms truth`` (default)
writes the planted head movements as the transforms (a perfect registration,
as the candidates phantom test does); ``--transforms registered`` runs the
registration chain's DWI links (each visit's DWI to its UNIT1, each UNIT1 to
visit 1's).

Detection then runs in a fresh interpreter (``--detect``), once for Ferret
(:func:`processing.candidates.detect.participant_candidates`, default
settings) and once for the naive baseline below, so that each one's seconds
(reading the maps included) and peak RSS are its own.

**Naive baseline** (the peer): the b1000 trace of every visit divided by its
brain median, minus the voxel-wise median over all visits, divided by that
difference's robust spread in the brain (1.4826 MAD, per visit); voxels above
4 form connected components (26-neighbourhood) per visit, each one candidate
at its peak voxel, ranked by peak over all visits, the first 50 kept (the
length of Ferret's list).

Figures, one JSON object a line (``name, value, unit, peer, peer_value``),
per scale and seed: ``recall_at_10`` and ``recall_at_20`` of the planted
A-CMIs at their onset visit (a candidate at that visit within 3 mm of the
lesion centre), ``false_candidates`` (candidates finding no A-CMI at its onset,
over the whole list at the default threshold), ``confusions`` (candidates on a
C-CMI, microbleed or white matter hyperintensity: never new), ``detect_s``,
``detect_peak_rss_mb``; and the preparation's ``phantom_s``, ``maps_s``,
``transforms_s``, ``resample_s`` (no peer). ``acmi_ranks`` rides along on the
recall lines.

Run: ``python bench/candidates.py [--scale small|full] [--seeds 11,12,13,14,15]
[--transforms truth|registered] [--visits 10] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PEER = "naive per-visit threshold"
NAIVE_Z = 4.0
NAIVE_KEEP = 50


def emit(name, value, unit, peer=None, peer_value=None, **extra) -> None:
    """Print one figure as a JSON line."""
    record = {"name": name, "value": value, "unit": unit, "peer": peer, "peer_value": peer_value}
    print(json.dumps({**record, **extra}), flush=True)


def naive_candidates(series) -> list[dict]:
    """Detect with the baseline: per-visit z of the b1000 trace against the median over visits, thresholded."""
    from scipy import ndimage

    from processing.candidates.change import MAD_TO_SD, gain_normalised

    brain = series.brain
    stack = gain_normalised(series.maps["trace_b1000"], brain)
    difference = stack - np.nanmedian(stack, axis=0)
    found = []
    for visit, volume in enumerate(difference):
        inside = volume[brain & np.isfinite(volume)]
        spread = MAD_TO_SD * float(np.median(np.abs(inside - np.median(inside))))
        z = np.where(brain & np.isfinite(volume), volume / max(spread, 1e-12), 0)
        labels, count = ndimage.label(z > NAIVE_Z, structure=np.ones((3, 3, 3), bool))
        if not count:
            continue
        peaks = ndimage.maximum_position(z, labels, range(1, count + 1))
        found += [(float(z[ijk]), series.sessions[visit], world(series, ijk)) for ijk in peaks]
    return ranked_rows(found, NAIVE_KEEP)


def world(series, ijk) -> np.ndarray:
    """Reference-space RAS mm of voxel ``ijk`` of the series' grid."""
    return series.affine[:3, :3] @ np.asarray(ijk, float) + series.affine[:3, 3]


def ranked_rows(found: list[tuple], keep: int) -> list[dict]:
    """``(score, session, position)`` tuples as candidate rows, the highest score first, ``keep`` at most."""
    found = sorted(found, key=lambda item: -item[0])
    return [
        {"rank": rank, "session_id": session, "score": peak, "x": x, "y": y, "z": zz}
        for rank, (peak, session, (x, y, zz)) in enumerate(found[:keep], start=1)
    ]


def detect(root: str, method: str) -> None:
    """Child process: detect, then print the rows, the seconds and the peak RSS as one JSON line."""
    from processing.study import discover

    start = time.perf_counter()
    study = discover(root)
    participant = study.participants["sub-01"]
    if method == "ferret":
        from processing.candidates.detect import participant_candidates

        rows = [c.record() for c in participant_candidates(study.root, participant)]
    else:
        from processing.candidates.series import load_series

        rows = naive_candidates(load_series(participant, ["trace_b1000"]))
    seconds = time.perf_counter() - start
    peak_mb = peak_rss_mb()
    keep = ("rank", "session_id", "score", "x", "y", "z")
    print(
        json.dumps(
            {
                "rows": [{k: row[k] for k in keep} for row in rows],
                "seconds": seconds,
                "peak_mb": peak_mb,
            }
        )
    )


def peak_rss_mb() -> float:
    """Return the process's peak resident memory (MB): ``VmHWM``, which starts afresh at exec.

    (``ru_maxrss`` does not: a child started from a large parent reports the parent's size.)
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_detection(root: Path, method: str, script: str = __file__) -> dict:
    """Run ``script --detect ROOT --method METHOD`` in a fresh interpreter; return its JSON result."""
    done = subprocess.run(
        [sys.executable, script, "--detect", str(root), "--method", method],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(scale: str, seed: int, visits: int, transforms: str, folder: Path) -> None:
    """Every figure of one phantom participant."""
    from processing.candidates.accuracy import assess, prepare_phantom_participant, truth_lesions
    from processing.phantom import make_phantom_study

    stem = f"candidates_{scale}_seed{seed}"
    start = time.perf_counter()
    root = make_phantom_study(folder / f"{scale}-{seed}", visits=visits, scale=scale, seed=seed)
    emit(f"{stem}_phantom_s", round(time.perf_counter() - start, 1), "s")
    for step, seconds in prepare_phantom_participant(root, transforms=transforms).items():
        emit(f"{stem}_{step}_s", round(seconds, 1), "s", transforms=transforms)
    lesions = truth_lesions(root)
    ours, naive = run_detection(root, "ferret"), run_detection(root, "naive")
    a, b = assess(ours["rows"], lesions), assess(naive["rows"], lesions)
    for figure, unit in (("recall_at_10", "fraction"), ("recall_at_20", "fraction")):
        emit(
            f"{stem}_{figure}",
            round(a[figure], 3),
            unit,
            PEER,
            round(b[figure], 3),
            acmi_ranks=a["acmi_ranks"],
            peer_acmi_ranks=b["acmi_ranks"],
        )
    emit(f"{stem}_false_candidates", a["false"], "count", PEER, b["false"], late=a["late"])
    emit(
        f"{stem}_confusions",
        len(a["confusions"]),
        "count",
        PEER,
        len(b["confusions"]),
        which=a["confusions"],
    )
    emit(f"{stem}_detect_s", round(ours["seconds"], 2), "s", PEER, round(naive["seconds"], 2))
    emit(
        f"{stem}_detect_peak_rss_mb",
        round(ours["peak_mb"]),
        "MB",
        PEER,
        round(naive["peak_mb"]),
    )


def main(argv: list[str]) -> None:
    """Parse the options; measure every seed (or, with ``--detect``, be the child)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="small", choices=("tiny", "small", "full"))
    parser.add_argument("--seeds", default="11,12,13,14,15")
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--transforms", default="truth", choices=("truth", "registered"))
    parser.add_argument(
        "--keep", help="write the phantoms here (kept) instead of a temporary folder"
    )
    parser.add_argument("--detect", help=argparse.SUPPRESS)
    parser.add_argument("--method", default="ferret", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.detect:
        detect(args.detect, args.method)
        return
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    for seed in seeds:
        if args.keep:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
            measure(args.scale, seed, args.visits, args.transforms, Path(args.keep))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                measure(args.scale, seed, args.visits, args.transforms, Path(tmp))


if __name__ == "__main__":
    main(sys.argv[1:])
