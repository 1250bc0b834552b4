"""The registrations a perfect registration chain would produce on a phantom.

For demos and tests that need images placed in the reference space without
running the (slow) registration: every ``from-<acq>_to-ref`` transform is
written from the planted head movements, ``ref_from_acq = W_dwi1 @ inv(W_acq)``
with ``W`` the truth's ``world_from_anatomy`` of each scan, in the same files
and format as :func:`processing.registration.chain.register_participant`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from processing.phantom.truth import load_truth
from processing.registration import store
from processing.study import discover

TRUTH_NAME = {"UNIT1": "MP2RAGE"}


def write_truth_registrations(root: str | Path, participant: str = "sub-01") -> list[Path]:
    """Write the exact ``to-ref`` transform of every acquisition of a phantom participant.

    Returns the transform files written. The reference space is the first
    visit's DWI world, as the registration chain's default.
    """
    truth = load_truth(root, participant)
    visits = discover(root).participants[participant].visits
    reference = truth.acquisition(visits[0].session, "dwi").world_from_anatomy
    written = []
    for visit in visits:
        for key in visit.acquisitions:
            entry = truth.acquisitions.get((visit.session, TRUTH_NAME.get(key, key)))
            if entry is None:
                continue
            matrix = reference @ np.linalg.inv(entry.world_from_anatomy)
            written.append(write_truth_transform(visit, key, matrix))
    return written


def write_truth_transform(visit, key: str, ref_from_acquisition: np.ndarray) -> Path:
    """Write one acquisition's ``to-ref`` transform as the registration chain would; return its path."""
    return store.write_transform(
        store.xfm_path(visit, key, "ref"),
        ref_from_acquisition,
        source=key,
        target="ref",
        method="phantom truth (perfect registration)",
        parameters={},
        inputs=[],
    )
