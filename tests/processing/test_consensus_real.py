"""Agreement on real anatomy: the open-MS 3-rater consensus mask against a perturbed copy of itself.

The study lives in ``tmp_path``; its participant ``sub-01`` is annotated on the
grid of ``open_ms_consensus_mni/patient07/GOLD_STANDARD_*`` (MNI, 182x218x182,
1 mm, LAS), read with Ferret's own :func:`~processing.spaces.reference.grid_of_image`.

Rater A: the face-connected (6-connectivity) components of the gold standard,
which gives the dataset's 49 lesions of 1 to 209 voxels. With 26-connectivity
(Ferret's :func:`~processing.matching.lesions.label_components`) the same mask
has only 37 components: lesions touching by an edge or a corner join.
Every lesion is a WMH with ``location`` cycling periventricular / deep /
juxtacortical by lesion ID.

Rater B, with differences chosen here:

- drops lesions 3, 21 and 26 (1 voxel each);
- adds lesions 101-103 (2x2x2 voxels) inside the brain (FLAIR > 0), at least
  15 voxels from any lesion of A and from each other;
- dilates lesions 8 (1 voxel), 12 (12), 11 (55) and 39 (138) by one voxel
  (6-neighbourhood) - no other lesion lies within 3 voxels of their bounding boxes;
- shifts lesion 24 (35 voxels) by one voxel along the first axis;
- splits lesion 34 (209 voxels, the largest) in two along its first axis: the
  first 40 % of its extent becomes lesion 100;
- answers ``location`` differently on the untouched lesions 1, 15, 37 and 44.

Every count, status, Dice, F1 and the Cohen kappa of ``location`` reported by
the library and by ``ferret consensus agreement`` are checked against a direct
numpy computation of the voxel overlaps (kappa against statsmodels), and the
consensus session's queue against the disagreements planted. Measured on this
data: n_A 49, n_B 50; 45 matched, 3 only-A, 3 only-B, 1 split (34 into 34 and
100, 118 and 91 voxels; pair Dice 0.722 and 0.607, the first assigned); lesion
F1 92/99 = 0.929; voxel Dice 0.873; per-pair Dice median 1.0 [IQR 1.0-1.0];
dilated pairs' Dice 0.25 (lesion 8), 0.436 (12), 0.553 (11), 0.590 (39), the
shifted pair 0.60 with centres 1 mm apart; Cohen kappa of ``location`` 0.8693
[0.7469, 0.9917] over 46 pairs. Queue: 13 items (3 only-A, 3 only-B, 1 split,
2 low-Dice: lesions 8 and 12, 4 ratings-differ); 39 agreeing pairs settled on
open. About 20 s in all (writing two 182x218x182 stores dominates).
"""

from __future__ import annotations

import csv
import json

import nibabel as nib
import numpy as np
import pytest
from scipy import ndimage
from statsmodels.stats import inter_rater

from app.cli import main
from processing.annotations import RaterWorkspace
from processing.consensus.queue import AGREED, DICE_THRESHOLD
from processing.consensus.report import study_agreement
from processing.consensus.session import ConsensusSession
from processing.matching.lesions import label_components
from processing.spaces.reference import grid_of_image

pytestmark = pytest.mark.slow

FOLDER = "open_ms_consensus_mni/patient07"
GOLD = "GOLD_STANDARD_N4_noneck_reduced_winsor_regtoFLAIR_regtoMNI.nii.gz"
FLAIR = "FLAIR_N4_noneck_reduced_winsor_regtoFLAIR_brain_N4_regtoMNI.nii.gz"
LOCATIONS = ("periventricular", "deep", "juxtacortical")
DROP = (3, 21, 26)
DILATE = (8, 12, 11, 39)
SHIFT = 24
SPLIT, SPLIT_PART = 34, 100
ADDED = (101, 102, 103)
RERATE = (1, 15, 37, 44)
OPTIONS = {"checkpoint_delay": 0.05, "backup_interval": 3600}


def location(rater: str, lesion: int) -> str:
    """Rater A's answer cycles by ID; B answers the next option on RERATE, A's answer of 34 on 100."""
    if lesion == SPLIT_PART:
        lesion = SPLIT
    shift = 1 if rater == "B" and lesion in RERATE else 0
    return LOCATIONS[(lesion + shift) % 3]


@pytest.fixture(scope="module")
def raters(real_data, tmp_path_factory):
    """Return (study root, labels of A, labels of B, grid)."""
    gold_path = real_data / FOLDER / GOLD
    if not gold_path.exists():
        pytest.skip(f"{gold_path} is absent")
    gold = np.asarray(nib.load(gold_path).dataobj) > 0
    grid = grid_of_image(gold_path)
    assert grid.shape == gold.shape == (182, 218, 182)
    a, count = ndimage.label(gold)
    a = a.astype(np.int32)
    assert count == 49 and label_components(gold).max() == 37
    brain = np.asarray(nib.load(real_data / FOLDER / FLAIR).dataobj) > 0
    b = perturbed(a, brain)
    root = tmp_path_factory.mktemp("consensus_real") / "study"
    root.mkdir()
    (root / "dataset_description.json").write_text(
        json.dumps({"Name": "open-MS patient07 consensus", "BIDSVersion": "1.9.0"})
    )
    (root / "participants.tsv").write_text("participant_id\nsub-01\n")
    for rater, labels in (("A", a), ("B", b)):
        write_rater(root, rater, labels, grid)
    return root, a, b, grid


def isolated(labels: np.ndarray, lesion: int, margin: int) -> bool:
    """Return True when no other lesion lies within ``margin`` voxels of the lesion's bounding box."""
    (box,) = ndimage.find_objects((labels == lesion).astype(np.int8))
    around = labels[tuple(slice(max(s.start - margin, 0), s.stop + margin) for s in box)]
    return not np.any((around != 0) & (around != lesion))


def perturbed(a: np.ndarray, brain: np.ndarray) -> np.ndarray:
    sizes = np.bincount(a.ravel())
    assert [sizes[i] for i in DROP] == [1, 1, 1]
    assert [sizes[i] for i in DILATE] == [1, 12, 55, 138] and sizes[SHIFT] == 35
    assert sizes[SPLIT] == sizes[1:].max() == 209
    assert all(isolated(a, lesion, 3) for lesion in (*DILATE, SHIFT))
    b = np.where(np.isin(a, DROP), 0, a)
    for lesion in DILATE:
        b[ndimage.binary_dilation(a == lesion) & (b == 0)] = lesion
    b[b == SHIFT] = 0
    b[np.roll(a == SHIFT, 1, axis=0)] = SHIFT
    split = np.argwhere(a == SPLIT)
    low, high = split[:, 0].min(), split[:, 0].max()
    first = split[split[:, 0] < low + 0.4 * (high - low + 1)]
    assert 0 < len(first) < len(split) / 2
    b[tuple(first.T)] = SPLIT_PART
    far = ndimage.distance_transform_edt(a == 0) >= 15
    inside = ndimage.binary_erosion(brain, iterations=3)
    for lesion in ADDED:
        candidates = np.argwhere(far & inside)
        spot = candidates[len(candidates) // 2]
        corner = tuple(slice(c, c + 2) for c in spot)
        assert not b[corner].any()
        b[corner] = lesion
        far[tuple(slice(max(c - 15, 0), c + 17) for c in spot)] = False
    return b


def write_rater(root, rater: str, labels: np.ndarray, grid) -> None:
    with RaterWorkspace(root, rater) as workspace:
        session = workspace.open_session("sub-01", grid, visit="ses-01")
        session.labels.write(tuple(slice(0, n) for n in grid.shape), labels, "import")
        for lesion in np.unique(labels[labels > 0]).tolist():
            session.set_lesion_type(lesion, "WMH")
            session.set_rating(lesion, "location", location(rater, lesion))
        session.flush()


def dice(x: np.ndarray, y: np.ndarray) -> float:
    return 2 * np.count_nonzero(x & y) / (np.count_nonzero(x) + np.count_nonzero(y))


def direct(a: np.ndarray, b: np.ndarray) -> dict:
    """Compute the matching from scratch: overlaps, statuses and the one-to-one pairs."""
    both = (a > 0) & (b > 0)
    codes, shared = np.unique(a[both].astype(np.int64) * 1000 + b[both], return_counts=True)
    overlaps = {(int(c // 1000), int(c % 1000)): int(n) for c, n in zip(codes, shared, strict=True)}
    size_a, size_b = np.bincount(a.ravel()), np.bincount(b.ravel())
    pair_dice = {(i, j): 2 * n / (size_a[i] + size_b[j]) for (i, j), n in overlaps.items()}
    partners_a = {i: [j for (x, j) in overlaps if x == i] for i, _ in overlaps}
    partners_b = {j: [i for (i, y) in overlaps if y == j] for _, j in overlaps}
    status = {
        (i, j): "split"
        if len(partners_a[i]) > 1
        else "merged"
        if len(partners_b[j]) > 1
        else "matched"
        for i, j in overlaps
    }
    # the only group with more than one overlap here is one lesion of A split in two
    assert all(len(p) == 1 for p in partners_b.values())
    assigned = {(i, max(js, key=lambda j: pair_dice[(i, j)])) for i, js in partners_a.items()}
    ids_a, ids_b = set(np.unique(a[a > 0]).tolist()), set(np.unique(b[b > 0]).tolist())
    return {
        "dice": pair_dice,
        "status": status,
        "assigned": assigned,
        "only_a": ids_a - set(partners_a),
        "only_b": ids_b - set(partners_b),
        "n_a": len(ids_a),
        "n_b": len(ids_b),
    }


def test_agreement_equals_direct_computation(raters):
    root, a, b, _ = raters
    truth = direct(a, b)
    assert truth["only_a"] == set(DROP) and truth["only_b"] == set(ADDED)
    assert {k for k, s in truth["status"].items() if s == "split"} == {
        (SPLIT, SPLIT),
        (SPLIT, SPLIT_PART),
    }
    report = study_agreement(root, ["A", "B"])
    rows = {(r["lesion_A"], r["lesion_B"]): r for r in report.lesions}
    expected_rows = set(truth["status"]) | {(i, None) for i in DROP} | {(None, j) for j in ADDED}
    assert set(rows) == expected_rows and len(report.lesions) == len(expected_rows)
    for key, status in truth["status"].items():
        assert rows[key]["status"] == status, key
        assert rows[key]["dice"] == pytest.approx(truth["dice"][key], abs=1e-6), key
        assert rows[key]["assigned"] == (key in truth["assigned"]), key
        assert rows[key]["location_A"] == location("A", key[0])
        assert rows[key]["location_B"] == location("B", key[1])
    assert all(rows[(i, None)]["status"] == "only-A" for i in DROP)
    assert all(rows[(None, j)]["status"] == "only-B" for j in ADDED)
    for lesion in DILATE:
        grown = ndimage.binary_dilation(a == lesion)
        assert rows[(lesion, lesion)]["dice"] == pytest.approx(dice(a == lesion, grown), abs=1e-6)
        assert rows[(lesion, lesion)]["volume_B_mm3"] == pytest.approx(grown.sum())
    assert rows[(SHIFT, SHIFT)]["centre_distance_mm"] == pytest.approx(1.0, abs=1e-6)
    total = next(r for r in report.summary if r["participant_id"] == "all")
    pair_dice = [truth["dice"][k] for k in truth["assigned"]]
    assert (total["n_A"], total["n_B"]) == (truth["n_a"], truth["n_b"]) == (49, 50)
    assert total["matched"] == sum(s == "matched" for s in truth["status"].values()) == 45
    assert (total["only_A"], total["only_B"], total["split_merged"]) == (3, 3, 1)
    assert total["lesion_f1"] == pytest.approx(2 * len(truth["assigned"]) / (49 + 50))
    assert total["lesion_f1"] == pytest.approx(92 / 99)
    assert total["voxel_dice"] == pytest.approx(dice(a > 0, b > 0))
    q1, median, q3 = np.percentile(pair_dice, [25, 50, 75])
    assert (total["dice_median"], total["dice_q1"], total["dice_q3"]) == pytest.approx(
        (median, q1, q3)
    )
    kappa = next(r for r in report.ratings if r["field"] == "location" and r["method"] == "Cohen")
    table = np.zeros((3, 3))
    for i, j in truth["assigned"]:
        table[LOCATIONS.index(location("A", i)), LOCATIONS.index(location("B", j))] += 1
    expected = inter_rater.cohens_kappa(table)
    assert kappa["n"] == len(truth["assigned"]) == 46
    assert kappa["kappa"] == pytest.approx(expected.kappa, abs=1e-4)
    assert kappa["ci_low"] == pytest.approx(max(expected.kappa_low, -1), abs=1e-4)
    assert kappa["ci_high"] == pytest.approx(min(expected.kappa_upp, 1), abs=1e-4)


def test_command_writes_the_same_figures(raters, tmp_path, capsys):
    root, a, b, _ = raters
    truth = direct(a, b)
    out = tmp_path / "agreement"
    assert main(["consensus", "agreement", str(root), "--raters", "A,B", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "A vs B: 49 and 50 lesions, 45 matched, 3 only A, 3 only B, 1 split/merged" in printed
    with open(out / "agreement_summary.csv", newline="") as handle:
        summary = {r["participant_id"]: r for r in csv.DictReader(handle)}
    assert set(summary) == {"sub-01", "all"}
    for row in summary.values():
        assert [int(row[k]) for k in ("n_A", "n_B", "matched", "only_A", "only_B")] == [
            49,
            50,
            45,
            3,
            3,
        ]
        assert int(row["split_merged"]) == 1
        assert float(row["lesion_f1"]) == pytest.approx(92 / 99, abs=1e-6)
        assert float(row["voxel_dice"]) == pytest.approx(dice(a > 0, b > 0), abs=1e-6)
    with open(out / "agreement_lesions.csv", newline="") as handle:
        lesions = list(csv.DictReader(handle))
    assert len(lesions) == len(truth["status"]) + 6
    counts = {s: sum(r["status"] == s for r in lesions) for s in {r["status"] for r in lesions}}
    assert counts == {"matched": 45, "split": 2, "only-A": 3, "only-B": 3}
    for r in lesions:
        if r["status"] in ("matched", "split"):
            key = (int(r["lesion_A"]), int(r["lesion_B"]))
            assert float(r["dice"]) == pytest.approx(truth["dice"][key], abs=1e-6)
    with open(out / "agreement_ratings.csv", newline="") as handle:
        ratings = {r["field"]: r for r in csv.DictReader(handle)}
    assert int(ratings["location"]["n"]) == 46


def test_session_queue_is_the_planted_disagreements(raters):
    root, a, b, _ = raters
    truth = direct(a, b)
    expected = {((i,), ()): "only-a" for i in DROP}
    expected |= {((), (j,)): "only-b" for j in ADDED}
    expected[((SPLIT,), (SPLIT, SPLIT_PART))] = "split"
    agreed = set()
    for (i, j), status in truth["status"].items():
        if status != "matched":
            continue
        if truth["dice"][(i, j)] < DICE_THRESHOLD:
            expected[((i,), (j,))] = "low-dice"
        elif i in RERATE:
            expected[((i,), (j,))] = "ratings-differ"
        else:
            agreed.add(((i,), (j,)))
    low = sorted(k[0][0] for k, kind in expected.items() if kind == "low-dice")
    assert low == sorted(
        lesion for lesion in (*DILATE, SHIFT) if truth["dice"][(lesion, lesion)] < DICE_THRESHOLD
    )
    with ConsensusSession(root, "sub-01", ["A", "B"], decider="lead", **OPTIONS) as session:
        items = {(i.sources["A"], i.sources["B"]): i for i in session.items}
        assert {k: i.kind for k, i in items.items()} == expected
        assert {(i.sources["A"], i.sources["B"]) for i in session.agreed} == agreed
        assert (len(session.items), len(agreed), low) == (13, 39, [8, 12])
        assert all(i.kind == AGREED for i in session.agreed)
        assert str(session.progress) == f"{len(expected)} of {len(expected)} left"
        for lesion in RERATE:
            assert items[((lesion,), (lesion,))].prefill.conflicts == {
                "rating:location": {"A": location("A", lesion), "B": location("B", lesion)}
            }
        split = items[((SPLIT,), (SPLIT, SPLIT_PART))]
        assert split.dice == pytest.approx(1.0)
        consensus = session.labels.data
        for (i,), (j,) in agreed:  # settled by union on open
            assert np.all(consensus[(a == i) | (b == j)] > 0)
