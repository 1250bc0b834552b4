"""The time courses recover the phantom's planted A-CMI trajectories (issue 7, item 5).

Chain: a tiny phantom (6 visits) -> ``ferret process --steps maps`` -> maps
resampled into the reference grid (visit 1's DWI) through the *true*
``to-ref`` transforms -> a rater ``truth`` whose lesions are the truth's
A-CMI masks on that grid, with the true onsets -> ``ferret timecourses`` and
``ferret stats timecourses``.

Why the phantom is made without head movement: at the tiny scale (4 mm DWI,
3.5 mm MP2RAGE and MEGRE, 2.5 x 2.5 x 5 mm MESE) and also at the small scale
(3 mm DWI) the voxels are as thick as the phantom's cortex (2.75 mm), every
A-CMI is one reference voxel and its control ring straddles CSF and white
matter. With the planted movement between visits, each visit's maps are
interpolated from a differently placed lattice, and the resulting partial-volume
changes of lesion and ring (several 1/s of R2*, 3e-4 mm^2/s of MD from visit to
visit, even on the noiseless truth maps) are larger than the planted lesion
changes. Without movement the partial volume is the same at every visit and
cancels in the pre-onset normalisation, so what is left is the planted change
(on the DWI grid, which is the reference grid, undiluted) plus the noise of the
fitted maps.

Maps from other grids (R1, R2, R2*) reach the 4 mm reference voxel diluted by
trilinear resampling; their expected trajectory is therefore the truth maps
pushed through the same resampling and ROIs, checked against the planted signs,
and the measured one is compared with it within the noise.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

pytestmark = pytest.mark.slow

VISITS = 6
RATER = "truth"
#: Truth map (acquisition, file) of each parameter that has one.
TRUTH_MAPS = {"MD": ("dwi", "MDmap"), "FA": ("dwi", "FAmap"), "R1": ("MP2RAGE", "R1map"),
              "R2": ("MESE", "R2map"), "R2star": ("MEGRE", "R2starmap")}
#: Noise of one visit's lesion-minus-control difference of the fitted maps on this phantom (seed 0):
#: about 1.5 x the largest deviation of measured from expected seen (1-voxel lesions, 4 mm voxels).
NOISE = {"MD": 1.2e-4, "FA": 0.2, "R1": 0.1, "R2": 1.5, "R2star": 3.0, "trace_b1000": 60.0}


@pytest.fixture(scope="module")
def still_phantom(tmp_path_factory):
    """A tiny phantom of 6 visits without head movement, maps computed, truth-registered, truth-annotated."""
    import processing.phantom.participant as participant_module
    from app.cli import main
    from processing.phantom import make_phantom_study

    saved = participant_module.VISIT_MOTION, participant_module.ACQUISITION_MOTION
    participant_module.VISIT_MOTION = participant_module.ACQUISITION_MOTION = (0.0, 0.0)
    try:
        root = make_phantom_study(tmp_path_factory.mktemp("still") / "study", visits=VISITS, scale="tiny", seed=0)
    finally:
        participant_module.VISIT_MOTION, participant_module.ACQUISITION_MOTION = saved
    assert main(["process", str(root), "--steps", "maps"]) == 0
    resample_with_truth(root)
    annotate_truth_acmis(root)
    return root


def truth_chain(root, participant: str = "sub-01"):
    """A registration chain made of the true ``to-ref`` transforms (reference: visit 1's DWI grid)."""
    from processing.phantom import load_truth
    from processing.registration import store
    from processing.registration.chain import ChainResult, header_grid
    from processing.study import discover

    truth = load_truth(root, participant)
    visits = discover(root).participants[participant].visits
    world_ref = truth.acquisition(visits[0].session, "dwi").world_from_anatomy
    chain = ChainResult(header_grid(visits[0], "dwi"), f"{visits[0].prefix} dwi grid (phantom truth)")
    for visit in visits:
        chain.anchors[visit.session] = "UNIT1"
        for key in visit.acquisitions:
            entry = truth.acquisition(visit.session, {"UNIT1": "MP2RAGE"}.get(key, key))
            matrix = world_ref @ np.linalg.inv(entry.world_from_anatomy)
            path = store.write_transform(store.xfm_path(visit, key, "ref"), matrix, source=key, target="ref",
                                         method="phantom truth (test)", parameters={}, inputs=[])
            chain.ref_from[(visit.session, key)], chain.ref_paths[(visit.session, key)] = matrix, path
    return chain, visits, truth


def resample_with_truth(root) -> None:
    """Write every visit's maps into the reference grid (``space-ref``) through the true transforms."""
    from processing.registration.outputs import resample_visit

    chain, visits, _ = truth_chain(root)
    for visit in visits:
        resample_visit(visit, chain)


def annotate_truth_acmis(root, participant: str = "sub-01") -> None:
    """Rater ``truth``: each A-CMI's truth mask on the reference grid, with its true onset."""
    from processing.annotations import Grid, RaterWorkspace

    chain, visits, truth = truth_chain(root)
    labels = truth.acquisition(visits[0].session, "dwi").load_map("lesions")  # on the reference grid
    grid = chain.reference
    with RaterWorkspace(root, RATER) as workspace:
        session = workspace.open_session(participant, Grid(grid.shape, grid.affine), lesion_type="A-CMI")
        for lesion in truth.lesions_of("acmi"):
            data = np.where(labels == lesion.label, lesion.label, session.labels.data).astype(np.int32)
            session.labels.write(tuple(slice(0, n) for n in grid.shape), data, "import")
            session.set_onset(lesion.label, lesion.onset_session)
        session.flush()


def expected_rows(root, *, measured_filter: bool):
    """Time courses of the truth parameter maps pushed through the same resampling and ROIs.

    With ``measured_filter`` the voxel filter is the measured R2* (the
    pipeline's ``space-ref`` map), so that expected and measured means are
    taken over the very same voxels; otherwise the true R2*.
    """
    from processing.fileio import load_nifti
    from processing.registration.resample import resample_image
    from processing.timecourses import LesionInfo, VisitVolumes, compute_timecourses
    from processing.timecourses.loader import parameter_files

    chain, visits, truth = truth_chain(root)
    volumes = []
    for visit in visits:
        maps = {}
        for parameter, (acquisition, name) in TRUTH_MAPS.items():
            entry = truth.acquisition(visit.session, acquisition)
            maps[parameter] = resample_image(entry.load_map(name).astype(np.float32), entry.affine,
                                             chain.reference, chain.ref_from[(visit.session, acquisition)])
        r2star = load_nifti(parameter_files(visit)["R2star"])[0] if measured_filter else None
        volumes.append(VisitVolumes(visit.session, maps, visit.date, r2star=r2star))
    labels = truth.acquisition(visits[0].session, "dwi").load_map("lesions")
    acmis = truth.lesions_of("acmi")
    labels = np.where(np.isin(labels, [lesion.label for lesion in acmis]), labels, 0)
    return compute_timecourses(volumes, labels, [LesionInfo(l.label, l.onset_session) for l in acmis])


def by_lesion(rows, parameter):
    """``{lesion_id: {visits_from_onset: normalised_difference}}`` of included lesions."""
    found: dict[int, dict[int, float]] = {}
    for row in rows:
        row = row if isinstance(row, dict) else row.as_dict()
        if row["parameter"] == parameter and str(row["excluded"]) in ("False", "false", ""):
            value = float(row["normalised_difference"]) if row["normalised_difference"] != "" else math.nan
            found.setdefault(int(row["lesion_id"]), {})[int(row["visits_from_onset"])] = value
    return found


def planted_change(lesion, parameter: str, visits_from_onset: int) -> float:
    """Planted value at ``visits_from_onset`` minus the value before onset."""
    sessions = list(lesion.values)
    onset = sessions.index(lesion.onset_session)
    index = min(onset + visits_from_onset, len(sessions) - 1)
    return lesion.values[sessions[index]][parameter] - lesion.values[sessions[onset - 1]][parameter]


@pytest.fixture(scope="module")
def measured(still_phantom, tmp_path_factory):
    """The CSV of ``ferret timecourses`` and the table of ``ferret stats timecourses``."""
    from app.cli import main

    out = tmp_path_factory.mktemp("outputs")
    assert main(["timecourses", str(still_phantom), "--rater", RATER, "--out", str(out / "tc.csv")]) == 0
    assert main(["stats", "timecourses", str(still_phantom), "--rater", RATER, "--out", str(out / "st.csv")]) == 0
    return list(csv.DictReader((out / "tc.csv").open())), list(csv.DictReader((out / "st.csv").open()))


@pytest.fixture(scope="module")
def truth(still_phantom):
    from processing.phantom import load_truth

    return load_truth(still_phantom, "sub-01")


def test_every_acmi_is_included_with_its_true_onset(measured, truth):
    rows, _ = measured
    acmis = {lesion.label: lesion for lesion in truth.lesions_of("acmi")}
    onsets = {int(r["lesion_id"]): r["onset_visit"] for r in rows}
    assert onsets == {label: lesion.onset_session for label, lesion in acmis.items()}
    assert all(r["excluded"] == "False" for r in rows)  # every onset has a visit before and after
    assert {r["parameter"] for r in rows} >= {"trace_b1000", "trace_b3000", "MD", "FA", "R1", "R2", "R2star"}
    lesional = [r for r in rows if r["visit_class"] == "lesional"]
    assert {r["visits_from_onset"] for r in lesional} == {"0"}


def test_dwi_onset_and_recovery_match_the_planted_values(measured, truth):
    """MD and trace live on the reference grid: their planted changes come through undiluted."""
    rows, _ = measured
    md, trace = by_lesion(rows, "MD"), by_lesion(rows, "trace_b1000")
    for lesion in truth.lesions_of("acmi"):
        assert md[lesion.label][0] == pytest.approx(planted_change(lesion, "MD", 0), abs=NOISE["MD"])
        assert md[lesion.label][0] < -NOISE["MD"]  # MD down at onset, beyond the noise
        assert trace[lesion.label][0] > 2 * NOISE["trace_b1000"]  # DWI trace up at onset
        last = max(trace[lesion.label])
        assert abs(trace[lesion.label][last]) < trace[lesion.label][0] / 2  # recovering towards baseline
    acmis = truth.lesions_of("acmi")
    onset_mean = np.mean([md[lesion.label][0] for lesion in acmis])
    assert onset_mean == pytest.approx(np.mean([planted_change(lesion, "MD", 0) for lesion in acmis]), rel=0.25)
    last_mean = np.mean([md[lesion.label][max(md[lesion.label])] for lesion in acmis])
    assert abs(last_mean) < abs(onset_mean) / 2  # back towards baseline at the last follow-up


@pytest.mark.parametrize("parameter", ["R1", "R2", "R2star", "MD", "FA"])
def test_expected_trajectory_has_the_planted_sign(still_phantom, truth, parameter):
    """Through the resampling, the truth maps keep the planted direction at onset and after."""
    expected = by_lesion(expected_rows(still_phantom, measured_filter=False), parameter)
    for lesion in truth.lesions_of("acmi"):
        for since, value in expected[lesion.label].items():
            planted = planted_change(lesion, parameter, since) if since >= 0 else 0.0
            if abs(planted) < 1e-12:
                assert abs(value) <= 0.05 * abs(planted_change(lesion, parameter, 0)) + 1e-9
            else:
                assert np.sign(value) == np.sign(planted)
                assert 0.0 < value / planted <= 1.0 + 1e-4  # diluted by resampling, never amplified


@pytest.mark.parametrize("parameter", ["R1", "R2", "R2star", "MD", "FA"])
def test_measured_trajectory_matches_the_expected_within_the_noise(still_phantom, measured, parameter):
    rows, _ = measured
    observed = by_lesion(rows, parameter)
    expected = by_lesion(expected_rows(still_phantom, measured_filter=True), parameter)
    assert observed.keys() == expected.keys()
    for label, values in observed.items():
        for since, value in values.items():
            assert value == pytest.approx(expected[label][since], abs=NOISE[parameter]), (label, since)


def test_iron_lesions_rise_above_baseline_in_r2star_after_onset(still_phantom, truth):
    expected = by_lesion(expected_rows(still_phantom, measured_filter=False), "R2star")
    for lesion in truth.lesions_of("acmi"):
        last = max(expected[lesion.label])
        if lesion.subtype == "iron" and planted_change(lesion, "R2star", last) > 0:
            assert expected[lesion.label][last] > 0 > expected[lesion.label][0]
        elif lesion.subtype == "plain" and last >= 2:
            assert expected[lesion.label][last] == pytest.approx(0.0, abs=1e-6)


def test_statistics_see_the_onset_drop_of_md(measured, truth):
    _, table = measured
    md = [r for r in table if r["parameter"] == "MD"]
    anova = next(r for r in md if r["test"] == "repeated-measures ANOVA")
    assert int(anova["n"]) == len(truth.lesions_of("acmi"))
    assert float(anova["df_num"]) == 2 and float(anova["df_den"]) == 2 * (int(anova["n"]) - 1)
    onset = next(r for r in md if r["comparison"] == "lesional - pre-lesional")
    assert float(onset["mean_difference"]) < 0 and float(onset["ci_high"]) < 0 and float(onset["p"]) < 0.05
