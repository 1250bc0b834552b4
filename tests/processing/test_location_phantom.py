"""MARS location on the tiny phantom: truth regions, counts of a truth rater, the cached engine step.

The phantom's regions are analytic (:mod:`processing.phantom.regions`): its
lobar microbleeds are juxtacortical, its deep ones thalamic, and it has no
infratentorial structure. With the phantom's perfect registrations and its
truth atlas in place of the ``location`` step's output, a rater whose lesions
are the planted microbleeds gets the truth's counts at every visit; a region
the rater chose in the form overrides the atlas.
"""

from __future__ import annotations

import csv
import shutil

import nibabel as nib
import numpy as np
import pytest

from app.cli import main as ferret
from processing.annotations import Grid
from processing.annotations.workspace import RaterWorkspace, ReviewWorkspace
from processing.engine import Cache, SerialExecutor, run
from processing.engine.pipeline import study_graph, targets_for
from processing.location.participant import atlas_file
from processing.location.regions import REGIONS
from processing.phantom import load_truth
from processing.phantom.perfect_registration import write_truth_registrations
from processing.phantom.regions import truth_regions, write_truth_atlas
from processing.registration.chain import header_grid
from processing.stats import join_on, read_tsv
from processing.study import discover

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def located(phantom_study, tmp_path_factory):
    """Return a copy of the phantom with exact registrations, its truth atlas and rater ``truth``."""
    root = tmp_path_factory.mktemp("location-phantom") / "study"
    shutil.copytree(phantom_study, root)
    write_truth_registrations(root)
    write_truth_atlas(root)
    first = discover(root).participants["sub-01"].visits[0]
    grid = header_grid(first, "dwi")  # the reference grid: each lesion keeps its centre voxel
    truth = load_truth(root, "sub-01")
    labels = truth.acquisition(first.session, "dwi").load_map("lesions")
    with RaterWorkspace(root, "truth") as workspace:
        session = workspace.open_session("sub-01", Grid(grid.shape, grid.affine), lesion_type="CMB")
        for lesion in truth.lesions_of("microbleed"):
            new = np.where(labels == lesion.label, lesion.label, session.labels.data)
            session.labels.write(
                tuple(slice(0, n) for n in grid.shape), new.astype(np.int32), "import"
            )
            session.set_onset(lesion.label, first.session)
        session.flush()
    return root


def expected_groups(root) -> list[str]:
    return sorted(REGIONS[n].group for n in truth_regions(root).values())


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_phantom_truth_regions_follow_its_structures(located):
    truth = load_truth(located, "sub-01")
    regions = truth_regions(located)
    for lesion in truth.lesions_of("microbleed"):
        thalamic = abs(abs(lesion.centre_mm[0]) - 12) <= 3 and abs(lesion.centre_mm[1] + 15) <= 3
        expected = {"deep"} if thalamic else {"lobar"}
        assert {REGIONS[regions[lesion.id]].group} == expected
        if thalamic:
            assert REGIONS[regions[lesion.id]].structure == "thalamus"
    assert "deep" in expected_groups(located) and "lobar" in expected_groups(located)


def test_counts_of_the_truth_rater_are_the_truths(located, tmp_path, capsys):
    out = tmp_path / "counts.csv"
    assert ferret(["cmb", "counts", str(located), "--rater", "truth", "--out", str(out)]) == 0
    rows = read_csv(out)
    groups = expected_groups(located)
    assert [row["session_id"] for row in rows] == ["ses-01", "ses-02", "ses-03", "ses-04"]
    for row in rows:  # marked at ses-01, present at every visit
        assert int(row["cmb_total"]) == len(groups)
        assert int(row["cmb_lobar"]) == groups.count("lobar")
        assert int(row["cmb_deep"]) == groups.count("deep")
        assert int(row["cmb_infratentorial"]) == 0 and int(row["cmb_cerebellar"]) == 0
        assert int(row["cmb_location_atlas"]) == len(groups)
    assert "cmb_lobar" in capsys.readouterr().out


def test_the_raters_region_overrides_the_atlas_in_counts_and_export(located, tmp_path):
    root = tmp_path / "study"
    shutil.copytree(located, root)
    first = ReviewWorkspace(root).read("truth", "sub-01")[1][0].lesion_id
    with RaterWorkspace(root, "truth") as workspace:
        session = workspace.open_session("sub-01")
        session.set_rating(first, "certainty", "possible")
        session.set_rating(first, "mars_region", "infratentorial")
        session.set_rating(first, "mars_infratentorial", "cerebellum")
        session.flush()
    out = tmp_path / "counts.tsv"
    args = ["cmb", "counts", str(root), "--rater", "truth", "--visit", "last", "--out", str(out)]
    assert ferret(args) == 0
    (row,) = read_tsv(out)
    assert row["session_id"] == "ses-04" and row["cmb_infratentorial"] == "1"
    assert row["cmb_cerebellar"] == "1" and row["cmb_location_rater"] == "1"
    assert row["cmb_possible"] == "1" and row["cmb_definite"] == "0"
    joined = join_on(read_tsv(root / "participants.tsv"), read_tsv(out))
    assert joined[0]["cmb_total"] == str(len(expected_groups(located)))
    assert ferret(["export", str(root), "--rater", "truth", "--out", str(tmp_path / "x")]) == 0
    lesions = {int(r["lesion_id"]): r for r in read_csv(tmp_path / "x" / "rater-truth_lesions.csv")}
    assert lesions[first]["location"] == "infratentorial:cerebellum"
    assert lesions[first]["location_source"] == "rater"
    others = [r for lesion_id, r in lesions.items() if lesion_id != first]
    assert others and all(r["location_source"] == "atlas" for r in others)
    counts = read_csv(tmp_path / "x" / "rater-truth_cmb_counts.csv")
    assert counts[-1]["cmb_infratentorial"] == "1"


def run_location(root):
    graph = study_graph(discover(root))
    return run(
        graph, Cache.for_study(root), SerialExecutor(), targets=targets_for(graph, ["location"])
    )


def test_location_step_writes_the_atlas_once(phantom_study, tmp_path):
    root = tmp_path / "study"
    shutil.copytree(phantom_study, root, ignore=shutil.ignore_patterns("ferret"))
    first = run_location(root)
    assert first.ok and "atlas sub-01" in first.done
    data = np.asarray(nib.load(str(atlas_file(root, "sub-01"))).dataobj)
    assert data.dtype == np.uint8 and data.max() <= 13 and np.count_nonzero(data) > 1000
    second = run_location(root)
    assert second.ok and not second.done and "atlas sub-01" in second.cached
