"""Benchmark of the microbleed candidates on phantom participants: sensitivity, false positives, time, memory.

For each seed: one phantom participant (``make_phantom_study`` with veins,
``--visits 1`` by default: one visit), then only the steps the microbleed
candidates need (:func:`processing.candidates.accuracy.prepare_phantom_participant`
with the ``cmb`` settings: the MEGRE maps, the planted head movements as the
``to-ref`` transforms, SWI and R2* resampled into the reference space).
Detection runs in a fresh interpreter, once for Ferret
(:func:`processing.candidates.detect.participant_candidates` with
:data:`processing.candidates.settings.CMB`) and once for the baseline, so that
each one's seconds (reading the maps included) and peak RSS are its own.

**Baseline** (the peer): plain threshold and label, as a first detector would
be written. The SWI of each visit divided by its brain median; voxels darker
than the brain median by more than 4 robust standard deviations (1.4826 MAD)
form connected components (26-neighbourhood) of 1 to 500 voxels, each one
candidate at its darkest voxel, ranked by depth; the first 50 kept.

Figures per scale and seed (``name, value, unit, peer, peer_value``):
``sensitivity`` (planted microbleeds with a candidate within 5 mm at any
visit, the hit criterion of ``ferret cmb evaluate``), ``false_positives``
(candidates finding none; ``on_other`` lists those on another planted lesion),
``detect_s``, ``detect_peak_rss_mb``; ``phantom_s`` and the preparation's
step seconds (no peer). Goal of issue 15 at the full scale: sensitivity >= 0.9
with at most 10 false positives per participant.

Run: ``python bench/cmb.py [--scale small|full] [--seeds 51,52,53] [--visits 1]
[--no-veins] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from candidates import emit, peak_rss_mb, ranked_rows, run_detection, world  # noqa: E402

PEER = "threshold and label"
BASELINE_Z = 4.0
BASELINE_KEEP = 50
BASELINE_MAX_VOXELS = 500


def baseline_candidates(series) -> list[dict]:
    """Detect with the baseline: dark SWI voxels beyond 4 robust SDs, labelled, ranked by depth."""
    from scipy import ndimage

    from processing.candidates.change import MAD_TO_SD

    brain, found = series.brain, []
    for visit, volume in enumerate(series.maps["SWI"]):
        inside = volume[brain & np.isfinite(volume)]
        centre = float(np.median(inside))
        spread = MAD_TO_SD * float(np.median(np.abs(inside - centre)))
        depth = np.where(brain & np.isfinite(volume), (centre - volume) / max(spread, 1e-12), 0)
        labels, count = ndimage.label(depth > BASELINE_Z, structure=np.ones((3, 3, 3), bool))
        if not count:
            continue
        sizes = np.bincount(labels.ravel())
        keep = [i for i in range(1, count + 1) if sizes[i] <= BASELINE_MAX_VOXELS]
        peaks = ndimage.maximum_position(depth, labels, keep)
        found += [(float(depth[ijk]), series.sessions[visit], world(series, ijk)) for ijk in peaks]
    return ranked_rows(found, BASELINE_KEEP)


def detect(root: str, method: str) -> None:
    """Child process: detect, then print the rows, the seconds and the peak RSS as one JSON line."""
    from processing.candidates.settings import CMB
    from processing.study import discover

    start = time.perf_counter()
    participant = discover(root).participants["sub-01"]
    if method == "ferret":
        from processing.candidates.detect import participant_candidates

        rows = [c.record() for c in participant_candidates(root, participant, CMB)]
    else:
        from processing.candidates.series import load_series

        rows = baseline_candidates(load_series(participant, ["SWI"]))
    keep = ("rank", "session_id", "score", "x", "y", "z")
    print(
        json.dumps(
            {
                "rows": [{k: row[k] for k in keep} for row in rows],
                "seconds": time.perf_counter() - start,
                "peak_mb": peak_rss_mb(),
            }
        )
    )


def measure(scale: str, seed: int, visits: int, veins: bool, folder: Path) -> None:
    """Every figure of one phantom participant."""
    from processing.candidates.accuracy import (
        assess_microbleeds,
        prepare_phantom_participant,
        truth_lesions,
    )
    from processing.candidates.settings import CMB
    from processing.phantom import make_phantom_study

    stem = f"cmb_{scale}_seed{seed}{'' if veins else '_noveins'}"
    start = time.perf_counter()
    root = make_phantom_study(
        folder / f"{scale}-{seed}", visits=visits, scale=scale, seed=seed, veins=veins
    )
    emit(f"{stem}_phantom_s", round(time.perf_counter() - start, 1), "s")
    for step, seconds in prepare_phantom_participant(root, settings=CMB).items():
        emit(f"{stem}_{step}_s", round(seconds, 1), "s")
    lesions = truth_lesions(root)
    ours = run_detection(root, "ferret", __file__)
    theirs = run_detection(root, "baseline", __file__)
    a, b = assess_microbleeds(ours["rows"], lesions), assess_microbleeds(theirs["rows"], lesions)
    emit(
        f"{stem}_sensitivity",
        round(a["sensitivity"], 3),
        "fraction",
        PEER,
        round(b["sensitivity"], 3),
        ranks=a["ranks"],
        peer_ranks=b["ranks"],
        microbleeds=len(a["ranks"]),
    )
    emit(
        f"{stem}_false_positives",
        a["false"],
        "count",
        PEER,
        b["false"],
        on_other=a["on_other"],
        listed=len(ours["rows"]),
    )
    emit(f"{stem}_detect_s", round(ours["seconds"], 2), "s", PEER, round(theirs["seconds"], 2))
    emit(f"{stem}_detect_peak_rss_mb", round(ours["peak_mb"]), "MB", PEER, round(theirs["peak_mb"]))


def main(argv: list[str]) -> None:
    """Parse the options; measure every seed (or, with ``--detect``, be the child)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="small", choices=("tiny", "small", "full"))
    parser.add_argument("--seeds", default="51,52,53")
    parser.add_argument("--visits", type=int, default=1)
    parser.add_argument("--no-veins", action="store_true")
    parser.add_argument("--keep", help="write the phantoms here (kept)")
    parser.add_argument("--detect", help=argparse.SUPPRESS)
    parser.add_argument("--method", default="ferret", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.detect:
        detect(args.detect, args.method)
        return
    for seed in [int(s) for s in args.seeds.split(",") if s.strip()]:
        if args.keep:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
            measure(args.scale, seed, args.visits, not args.no_veins, Path(args.keep))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                measure(args.scale, seed, args.visits, not args.no_veins, Path(tmp))


if __name__ == "__main__":
    main(sys.argv[1:])
