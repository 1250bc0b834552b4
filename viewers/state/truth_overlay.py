"""The phantom's planted truth as overlays (demo studies): lesion label maps and lesion list.

The truth (:func:`processing.phantom.load_truth`) has a lesion label map per
visit and acquisition, on that acquisition's grid; it is placed in the
reference space with the acquisition's own transform, exactly like the image
it belongs to. Lesion centres are given in the phantom's anatomy space; a
lesion's reference position is ``ref_from_acq @ world_from_anatomy @ centre``
for the DWI of its onset visit (the first visit for lesions without onset).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.study.model import Participant
from viewers.state.overlays import Lesion
from viewers.state.placement import Placement

#: Acquisition keys whose truth is filed under another acquisition's name (same scan).
TRUTH_NAME = {"UNIT1": "MP2RAGE", "T1map": "MP2RAGE"}
POINT_TYPES = ("microbleed",)


def load_participant_truth(study_root: str | Path, participant: str):
    """Return the participant's truth, or None for a study that is not a phantom."""
    from processing.phantom import load_truth

    try:
        return load_truth(study_root, participant)
    except (FerretError, OSError, ValueError, KeyError):
        return None


def truth_map_path(truth, session: str, acquisition_key: str | None) -> Path | None:
    """Return the lesion label map of an acquisition at a visit, or None."""
    if truth is None or acquisition_key is None:
        return None
    entry = truth.acquisitions.get((session, TRUTH_NAME.get(acquisition_key, acquisition_key)))
    if entry is None:
        return None
    return entry.maps.get("lesions")


def lesion_names(truth) -> dict[int, str]:
    """Label value -> ``"acmi-01 (acmi, onset ses-03)"``."""
    names = {}
    for lesion in truth.lesions:
        onset = f", onset {lesion.onset_session}" if lesion.onset_session else ""
        names[int(lesion.label)] = f"{lesion.id} ({lesion.type}{onset})"
    return names


def truth_lesions(
    truth, participant: Participant, placement: Callable[[str, str], Placement]
) -> list[Lesion]:
    """Every planted lesion with its centre in the reference space (see the module docstring)."""
    sessions = [v.session for v in participant.visits]
    lesions = []
    for item in truth.lesions:
        session = item.onset_session if item.onset_session in sessions else sessions[0]
        entry = truth.acquisitions.get((session, "dwi"))
        if entry is None:
            continue
        world = entry.world_from_anatomy @ np.append(np.asarray(item.centre_mm, dtype=float), 1.0)
        centre = (placement(session, "dwi").matrix @ world)[:3]
        lesions.append(
            Lesion(
                item.id,
                item.type,
                centre,
                float(np.max(item.radii_mm)),
                item.onset_session,
                "truth",
            )
        )
    return lesions
