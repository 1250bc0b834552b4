"""Candidates on phantom truth at the small scale, for seeds not used while tuning (issue 18, item 4).

Each seed: one phantom participant of :data:`VISITS` visits with noise and
head movement at the ``small`` scale (realistic A-CMI radii of 1.0-1.8 mm,
seen by a 3 mm DWI as one or two partial-volume voxels), only the steps the
candidates need (:func:`~processing.candidates.accuracy.prepare_phantom_participant`:
DWI and R1 maps, the planted head movements as the ``to-ref`` transforms, so
registration error is not part of this test, resampling into visit 1's DWI
grid), then the default A-CMI detection.

Goals (the issue's, not loosened): every planted A-CMI found at its onset
visit (a candidate within 3 mm of its centre) within the first 20 of its
participant; at most 15 false candidates per participant at the default
threshold; no candidate on a chronic CMI, a microbleed or a white matter
hyperintensity (within 3 mm of its extent), since those are never new.

Seeds: the detector was tuned on the tiny phantom of seed 0, the synthetic
series of seeds 0-2 and the small phantoms of seeds 31, 32 and 21 (the
tolerant baseline, the per-visit noise, the thresholds, the sub-voxel
position); ``bench/candidates.py`` reports seeds 11-15; these are 26-30,
never looked at while tuning. :data:`VISITS` is 6, not 10, to keep the five
participants to a few minutes (each takes about a minute: phantom, maps,
detection).

Measured (this detector, seeds 26-30): 20 of the 25 A-CMIs found, every one
found at rank 1-5, none missed in seed 27, one missed in 26, 29 and 30, two
in 28; no false candidate in any list; no candidate on a chronic lesion. The
recall goal is therefore an expected failure for the seeds in :data:`NOT_MET`
(the test fails when one of them meets it, so that the list shrinks); the misses are the 3 mm
grid's partial volume (a 2-3 mm lesion between voxels). At the full scale
(1.7 mm), seed 41: all five at ranks 1-5 (``bench/candidates.py``).

History: with the voxel-wise spread of the other visits as the noise and no
misregistration tolerance, none of seeds 21-25 had every A-CMI in its top 20
(2 of 25 found) and every list held 49-50 false candidates; with the tolerant
baseline and the visit's noise (before the sub-voxel position and the -1
channel floor) every list held at most 15 false candidates, seed 21 then
found 3 of 5.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

SEEDS = (26, 27, 28, 29, 30)
VISITS = 6
TOP = 20
MAX_FALSE = 15
#: Seeds whose participant misses an A-CMI (measured; see the module docstring).
NOT_MET = {26, 28, 29, 30}


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def screened(request, tmp_path_factory):
    """Return ``(assessment, rows)`` of one seed's participant."""
    from processing.candidates.accuracy import assess, prepare_phantom_participant, truth_lesions
    from processing.candidates.detect import participant_candidates
    from processing.phantom import make_phantom_study
    from processing.study import discover

    root = make_phantom_study(
        tmp_path_factory.mktemp(f"acc{request.param}") / "study",
        visits=VISITS,
        scale="small",
        seed=request.param,
    )
    prepare_phantom_participant(root)
    study = discover(root)
    rows = [c.record() for c in participant_candidates(study.root, study.participants["sub-01"])]
    assessment = assess(rows, truth_lesions(root))
    print(f"seed {request.param}: ranks {assessment['acmi_ranks']}, false {assessment['false']}")
    return assessment, rows


def test_every_planted_acmi_is_within_the_top_20_at_its_onset(screened, request):
    """The issue's goal; an expected failure for the seeds in :data:`NOT_MET`, which must stay so."""
    assessment, _ = screened
    ranks = assessment["acmi_ranks"]
    met = bool(ranks) and all(r is not None and r <= TOP for r in ranks.values())
    seed = request.node.callspec.params["screened"]
    if seed in NOT_MET:
        assert not met, f"seed {seed} meets the goal now: take it out of NOT_MET"
        pytest.xfail(f"issue 18 item 4 not met at the small scale for seed {seed}: {ranks}")
    assert met, str(ranks)


def test_at_most_15_false_candidates_per_participant(screened):
    assessment, rows = screened
    assert assessment["false"] <= MAX_FALSE, (assessment["false"], len(rows))


def test_chronic_cmis_microbleeds_and_wmh_do_not_come_out_as_new_acmis(screened):
    assessment, _ = screened
    assert not assessment["confusions"], str(assessment["confusions"])
