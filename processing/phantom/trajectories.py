"""Lesion parameter trajectories (data, not code).

Each lesion type (and subtype) changes its host tissue's baseline by a factor
per parameter. For A-CMIs the factor depends on visits since onset: the list
holds the factor at onset (index 0), one visit later (1), and so on; the last
entry holds for later visits, and before onset every factor is 1 (the lesion
is invisible). Other lesions are constant from the first visit. ``"csf"``
replaces the values by those of CSF (cavitation).

The A-CMI pattern follows the reference study: at onset the DWI trace rises
(MD down 35 %), R1, R2 and R2* fall (T1 and T2 up); afterwards MD, R1 and R2
recover towards baseline while R2* rises above baseline in the ``iron``
subtype.
"""

from __future__ import annotations

#: type -> subtype -> parameter -> factors (A-CMI: by visits since onset), or ``"csf"`` for a subtype
TRAJECTORIES: dict[str, dict[str, dict[str, list[float] | float | str] | str]] = {
    "acmi": {
        "plain": {
            "MD": [0.65, 0.85, 0.95, 1.0],
            "FA": [0.85, 0.95, 1.0],
            "T1": [1.15, 1.10, 1.06, 1.04],
            "T2": [1.20, 1.12, 1.06, 1.04],
            "R2star": [0.85, 0.95, 1.0],
            "PD": [1.05, 1.03, 1.0],
            "chi": [1.0],
        },
        "iron": {
            "MD": [0.62, 0.85, 0.95, 1.0],
            "FA": [0.85, 0.95, 1.0],
            "T1": [1.15, 1.10, 1.06, 1.04],
            "T2": [1.20, 1.10, 1.02, 0.98],
            "R2star": [0.85, 1.05, 1.20, 1.35],
            "PD": [1.05, 1.03, 1.0],
            "chi": [1.0],
        },
    },
    "ccmi": {
        "plain": {
            "MD": 1.25,
            "FA": 0.8,
            "T1": 1.25,
            "T2": 1.30,
            "R2star": 0.9,
            "PD": 1.05,
            "chi": 1.0,
        },
        "iron": {
            "MD": 1.15,
            "FA": 0.8,
            "T1": 1.20,
            "T2": 1.10,
            "R2star": 1.8,
            "PD": 1.0,
            "chi": 1.0,
        },
        "cavitated": "csf",
    },
    "microbleed": {
        "plain": {"MD": 1.0, "FA": 1.0, "T1": 1.0, "T2": 0.5, "R2star": 8.0, "PD": 0.9, "chi": 1.0},
    },
    "wmh": {
        "plain": {
            "MD": 1.45,
            "FA": 0.55,
            "T1": 1.45,
            "T2": 2.2,
            "R2star": 0.85,
            "PD": 1.1,
            "chi": 1.0,
        },
    },
}

#: extra susceptibility (ppm, added) of sources whose field is modelled as a sphere
SUSCEPTIBILITY_PPM = {("microbleed", "plain"): 1.0, ("ccmi", "iron"): 0.3}

#: how many lesions of each (type, subtype) a participant gets
LESION_COUNTS = {
    ("acmi", "plain"): 3,
    ("acmi", "iron"): 2,
    ("ccmi", "plain"): 2,
    ("ccmi", "iron"): 1,
    ("ccmi", "cavitated"): 1,
    ("microbleed", "plain"): 3,
    ("wmh", "plain"): 3,
}


def factor(
    lesion_type: str, subtype: str, parameter: str, visits_since_onset: int | None
) -> float | str:
    """Return the factor on the host baseline (or ``"csf"``) at a visit.

    ``visits_since_onset`` is None for lesions present from the start and
    negative before an A-CMI's onset.
    """
    rule = TRAJECTORIES[lesion_type][subtype]
    if isinstance(rule, str):  # "csf", the only whole-subtype rule
        return "csf"
    value = rule[parameter]
    if not isinstance(value, list):
        return value
    if visits_since_onset is None or visits_since_onset < 0:
        return 1.0
    return value[min(visits_since_onset, len(value) - 1)]
