"""One phantom participant: anatomy, lesions, demographics, visit dates and motion.

All random draws come from generators seeded by ``(seed, participant)``,
``(seed, participant, visit, acquisition)`` and, for the veins,
``(seed, participant, VEIN_STREAM)``, so any piece can be regenerated alone,
the output never depends on the order of generation, and a phantom without
veins is the same phantom, draw for draw, as one with them.

Head movement (:data:`VISIT_MOTION` between visits, :data:`ACQUISITION_MOTION`
between the acquisitions of a visit) can be switched off (``motion=False``):
every scan then sees the head in the same place (``world_from_anatomy`` is the
identity). That is a test affordance, to separate what registration and
resampling do from what the rest of a chain does; real participants move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from processing.phantom.anatomy import Anatomy
from processing.phantom.geometry import random_motion
from processing.phantom.lesions import Lesion, plant_lesions
from processing.phantom.veins import VEIN_STREAM, Vein, draw_veins

FIRST_VISIT = dt.datetime(2023, 3, 6, 9, 0, 0)
VISIT_MOTION = (2.0, 3.0)  # sd of degrees and mm between visits
ACQUISITION_MOTION = (1.0, 1.0)  # sd of degrees and mm between acquisitions of a visit


@dataclass
class PhantomParticipant:
    """The fixed, random traits of one participant."""

    label: str
    index: int
    seed: int
    anatomy: Anatomy
    lesions: list[Lesion]
    demographics: dict
    visit_dates: list[dt.datetime]
    motion: bool = True
    veins: list[Vein] | None = field(default=None)  # None: a phantom without veins

    @classmethod
    def create(
        cls,
        seed: int,
        index: int,
        visits: int,
        *,
        scale: str = "full",
        motion: bool = True,
        veins: bool = True,
    ) -> PhantomParticipant:
        """Draw participant ``index`` (1-based) of a study with ``visits`` visits.

        ``scale`` sets the lesion sizes (:data:`processing.phantom.lesions.CMI_GEOMETRY`);
        ``motion=False`` keeps the head still in every scan; ``veins=False``
        leaves out the veins (:mod:`processing.phantom.veins`) and changes
        nothing else.
        """
        rng = np.random.default_rng([seed, index])
        anatomy = Anatomy.random(rng)
        lesions = plant_lesions(anatomy, rng, visits, scale)
        demographics = {
            "age": int(rng.integers(55, 86)),
            "sex": str(rng.choice(["F", "M"])),
            "hypertension": str(rng.choice(["yes", "no"], p=[0.6, 0.4])),
            "group": "svd" if index % 2 == 1 else "control",
        }
        dates, day = [], FIRST_VISIT + dt.timedelta(days=int(rng.integers(0, 60)))
        for visit in range(visits):
            jitter = int(rng.integers(-3, 4)) if visit else 0
            minutes = int(rng.integers(0, 8 * 60 // 15)) * 15
            dates.append(day + dt.timedelta(days=28 * visit + jitter, minutes=minutes))
        drawn = (
            draw_veins(anatomy, lesions, np.random.default_rng([seed, index, VEIN_STREAM]))
            if veins
            else None
        )
        return cls(
            f"sub-{index:02d}", index, seed, anatomy, lesions, demographics, dates, motion, drawn
        )

    @property
    def sessions(self) -> list[str]:
        """The session labels (``ses-01``, ...), one per visit date."""
        return [f"ses-{k + 1:02d}" for k in range(len(self.visit_dates))]

    def world_from_anatomy(self, visit: int, acquisition_index: int) -> np.ndarray:
        """Head position in acquisition ``acquisition_index`` of ``visit`` (1-based).

        Identity without motion.
        """
        if not self.motion:
            return np.eye(4)
        visit_motion = random_motion(
            np.random.default_rng([self.seed, self.index, visit]), *VISIT_MOTION
        )
        rng = np.random.default_rng([self.seed, self.index, visit, acquisition_index, 1])
        return random_motion(rng, *ACQUISITION_MOTION) @ visit_motion

    def noise_rng(self, visit: int, acquisition_index: int) -> np.random.Generator:
        """Return the random generator for the noise of one acquisition."""
        return np.random.default_rng([self.seed, self.index, visit, acquisition_index, 2])
