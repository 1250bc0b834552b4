"""Registration accuracy and the participant chain on the phantom (known head motion)."""

from __future__ import annotations

import numpy as np
import pytest

from processing.phantom import load_truth
from processing.registration import RegistrationParams, register_rigid
from processing.registration.chain import ChainSettings, register_participant
from processing.registration.geometry import displacement_stats, mask_points
from processing.registration.masks import brain_mask
from processing.registration.volumes import registration_volume
from processing.study import discover


def _truth_b_from_a(truth, session_b, acq_b, session_a, acq_a):
    b, a = truth.acquisition(session_b, acq_b), truth.acquisition(session_a, acq_a)
    return b.world_from_anatomy @ np.linalg.inv(a.world_from_anatomy)


@pytest.fixture(scope="module")
def phantom(phantom_noiseless):
    participant = discover(phantom_noiseless).participant("sub-01")
    return phantom_noiseless, participant, load_truth(phantom_noiseless, "sub-01")


@pytest.mark.slow
def test_dwi_to_anchor_recovers_planted_motion(phantom):
    root, participant, truth = phantom
    visit = participant.visits[0]
    fixed = registration_volume(visit.acquisitions["UNIT1"])[:2]
    moving = registration_volume(visit.acquisitions["dwi"])[:2]
    mask = brain_mask(*fixed)
    result = register_rigid(fixed, moving, fixed_mask=mask, params=RegistrationParams(initialiser="header"))
    expected = _truth_b_from_a(truth, visit.session, "MP2RAGE", visit.session, "dwi")
    points = mask_points(mask, fixed[1])
    assert displacement_stats(result.fixed_from_moving, expected, points)["mean_mm"] < 0.6
    assert displacement_stats(np.eye(4), expected, points)["mean_mm"] > 2.0  # there was motion to recover


@pytest.mark.slow
def test_chain_composes_and_caches(phantom, tmp_path):
    root, participant, truth = phantom
    for visit in participant.visits[:2]:  # a reduced participant: anchor + DWI, two visits
        visit.acquisitions = {k: visit.acquisitions[k] for k in ("UNIT1", "dwi")}
    participant.visits = participant.visits[:2]
    chain = register_participant(participant, ChainSettings(params=RegistrationParams(iterations=80)))
    first, second = participant.visits
    assert chain.reference.shape == tuple(truth.acquisition(first.session, "dwi").shape[:3])
    assert all(not pair.cached for pair in chain.pairs)
    # ref = visit 1's DWI world: compare every composed transform with the planted truth
    fixed = registration_volume(first.acquisitions["UNIT1"])[:2]
    points = mask_points(brain_mask(*fixed), fixed[1], max_points=4000)
    for (session, key), matrix in chain.ref_from.items():
        expected = _truth_b_from_a(truth, first.session, "dwi", session, "MP2RAGE" if key == "UNIT1" else key)
        assert displacement_stats(matrix, expected, points)["mean_mm"] < 1.0, (session, key)
    path = chain.ref_paths[(second.session, "dwi")]
    assert path.name == "sub-01_ses-02_from-dwi_to-ref_mode-image_xfm.txt" and path.with_suffix(".json").exists()
    again = register_participant(participant, ChainSettings(params=RegistrationParams(iterations=80)))
    assert all(pair.cached for pair in again.pairs)
    np.testing.assert_allclose(again.ref_from[(second.session, "dwi")], chain.ref_from[(second.session, "dwi")])
