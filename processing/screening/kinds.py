"""What accepting a candidate of each kind makes: the lesion type and the map it is grown on.

The candidates of a kind were found on the channels of its
:class:`~processing.candidates.settings.CandidateSettings`; an accepted one is
grown on the first of them the visit has, with that channel's sign:

- ``acmi`` (:data:`~processing.candidates.settings.ACMI`): an A-CMI, bright on
  the b1000 trace, in a 5 mm ball, onset = the candidate's visit;
- ``cmb`` (:data:`~processing.candidates.settings.CMB`, every microbleed of a
  visit): a CMB, dark on SWI (bright on R2* when the visit has no SWI), in a
  10 mm ball (a microbleed is 2-10 mm), seen at the candidate's visit, no onset;
- ``cmb-new`` (:data:`~processing.candidates.settings.NEW_CMB`, a microbleed
  that was not there before): as ``cmb``, with onset = the candidate's visit.

:data:`ACCEPT_RULES` holds them in the order the screening queue takes the
kinds: the new lesions first, then the microbleeds of every visit.

>>> ACCEPT_RULES["cmb"].lesion_type, [c.name for c in ACCEPT_RULES["cmb"].maps]
('CMB', ['SWI', 'R2star'])
>>> ACCEPT_RULES["acmi"].grow.max_diameter_mm, ACCEPT_RULES["cmb"].grow.max_diameter_mm
(5.0, 10.0)
"""

from __future__ import annotations

from dataclasses import dataclass

from processing.candidates.settings import ACMI, CMB, NEW_CMB, Channel
from processing.screening.grow import GrowSettings

#: Ratings an accepted microbleed gets: Enter accepts as definite, Shift+Enter as possible.
CERTAINTY_FIELD, CERTAINTIES = "certainty", ("definite", "possible")


@dataclass(frozen=True)
class AcceptRule:
    """How an accepted candidate of one kind becomes a lesion.

    Attributes
    ----------
    kind : str
        The candidate table's ``kind``.
    lesion_type : str
        Type of the lesion made (one of :data:`processing.annotations.schema.LESION_TYPES`).
    label : str
        How the kind is named to the rater (``"A-CMI"``, ``"CMB"``, ``"new CMB"``).
    maps : tuple of Channel
        Maps to grow on, the first the visit has; the sign says bright (+1) or dark (-1).
    grow : GrowSettings
        The ball the region stays in, and what counts as part of the focus.
    onset : bool
        The candidate's visit becomes the lesion's onset.
    certainty : bool
        The lesion's rating has a certainty (definite / possible) set by the key that accepted it.
    """

    kind: str
    lesion_type: str
    label: str
    maps: tuple[Channel, ...]
    grow: GrowSettings
    onset: bool
    certainty: bool = False


#: Microbleeds: the ball of the largest microbleed; the shell beyond it for the tissue around.
CMB_GROW = GrowSettings(max_diameter_mm=CMB.max_diameter_mm, background_mm=4.0)

ACCEPT_RULES = {
    "acmi": AcceptRule("acmi", "A-CMI", "A-CMI", ACMI.channels[:1], GrowSettings(), onset=True),
    "cmb-new": AcceptRule(
        "cmb-new", "CMB", "new CMB", NEW_CMB.channels, CMB_GROW, onset=True, certainty=True
    ),
    "cmb": AcceptRule("cmb", "CMB", "CMB", CMB.channels, CMB_GROW, onset=False, certainty=True),
}
