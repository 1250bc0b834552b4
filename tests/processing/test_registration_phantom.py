"""Registration accuracy and the participant chain on the phantom (known head motion)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from processing.phantom import load_truth
from processing.registration import RegistrationParams
from processing.registration.chain import ChainSettings, register_participant
from processing.registration.geometry import displacement_stats, mask_points
from processing.registration.masks import brain_mask
from processing.registration.pairing import source_should_be_fixed
from processing.registration.volumes import registration_volume, volume_key
from processing.study import discover

TRUTH_NAME = {"UNIT1": "MP2RAGE"}


def _truth_b_from_a(truth, session_b, acq_b, session_a, acq_a):
    b = truth.acquisition(session_b, TRUTH_NAME.get(acq_b, acq_b))
    a = truth.acquisition(session_a, TRUTH_NAME.get(acq_a, acq_a))
    return b.world_from_anatomy @ np.linalg.inv(a.world_from_anatomy)


def _brain_points(truth, session, acquisition):
    geometry = truth.acquisition(session, TRUTH_NAME.get(acquisition, acquisition))
    return mask_points(geometry.load_map("tissue") >= 4, geometry.affine, max_points=4000)


@pytest.fixture(scope="module")
def chain_study(phantom_noiseless, tmp_path_factory):
    """Return a private copy of the noiseless 3-visit phantom (the chain writes derivatives)."""
    root = tmp_path_factory.mktemp("regchain") / "study"
    shutil.copytree(phantom_noiseless, root, ignore=shutil.ignore_patterns("ferret"))
    return root, load_truth(root, "sub-01")


@pytest.fixture(scope="module")
def chain(chain_study):
    root, _ = chain_study
    participant = discover(root).participant("sub-01")
    return participant, register_participant(participant)


def test_slab_is_registered_as_the_fixed_image(phantom_noiseless):
    visit = discover(phantom_noiseless).participant("sub-01").visits[0]
    anchor = registration_volume(visit.acquisitions[volume_key(visit, "UNIT1")])[:2]
    for key, expected in (("MESE", True), ("FLAIR", False), ("dwi", False)):
        image = registration_volume(visit.acquisitions[key])[:2]
        assert (
            source_should_be_fixed(anchor, image, brain_mask(*anchor), brain_mask(*image))
            is expected
        ), key


@pytest.mark.slow
def test_every_link_recovers_the_planted_motion(chain_study, chain):
    _, truth = chain_study
    participant, result = chain
    assert len(result.pairs) == 5 * 3 + 2 and result.flagged == []
    for pair in result.pairs:
        (target_session, target), (source_session, source) = pair.target, pair.source
        expected = _truth_b_from_a(truth, target_session, target, source_session, source)
        points = _brain_points(truth, target_session, target)
        assert displacement_stats(pair.target_from_source, expected, points)["mean_mm"] < 0.3, (
            pair.description
        )
        assert (
            displacement_stats(np.eye(4), expected, points)["mean_mm"] > 1.0
        )  # there was motion to recover


@pytest.mark.slow
def test_composed_transforms_and_cache(chain_study, chain):
    _, truth = chain_study
    participant, result = chain
    first = participant.visits[0]
    assert result.reference.shape == tuple(truth.acquisition(first.session, "dwi").shape[:3])
    points = _brain_points(truth, first.session, "dwi")
    for (session, key), matrix in result.ref_from.items():
        expected = _truth_b_from_a(truth, first.session, "dwi", session, key)
        assert displacement_stats(matrix, expected, points)["mean_mm"] < 0.4, (session, key)
    path = result.ref_paths[(participant.visits[1].session, "dwi")]
    assert path.name == "sub-01_ses-02_from-dwi_to-ref_mode-image_xfm.txt"
    assert json.loads(path.with_suffix(".json").read_text())["QCFlags"] == []
    again = register_participant(participant)
    assert all(pair.cached for pair in again.pairs)
    np.testing.assert_allclose(
        again.ref_from[(participant.visits[1].session, "dwi")],
        result.ref_from[(participant.visits[1].session, "dwi")],
    )


def test_flagged_link_is_reported_not_silently_composed(phantom_noiseless, tmp_path):
    root = tmp_path / "study"
    shutil.copytree(
        phantom_noiseless, root, ignore=shutil.ignore_patterns("ferret", "ses-02", "ses-03")
    )
    participant = discover(root).participant("sub-01")
    participant.visits = participant.visits[:1]
    visit = participant.visits[0]
    visit.acquisitions = {k: visit.acquisitions[k] for k in ("UNIT1", "MP2RAGE", "epi")}
    fast = RegistrationParams(
        poor_metric=-5.0, iterations=10, shrink_factors=(2,), smoothing_sigmas_mm=(4.0,)
    )
    result = register_participant(participant, ChainSettings(reference="anchor", params=fast))
    assert [pair.description for pair in result.flagged] == ["ses-01 epi -> ses-01 UNIT1"]
    assert result.flagged[0].flags == ["poor_metric"]
    assert "QC WARNING: ses-01 epi -> ses-01 UNIT1: poor_metric" in result.warnings()[0]
    sidecar = json.loads(result.ref_paths[(visit.session, "epi")].with_suffix(".json").read_text())
    assert sidecar["QCFlags"] == ["ses-01 epi -> ses-01 UNIT1: poor_metric"]
    link = json.loads(result.flagged[0].path.with_suffix(".json").read_text())
    assert link["Attempts"] == 4  # header start (one session), a coarser grid, the two other starts
