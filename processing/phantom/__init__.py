"""The synthetic phantom study: a longitudinal SVD study with known truth.

A head with a folded cortical ribbon, white matter, deep grey nuclei,
ventricles, CSF, skull and scalp lives in an "anatomy space" (RAS mm). Each
participant gets planted lesions (A-CMIs with an onset visit and a parameter
trajectory, C-CMIs, microbleeds, WMH) and veins (superior sagittal sinus,
cortical, deep medullary, internal cerebral and thalamostriate veins as
partial-volume tubes of deoxygenated blood; ``veins=False`` leaves them out
and changes nothing else). Every acquisition of every visit is
sampled on its own grid and orientation after its own rigid head movement,
passed through the forward signal models (:mod:`processing.forward`) and
written as BIDS, with the truth under ``derivatives/phantom-truth``.

Public API
----------
make_phantom_study(out, *, participants, visits, scale, seed, noise, motion, veins, progress)
load_truth(study_root, participant) -> ParticipantTruth

Modules: tissues, trajectories (data tables); anatomy, lesions, veins,
participant (what the head is); protocol, geometry (how it is scanned); sampling,
tube_volume, fields,
acquire_anat, acquire_dwi (simulation); bids, truth, study (output).
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.phantom.study import make_phantom_study
    from processing.phantom.truth import (
        AcquisitionTruth,
        LesionTruth,
        ParticipantTruth,
        VeinTruth,
        load_truth,
        truth_root,
    )

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "make_phantom_study": "study",
        "AcquisitionTruth": "truth",
        "LesionTruth": "truth",
        "ParticipantTruth": "truth",
        "VeinTruth": "truth",
        "load_truth": "truth",
        "truth_root": "truth",
    },
)

__all__ = [
    "make_phantom_study",
    "load_truth",
    "truth_root",
    "ParticipantTruth",
    "AcquisitionTruth",
    "LesionTruth",
    "VeinTruth",
]
