"""The time courses recover the phantom's planted A-CMI trajectories (issue 7, item 5).

Chain: a tiny phantom (6 visits, with noise and with head movement) ->
``ferret process --steps maps`` -> maps resampled into the reference grid
(visit 1's DWI) through the *true* ``to-ref`` transforms -> a rater ``truth``
whose lesions are the truth's A-CMI masks on that grid, with the true onsets
-> ``ferret timecourses`` and ``ferret stats timecourses``.

At the coarse scales the phantom plants its CMIs at about 1.2x the coarsest
voxel (radius ~6 mm at ``tiny``) in a patch of cortex one reference voxel wider
(see :mod:`processing.phantom.lesions`), so every lesion has a core of pure
lesion in every grid and its control ring lies in cortex. What is left between
the planted change and the measured one:

* partial volume at the lesion's edge: maps from other grids (R1, R2, R2*) and
  other visits reach the 4 mm reference voxels through trilinear resampling,
  and the edge voxels of a 1-2 voxel radius lesion mix lesion and ring. The
  measured changes are the planted ones diluted to about 45-110 %
  (:data:`DILUTION`); they are compared with the truth maps pushed through the
  same resampling and ROIs within :data:`NOISE`;
* the head movement, which changes that mix from visit to visit (about a
  third of :data:`NOISE` on the noiseless truth maps), and the noise of the
  fitted maps.
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
TRUTH_MAPS = {
    "MD": ("dwi", "MDmap"),
    "FA": ("dwi", "FAmap"),
    "R1": ("MP2RAGE", "R1map"),
    "R2": ("MESE", "R2map"),
    "R2star": ("MEGRE", "R2starmap"),
}
#: Noise of one visit's normalised lesion-minus-control difference on this phantom (seed 0, with motion): about
#: 1.5 x the largest deviation seen of the fitted maps from the truth maps (MD 1.3e-5, FA 0.023, R1 0.010,
#: R2 0.38, R2* 0.57) or of any visit before onset from zero (MD 1.2e-4 on one lesion at visit 1, whose
#: DWI is the reference grid itself and so the only visit not interpolated; R1 0.022; trace 37).
NOISE = {"MD": 1.3e-4, "FA": 0.035, "R1": 0.025, "R2": 0.55, "R2star": 0.85, "trace_b1000": 50.0}
#: Planted changes come through partial volume at the lesion edge scaled by a factor in this range.
DILUTION = (0.4, 1.15)
#: Parameters with a planted value and the direction of their change at onset.
ONSET_SIGN = {"MD": -1, "R1": -1, "R2": -1, "R2star": -1}


@pytest.fixture(scope="module")
def moving_phantom(tmp_path_factory):
    """Return a tiny phantom of 6 visits with head movement and noise.

    Maps computed, registered and annotated with the truth.
    """
    from app.cli import main
    from processing.phantom import make_phantom_study

    root = make_phantom_study(
        tmp_path_factory.mktemp("moving") / "study",
        visits=VISITS,
        scale="tiny",
        seed=0,
        motion=True,
    )
    assert main(["process", str(root), "--steps", "maps"]) == 0
    resample_with_truth(root)
    annotate_truth_acmis(root)
    return root


def truth_chain(root, participant: str = "sub-01"):
    """Return a registration chain made of the true ``to-ref`` transforms (reference: visit 1's DWI grid)."""
    from processing.phantom import load_truth
    from processing.registration import store
    from processing.registration.chain import ChainResult, header_grid
    from processing.study import discover

    truth = load_truth(root, participant)
    visits = discover(root).participants[participant].visits
    world_ref = truth.acquisition(visits[0].session, "dwi").world_from_anatomy
    chain = ChainResult(
        header_grid(visits[0], "dwi"), f"{visits[0].prefix} dwi grid (phantom truth)"
    )
    for visit in visits:
        chain.anchors[visit.session] = "UNIT1"
        for key in visit.acquisitions:
            entry = truth.acquisition(visit.session, {"UNIT1": "MP2RAGE"}.get(key, key))
            matrix = world_ref @ np.linalg.inv(entry.world_from_anatomy)
            path = store.write_transform(
                store.xfm_path(visit, key, "ref"),
                matrix,
                source=key,
                target="ref",
                method="phantom truth (test)",
                parameters={},
                inputs=[],
            )
            chain.ref_from[(visit.session, key)], chain.ref_paths[(visit.session, key)] = (
                matrix,
                path,
            )
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
    labels = truth.acquisition(visits[0].session, "dwi").load_map(
        "lesions"
    )  # on the reference grid
    grid = chain.reference
    with RaterWorkspace(root, RATER) as workspace:
        session = workspace.open_session(
            participant, Grid(grid.shape, grid.affine), lesion_type="A-CMI"
        )
        for lesion in truth.lesions_of("acmi"):
            data = np.where(labels == lesion.label, lesion.label, session.labels.data).astype(
                np.int32
            )
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
            maps[parameter] = resample_image(
                entry.load_map(name).astype(np.float32),
                entry.affine,
                chain.reference,
                chain.ref_from[(visit.session, acquisition)],
            )
        r2star = load_nifti(parameter_files(visit)["R2star"])[0] if measured_filter else None
        volumes.append(VisitVolumes(visit.session, maps, visit.date, r2star=r2star))
    labels = truth.acquisition(visits[0].session, "dwi").load_map("lesions")
    acmis = truth.lesions_of("acmi")
    labels = np.where(np.isin(labels, [lesion.label for lesion in acmis]), labels, 0)
    return compute_timecourses(
        volumes, labels, [LesionInfo(a.label, a.onset_session) for a in acmis]
    )


def by_lesion(rows, parameter):
    """``{lesion_id: {visits_from_onset: normalised_difference}}`` of included lesions."""
    found: dict[int, dict[int, float]] = {}
    for row in rows:
        row = row if isinstance(row, dict) else row.as_dict()
        if row["parameter"] == parameter and str(row["excluded"]) in ("False", "false", ""):
            value = (
                float(row["normalised_difference"])
                if row["normalised_difference"] != ""
                else math.nan
            )
            found.setdefault(int(row["lesion_id"]), {})[int(row["visits_from_onset"])] = value
    return found


def planted_change(lesion, parameter: str, visits_from_onset: int) -> float:
    """Planted value at ``visits_from_onset`` minus the value before onset."""
    sessions = list(lesion.values)
    onset = sessions.index(lesion.onset_session)
    index = min(onset + visits_from_onset, len(sessions) - 1)
    return lesion.values[sessions[index]][parameter] - lesion.values[sessions[onset - 1]][parameter]


def last_visit(values: dict[int, float]) -> int:
    return max(values)


@pytest.fixture(scope="module")
def measured(moving_phantom, tmp_path_factory):
    """Return the CSV of ``ferret timecourses`` and the table of ``ferret stats timecourses``."""
    from app.cli import main

    out = tmp_path_factory.mktemp("outputs")
    assert (
        main(["timecourses", str(moving_phantom), "--rater", RATER, "--out", str(out / "tc.csv")])
        == 0
    )
    assert (
        main(
            [
                "stats",
                "timecourses",
                str(moving_phantom),
                "--rater",
                RATER,
                "--out",
                str(out / "st.csv"),
            ]
        )
        == 0
    )
    return list(csv.DictReader((out / "tc.csv").open())), list(
        csv.DictReader((out / "st.csv").open())
    )


@pytest.fixture(scope="module")
def truth(moving_phantom):
    from processing.phantom import load_truth

    return load_truth(moving_phantom, "sub-01")


@pytest.fixture(scope="module")
def expected(moving_phantom):
    """Truth-map time courses: ``{"true": ..., "measured": ...}`` R2* filter, rows by parameter."""
    return {
        "true": expected_rows(moving_phantom, measured_filter=False),
        "measured": expected_rows(moving_phantom, measured_filter=True),
    }


def test_every_acmi_is_included_with_its_true_onset(measured, truth):
    rows, _ = measured
    acmis = {lesion.label: lesion for lesion in truth.lesions_of("acmi")}
    onsets = {int(r["lesion_id"]): r["onset_visit"] for r in rows}
    assert onsets == {label: lesion.onset_session for label, lesion in acmis.items()}
    assert all(r["excluded"] == "False" for r in rows)  # every onset has a visit before and after
    assert {r["parameter"] for r in rows} >= {
        "trace_b1000",
        "trace_b3000",
        "MD",
        "FA",
        "R1",
        "R2",
        "R2star",
    }
    lesional = [r for r in rows if r["visit_class"] == "lesional"]
    assert {r["visits_from_onset"] for r in lesional} == {"0"}


def assert_planted(value: float, planted: float, parameter: str, where) -> None:
    """``value`` is ``planted`` diluted by a factor within DILUTION, give or take the noise."""
    low, high = sorted((DILUTION[0] * planted, DILUTION[1] * planted))
    assert low - NOISE[parameter] <= value <= high + NOISE[parameter], (where, value, planted)


@pytest.mark.parametrize("parameter", sorted(ONSET_SIGN))
def test_onset_change_has_the_planted_sign_and_size(measured, truth, parameter):
    """At onset MD, R1, R2 and R2* fall by the planted amount (up to edge dilution); flat before onset."""
    rows, _ = measured
    observed = by_lesion(rows, parameter)
    onsets = []
    for lesion in truth.lesions_of("acmi"):
        value, planted = observed[lesion.label][0], planted_change(lesion, parameter, 0)
        assert np.sign(planted) == ONSET_SIGN[parameter] == np.sign(value), (lesion.id, value)
        assert_planted(value, planted, parameter, lesion.id)
        before = [v for since, v in observed[lesion.label].items() if since < 0]
        assert all(abs(v) < NOISE[parameter] for v in before), (lesion.id, before)
        onsets.append(value)
    assert np.mean(onsets) * ONSET_SIGN[parameter] > NOISE[parameter]


@pytest.mark.parametrize("parameter", ["trace_b1000", "trace_b3000"])
def test_dwi_trace_rises_at_onset_and_returns_to_baseline(measured, truth, parameter):
    rows, _ = measured
    trace = by_lesion(rows, parameter)
    checked = 0
    for lesion in truth.lesions_of("acmi"):
        values = trace[lesion.label]
        assert values[0] > 2 * NOISE["trace_b1000"] * (0.25 if parameter == "trace_b3000" else 1), (
            lesion.id
        )
        if (
            last_visit(values) >= 2
        ):  # the planted MD is back to baseline two visits after onset at the latest
            assert abs(values[last_visit(values)]) < values[0] / 2, lesion.id
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("parameter", ["MD", "R1", "R2"])
def test_post_lesional_values_return_towards_baseline(measured, truth, parameter):
    """At the last follow-up MD, R1 and R2 are back at (or near, as planted) baseline."""
    rows, _ = measured
    observed = by_lesion(rows, parameter)
    checked = 0
    for lesion in truth.lesions_of("acmi"):
        values = observed[lesion.label]
        last = last_visit(values)
        if last < 2:
            continue
        planted = planted_change(lesion, parameter, last)
        assert abs(values[last]) < abs(values[0]), (lesion.id, values)
        assert_planted(values[last], planted, parameter, lesion.id)
        checked += 1
    assert checked >= 2


def test_r2star_rises_above_baseline_after_onset_only_in_iron_lesions(measured, truth):
    rows, _ = measured
    r2star = by_lesion(rows, "R2star")
    iron = 0
    for lesion in truth.lesions_of("acmi"):
        values = r2star[lesion.label]
        last = last_visit(values)
        planted = planted_change(lesion, "R2star", last)
        if lesion.subtype == "iron" and last >= 2:
            assert planted > 0 and values[last] > NOISE["R2star"] and values[last] > values[0], (
                lesion.id,
                values,
            )
            assert_planted(values[last], planted, "R2star", lesion.id)
            iron += 1
        elif lesion.subtype == "plain" and last >= 2:
            assert abs(values[last]) < NOISE["R2star"], (lesion.id, values)
    assert iron >= 1


@pytest.mark.parametrize("parameter", ["R1", "R2", "R2star", "MD", "FA"])
def test_expected_trajectory_has_the_planted_sign(expected, truth, parameter):
    """Through motion and resampling, the truth maps keep the planted direction and most of its size."""
    trajectory = by_lesion(expected["true"], parameter)
    scale = max(abs(planted_change(lesion, parameter, 0)) for lesion in truth.lesions_of("acmi"))
    for lesion in truth.lesions_of("acmi"):
        for since, value in trajectory[lesion.label].items():
            planted = planted_change(lesion, parameter, since) if since >= 0 else 0.0
            if abs(planted) < 0.2 * scale:
                assert abs(value) <= NOISE[parameter] + 0.2 * scale, (lesion.id, since, value)
            else:
                assert_planted(value, planted, parameter, (lesion.id, since))


@pytest.mark.parametrize("parameter", ["R1", "R2", "R2star", "MD", "FA"])
def test_measured_trajectory_matches_the_expected_within_the_noise(measured, expected, parameter):
    rows, _ = measured
    observed = by_lesion(rows, parameter)
    trajectory = by_lesion(expected["measured"], parameter)
    assert observed.keys() == trajectory.keys()
    for label, values in observed.items():
        for since, value in values.items():
            assert value == pytest.approx(trajectory[label][since], abs=NOISE[parameter]), (
                label,
                since,
            )


@pytest.mark.parametrize("parameter", ["trace_b1000", "MD", "R1", "R2", "R2star"])
def test_statistics_see_every_onset_change(measured, truth, parameter):
    _, table = measured
    rows = [r for r in table if r["parameter"] == parameter]
    anova = next(r for r in rows if r["test"] == "repeated-measures ANOVA")
    assert int(anova["n"]) == len(truth.lesions_of("acmi"))
    assert float(anova["df_num"]) == 2 and float(anova["df_den"]) == 2 * (int(anova["n"]) - 1)
    assert float(anova["p"]) < 0.05
    onset = next(r for r in rows if r["comparison"] == "lesional - pre-lesional")
    sign = 1 if parameter.startswith("trace") else ONSET_SIGN[parameter]
    assert float(onset["mean_difference"]) * sign > 0 and float(onset["p"]) < 0.05
    assert (float(onset["ci_high"]) < 0) if sign < 0 else (float(onset["ci_low"]) > 0)
