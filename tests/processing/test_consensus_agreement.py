"""Agreement of synthetic raters built from the phantom's planted lesions: planted vs reported.

Rater A marks every planted lesion as it is. Rater B drops one A-CMI, adds a
lesion far from all others, dilates one, shifts one by a voxel, splits one
C-CMI in two and answers one rating differently. Rater C misses one microbleed
and rates one MD answer differently. Every count, Dice, status and kappa the
report gives is checked against direct computation (kappas against statsmodels).
"""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pytest
from openpyxl import load_workbook
from scipy import ndimage
from statsmodels.stats import inter_rater

from app.cli import main
from processing.annotations import Grid, RaterWorkspace
from processing.consensus.report import study_agreement
from processing.consensus.sources import LesionFilter
from processing.phantom import load_truth

pytestmark = pytest.mark.slow
TYPES = {"acmi": "A-CMI", "ccmi": "C-CMI", "microbleed": "CMB", "wmh": "WMH"}
DWI = {1: "hyper", 2: "hyper", 3: "hyper", 4: "iso", 5: "hyper"}
MD = {1: "hypo", 2: "hypo", 3: "iso", 4: "hypo", 5: "hypo"}
FAR, SPLIT_PART = 20, 21


@pytest.fixture(scope="module")
def raters(phantom_study, tmp_path_factory):
    """Return a copy of the tiny phantom with raters A, B and C: (study, labels per rater, grid)."""
    root = tmp_path_factory.mktemp("consensus") / "study"
    shutil.copytree(
        phantom_study, root, ignore=shutil.ignore_patterns("ferret", "ferret-annotations")
    )
    truth = load_truth(root, "sub-01")
    dwi = truth.acquisition("ses-01", "dwi")
    planted = dwi.load_map("lesions").astype(np.int32)
    grid = Grid(planted.shape, dwi.affine)
    labels = {"A": planted, "B": perturbed(planted), "C": np.where(planted == 10, 0, planted)}
    kinds = {lesion.label: (TYPES[lesion.type], lesion.onset_session) for lesion in truth.lesions}
    kinds[FAR], kinds[SPLIT_PART] = ("A-CMI", "ses-02"), kinds[6]
    answers = {"A": (DWI, MD), "B": ({**DWI, 1: "iso"}, MD), "C": (DWI, {**MD, 3: "hypo"})}
    for rater, data in labels.items():
        write_rater(root, rater, data, grid, kinds, *answers[rater])
    return root, labels, grid


def perturbed(planted: np.ndarray) -> np.ndarray:
    rater = np.where(planted == 2, 0, planted)
    far = np.argwhere(planted == 0)
    spot = far[
        np.argmax(
            np.min([np.linalg.norm(far - c, axis=1) for c in np.argwhere(planted > 0)[::7]], 0)
        )
    ]
    rater[tuple(spot)] = FAR
    grown = ndimage.binary_dilation(planted == 3, np.ones((3, 3, 3))) & (rater == 0)
    rater[grown] = 3
    rater[rater == 4] = 0
    rater[np.roll(planted == 4, 1, axis=0) & (rater == 0)] = 4
    six = np.argwhere(planted == 6)
    upper = six[six[:, 0] > np.median(six[:, 0])]
    rater[tuple(upper.T)] = SPLIT_PART
    assert 0 < len(upper) < len(six)
    return rater


def write_rater(root, rater, data, grid, kinds, dwi, md) -> None:
    with RaterWorkspace(root, rater) as workspace:
        session = workspace.open_session("sub-01", grid)
        session.labels.write(tuple(slice(0, n) for n in grid.shape), data, "import")
        for lesion in np.unique(data[data > 0]).tolist():
            session.set_lesion_type(lesion, kinds[lesion][0])
            session.set_onset(lesion, kinds[lesion][1])
            if lesion in dwi:
                session.set_rating(lesion, "dwi_onset", dwi[lesion])
                session.set_rating(lesion, "md_onset", md[lesion])
        session.flush()


def dice(a, b) -> float:
    return 2 * np.count_nonzero(a & b) / (np.count_nonzero(a) + np.count_nonzero(b))


def test_statuses_counts_and_dice_are_what_was_planted(raters):
    root, labels, _ = raters
    a, b = labels["A"], labels["B"]
    report = study_agreement(root, ["A", "B"])
    rows = {(r["lesion_A"], r["lesion_B"]): r for r in report.lesions}
    assert rows[(2, None)]["status"] == "only-A" and rows[(None, FAR)]["status"] == "only-B"
    assert rows[(6, 6)]["status"] == rows[(6, SPLIT_PART)]["status"] == "split"
    assert rows[(6, 6)]["assigned"] != rows[(6, SPLIT_PART)]["assigned"]
    for lesion in (3, 4, 6):
        assert rows[(lesion, lesion)]["dice"] == pytest.approx(
            dice(a == lesion, b == lesion), abs=1e-6
        )
    assert rows[(4, 4)]["centre_distance_mm"] == pytest.approx(
        np.linalg.norm(raters[2].affine[:3, 0]), abs=0.05
    )
    untouched = [n for n in range(1, 16) if n not in (2, 3, 4, 6)]
    assert all(
        rows[(n, n)]["status"] == "matched" and rows[(n, n)]["dice"] == 1.0 for n in untouched
    )
    total = next(r for r in report.summary if r["participant_id"] == "all")
    assert (
        total["n_A"],
        total["n_B"],
        total["only_A"],
        total["only_B"],
        total["split_merged"],
    ) == (15, 16, 1, 1, 1)
    assert total["matched"] == 13 and total["lesion_f1"] == pytest.approx(2 * 14 / 31)
    assert total["voxel_dice"] == pytest.approx(dice(a > 0, b > 0))
    pair_dice = [dice(a == n, b == n) for n in range(1, 16) if n != 2]
    assert total["dice_median"] == pytest.approx(np.median(pair_dice))
    assert rows[(1, 1)]["dwi_onset_A"] == "hyper" and rows[(1, 1)]["dwi_onset_B"] == "iso"


def test_kappas_equal_statsmodels_on_the_matched_answers(raters):
    report = study_agreement(raters[0], ["A", "B", "C"], LesionFilter("A-CMI"))
    cohen = {(r["raters"], r["field"]): r for r in report.ratings if r["method"] == "Cohen"}
    answers_a = [DWI[n] for n in (1, 3, 4, 5)]  # lesion 2 is only A's
    answers_b = [{**DWI, 1: "iso"}[n] for n in (1, 3, 4, 5)]
    table = np.zeros((2, 2))
    for x, y in zip(answers_a, answers_b, strict=True):
        table[["hyper", "iso"].index(x), ["hyper", "iso"].index(y)] += 1
    expected = inter_rater.cohens_kappa(table)
    assert cohen[("A,B", "dwi_onset")]["n"] == 4
    assert cohen[("A,B", "dwi_onset")]["kappa"] == pytest.approx(expected.kappa, abs=1e-4)
    assert cohen[("A,C", "dwi_onset")]["kappa"] == pytest.approx(1.0)
    fleiss = {r["field"]: r for r in report.ratings if r["method"] == "Fleiss"}
    items = [[MD[n], MD[n], {**MD, 3: "hypo"}[n]] for n in (1, 3, 4, 5)]  # lesion 2: B has none
    codes = np.array([[["hypo", "iso"].index(v) for v in item] for item in items])
    counts, _ = inter_rater.aggregate_raters(codes, n_cat=2)
    assert fleiss["md_onset"]["n"] == 4
    assert fleiss["md_onset"]["kappa"] == pytest.approx(inter_rater.fleiss_kappa(counts), abs=1e-4)


def test_type_filter_leaves_other_types_out(raters):
    report = study_agreement(raters[0], ["A", "C"], LesionFilter("CMB"))
    total = next(r for r in report.summary if r["participant_id"] == "all")
    assert (total["n_A"], total["n_B"], total["matched"], total["only_A"]) == (3, 2, 2, 1)


def test_command_writes_every_table_the_workbook_and_the_figure(raters, tmp_path, capsys):
    out = tmp_path / "agreement"
    assert (
        main(["consensus", "agreement", str(raters[0]), "--raters", "A,B", "--out", str(out)]) == 0
    )
    printed = capsys.readouterr().out
    assert "A vs B: 15 and 16 lesions, 13 matched, 1 only A, 1 only B, 1 split/merged" in printed
    with open(out / "agreement_lesions.csv", newline="") as handle:
        lesions = list(csv.DictReader(handle))
    assert len(lesions) == 17 and {"only-A", "only-B", "split", "matched"} == {
        r["status"] for r in lesions
    }
    assert {"dwi_onset_A", "dwi_onset_B", "volume_A_mm3", "centre_distance_mm"} <= set(lesions[0])
    assert load_workbook(out / "agreement.xlsx").sheetnames == ["lesions", "summary", "ratings"]
    assert all(
        (out / f"agreement_volumes.{ext}").stat().st_size > 1000 for ext in ("png", "svg", "pdf")
    )


@pytest.mark.parametrize(
    "raters_arg, message",
    [("A,Z", "no annotations of rater(s) Z"), ("A,A", "two or more different raters")],
)
def test_bad_raters_give_one_line(raters, tmp_path, capsys, raters_arg, message):
    assert (
        main(
            [
                "consensus",
                "agreement",
                str(raters[0]),
                "--raters",
                raters_arg,
                "--out",
                str(tmp_path),
            ]
        )
        == 2
    )
    error = capsys.readouterr().err
    assert message in error and "Fix:" in error and "Traceback" not in error


def test_fusion_rules_and_staple_equal_direct_computation(raters):
    import SimpleITK as sitk

    from processing.consensus.fusion import fuse_masks

    labels = raters[1]
    masks = {r: labels[r] > 0 for r in "ABC"}
    votes = sum(m.astype(int) for m in masks.values())
    assert np.array_equal(fuse_masks(masks, "union").mask, votes >= 1)
    assert np.array_equal(fuse_masks(masks, "intersection").mask, votes == 3)
    assert np.array_equal(fuse_masks(masks, "majority").mask, votes >= 2)
    staple = sitk.STAPLEImageFilter()
    staple.SetForegroundValue(1.0)
    probability = sitk.GetArrayFromImage(
        staple.Execute([sitk.GetImageFromArray(m.astype(np.uint8)) for m in masks.values()])
    )
    fused = fuse_masks(masks, "staple")
    assert np.array_equal(fused.mask, probability >= 0.5)
    assert fused.performance["B"]["sensitivity"] == pytest.approx(staple.GetSensitivity()[1])


def test_built_consensus_is_a_rater_that_export_reads(raters, tmp_path, capsys):
    from processing.annotations.workspace import ReviewWorkspace

    root = raters[0]
    command = [
        "consensus",
        "build",
        str(root),
        "--raters",
        "A,B,C",
        "--rule",
        "majority",
        "--into",
        "cons",
    ]
    assert main(command) == 0
    assert "with values the raters disagree on" in capsys.readouterr().out
    _, rows = ReviewWorkspace(root).read("cons", "sub-01")
    by_id = {row["lesion_id"]: row for row in rows}
    majority = label_of_majority(raters[1])
    assert sorted(by_id) == list(range(1, majority.max() + 1))
    one = by_id[int(majority[raters[1]["A"] == 1][0])]  # planted lesion 1: B rated DWI 'iso'
    planted_onset = load_truth(root, "sub-01").lesion("acmi-01").onset_session
    assert one["type"] == "A-CMI" and one["onset_visit"] == planted_onset
    assert "dwi_onset" not in one["ratings"] and one["ratings"]["md_onset"] == "hypo"
    assert (
        main(command) == 2 and "--replace" in capsys.readouterr().err
    )  # never written over silently
    assert main(command + ["--replace"]) == 0
    assert list(
        (root / "derivatives" / "ferret-annotations" / "rater-cons").glob("replaced-*/sub-01")
    )
    assert main(["export", str(root), "--rater", "cons", "--out", str(tmp_path / "export")]) == 0


def label_of_majority(labels) -> np.ndarray:
    from processing.matching import label_components

    return label_components(sum((labels[r] > 0).astype(int) for r in "ABC") >= 2)
