"""Benchmark: rater agreement for a 54-participant study on the full-scale reference grid, as JSON lines.

Synthetic label volumes: per participant two raters on visit 1's DWI grid at
full scale (1.7 mm, 144 x 144 x 96 voxels), 30 lesions each of 1-40 voxels
(A-CMI sizes up to about 5 mm and a few larger C-CMI/lacune-like ones); rater B
drops 10 %, adds 10 %, dilates 20 %, shifts 20 % by a voxel and splits 5 %.

Figures: ``agreement_study_s`` and ``agreement_per_participant_s`` (overlap
matching with Hungarian assignment, voxel Dice, detection, Dice quartiles, from
label volumes in memory) beside a naive per-lesion loop (a boolean mask per
lesion pair, as a script without :mod:`processing.matching` would do; timed on
3 participants and scaled to 54, same pairs checked equal); ``agreement_peak_mb``
(tracemalloc peak of one participant); and ``agreement_command_s``: the whole
``ferret consensus agreement`` on 54 participants' rater stores on disk
(reading the stores, matching, tables, XLSX and figure).

Run: ``.venv/bin/python bench/consensus.py [--participants 54] [--no-command]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from processing.matching import match_by_overlap  # noqa: E402
from processing.matching.agreement import detection, dice_summary, voxel_dice  # noqa: E402

SHAPE = (144, 144, 96)
AFFINE = np.diag([1.7, 1.7, 1.7, 1.0])
LESIONS = 30


def emit(
    name: str, value: float, unit: str, peer: str | None = None, peer_value: float | None = None
) -> None:
    print(
        json.dumps(
            {
                "name": name,
                "value": round(value, 4),
                "unit": unit,
                "peer": peer,
                "peer_value": None if peer_value is None else round(peer_value, 4),
            }
        ),
        flush=True,
    )


def rater_pair(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two raters' label volumes with planted differences."""
    rng = np.random.default_rng(seed)
    a, b = np.zeros(SHAPE, np.int32), np.zeros(SHAPE, np.int32)
    next_b = LESIONS + 1
    for lesion in range(1, LESIONS + 1):
        centre = rng.integers(10, np.array(SHAPE) - 10)
        radius = rng.choice([0.5, 1.0, 1.5, 2.0]) if lesion % 10 else 3.0
        box = tuple(slice(c - 4, c + 5) for c in centre)
        grid = np.indices((9, 9, 9)).transpose(1, 2, 3, 0) - 4
        blob = np.linalg.norm(grid, axis=-1) <= radius
        a[box][blob] = lesion
        fate = rng.random()
        if fate < 0.1:
            continue  # dropped by B
        shaped = (
            ndimage.binary_dilation(blob)
            if fate < 0.3
            else np.roll(blob, 1, 0)
            if fate < 0.5
            else blob
        )
        b[box][shaped] = lesion
        if 0.5 <= fate < 0.55 and blob.sum() > 1:  # split by B
            half = shaped & (grid[..., 0] > 0)
            b[box][half] = next_b
            next_b += 1
    for _ in range(LESIONS // 10):  # added by B
        centre = rng.integers(10, np.array(SHAPE) - 10)
        b[tuple(centre)] = next_b
        next_b += 1
    return a, b


def fast_agreement(a: np.ndarray, b: np.ndarray) -> tuple:
    matching = match_by_overlap(a, b, AFFINE)
    return detection(matching), voxel_dice(a, b), dice_summary(matching.dices()), matching


def naive_pairs(a: np.ndarray, b: np.ndarray) -> dict:
    """Per-lesion loop: a boolean mask for every pair of lesions, Dice where they overlap."""
    pairs = {}
    for i in np.unique(a[a > 0]):
        mask_a = a == i
        for j in np.unique(b[b > 0]):
            mask_b = b == j
            shared = np.count_nonzero(mask_a & mask_b)
            if shared:
                pairs[(int(i), int(j))] = 2 * shared / (mask_a.sum() + mask_b.sum())
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=54)
    parser.add_argument("--no-command", action="store_true", help="skip the on-disk command run")
    args = parser.parse_args()
    volumes = [rater_pair(seed) for seed in range(args.participants)]
    start = time.perf_counter()
    results = [fast_agreement(a, b) for a, b in volumes]
    total = time.perf_counter() - start
    sample = volumes[:3]
    start = time.perf_counter()
    naive = [naive_pairs(a, b) for a, b in sample]
    naive_per = (time.perf_counter() - start) / len(sample)
    for (_, _, _, matching), pairs in zip(results[: len(sample)], naive, strict=True):
        ours = {(r.a, r.b): r.dice for r in matching.rows if r.overlap}
        assert ours.keys() == pairs.keys() and all(abs(ours[k] - pairs[k]) < 1e-12 for k in ours)
    emit(
        "agreement_study_s",
        total,
        "s",
        f"naive per-lesion loop, {args.participants} participants (scaled)",
        naive_per * args.participants,
    )
    emit(
        "agreement_per_participant_s",
        total / args.participants,
        "s",
        "naive per-lesion loop",
        naive_per,
    )
    tracemalloc.start()
    fast_agreement(*volumes[0])
    emit("agreement_peak_mb", tracemalloc.get_traced_memory()[1] / 2**20, "MB")
    tracemalloc.stop()
    f1 = np.nanmean([r[0].f1 for r in results])
    emit("agreement_mean_lesion_f1", f1, "1", "planted: 10 % dropped, 10 % added, 5 % split")
    if not args.no_command:
        emit(
            "agreement_command_s",
            command_run(volumes),
            "s",
            f"ferret consensus agreement, {args.participants} participants' stores on disk",
        )


def command_run(volumes) -> float:
    """Write every participant's two rater stores, then time the command on them."""
    from app.cli import main as ferret
    from processing.annotations import Grid, RaterWorkspace

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "study"
        root.mkdir()
        (root / "participants.tsv").write_text(
            "participant_id\n" + "".join(f"sub-{p + 1:02d}\n" for p in range(len(volumes)))
        )
        for rater, side in (("A", 0), ("B", 1)):
            with RaterWorkspace(root, rater) as workspace:
                for p, pair in enumerate(volumes):
                    session = workspace.open_session(
                        f"sub-{p + 1:02d}", Grid(SHAPE, AFFINE), backup_interval=3600
                    )
                    session.labels.write(tuple(slice(0, n) for n in SHAPE), pair[side], "import")
                    session.close()
                    workspace.sessions.clear()
        start = time.perf_counter()
        status = ferret(
            [
                "consensus",
                "agreement",
                str(root),
                "--raters",
                "A,B",
                "--out",
                str(Path(tmp) / "out"),
            ]
        )
        elapsed = time.perf_counter() - start
        assert status == 0
        return elapsed


if __name__ == "__main__":
    main()
