"""Screening: one rater walks one participant's candidates (or visits) and decides each (Qt-free).

The candidates come from images only (:mod:`processing.candidates`, the
engine step ``candidates``), so a rater screening them stays blinded.

- :mod:`~processing.screening.items`: the queue. :func:`participant_items` reads
  every candidate table of the participant (A-CMI, new microbleeds, microbleeds),
  each in rank order (a missing or damaged table is a
  :class:`~processing.errors.FerretError` naming the file and the fix);
  :func:`visit_items` is the "visit by visit" walk of raters who screen without
  candidates. Every item has a stable ID (``sub-01:ses-03:acmi:x,y,z``).
- :mod:`~processing.screening.kinds`: what an accepted candidate of each kind
  becomes (lesion type, the map it is grown on, the ball it stays in, onset).
- :mod:`~processing.screening.grow`: seeded 3D region growing of a bright (A-CMI
  on the visit's reference-space b1000 trace) or dark focus (a microbleed on
  its SWI), relative to the local baseline and noise, bounded to a 5 mm (10 mm)
  ball.
- :mod:`~processing.screening.accept`: an accepted candidate becomes an A-CMI
  lesion of the rater with onset = its visit, or a CMB seen at its visit (or
  adopts the lesion already at its peak).
- :mod:`~processing.screening.session`: :class:`ScreeningSession`, holding the
  rater's lock, walking the queue (:class:`processing.review.walk.QueueWalk`) and
  storing every decision as one ``screening_decision`` audit row, its commit
  mark: a reopened session resumes with the undecided items; it reads its
  tables again when the engine rewrote them (:meth:`ScreeningSession.reload`).
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.screening.items import ScreeningItem
    from processing.screening.session import ScreeningProgress, ScreeningSession

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "ScreeningItem": "items",
        "ScreeningProgress": "session",
        "ScreeningSession": "session",
    },
)

__all__ = ["ScreeningItem", "ScreeningProgress", "ScreeningSession"]
