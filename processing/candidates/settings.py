"""What a kind of candidate is: its channels, the confirming map, sizes and thresholds.

A :class:`Channel` is a reference-space map and the sign of the change looked
for (+1 brighter, -1 darker than the participant's other visits). The combined
z-map is the mean of the channels' signed z-maps scaled by sqrt(n), so that
pure noise stays standard normal; a focus must also exceed ``min_channel_z``
on every channel. The confirming map (MD for A-CMI) must not change against
the expected sign by more than ``confirm_tolerance`` (relative).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Channel:
    """A map (parameter name of :mod:`~processing.candidates.series`) and the sign of a new lesion on it."""

    name: str
    sign: int


@dataclass(frozen=True)
class CandidateSettings:
    """Every setting of the detection (the defaults are A-CMI's; see :data:`ACMI`, :data:`NEW_CMB`).

    Attributes
    ----------
    kind : str
        Written in the ``kind`` column (``acmi``, ``cmb``).
    channels : tuple of Channel
        Maps that must change, with their signs.
    confirm : Channel or None
        A map whose change must not contradict (A-CMI: MD lower or equal, sign -1).
    confirm_tolerance : float
        Largest relative change of ``confirm`` against its sign still accepted (0.10: MD up to +10 %).
    min_diameter_mm, max_diameter_mm : float
        Blob scales searched, as diameters (from one voxel up to 5 mm for A-CMI).
    scales : int
        Number of scales between them.
    min_z : float
        Combined z at the focus for it to become a candidate. Against the
        tolerant baseline noise alone rarely passes 2.5: on the small phantom
        (seeds 31, 32) 5-7 foci per participant of 10 visits did.
    min_channel_z : float
        Signed z every channel must reach at the focus: -1, not clearly against
        the sign anywhere (at 3 mm a planted A-CMI's b1000 z was -0.01 to 0.6 with
        its b3000 z 4-9: the lower shell's contrast is small beside the brightest
        tissue nearby; devised on the small phantom of seed 21).
    expected_false : int
        The combined z a candidate must reach rises above ``min_z`` until at
        most this many foci of noise are expected per participant, counted on
        the mirror z-maps (:func:`~processing.candidates.detect.noise_threshold`).
        The mirror undercounts at the full scale: seeds 41 and 42 (10 visits)
        gave 2 and 3 false candidates at 10 but 27 and 19 at 15, every A-CMI
        kept either way; at the small scale 10 loses a faint one (seed 31).
    tolerance_voxels : int
        Misregistration tolerance: a voxel is compared with the extreme of the
        other visits' baseline within this many voxels
        (:func:`~processing.candidates.change.tolerant_baseline`).
    max_candidates : int
        Kept per participant after ranking (the rest are dropped as "beyond the list").
    csf_md : float or None
        Baseline MD (mm2/s) above which a voxel is CSF: candidates there are dropped.
    cortex_distance_mm : float
        Farther than this from the cortex mask: down-ranked as not cortical.
    persistent_z : float
        A candidate also this bright at the visit before is not new (down-ranked).
    baseline : str
        ``"visits"``: change against the participant's other visits (new foci,
        :mod:`~processing.candidates.change`); ``"local"``: contrast against the
        visit's own surroundings (every focus, new or not: microbleeds,
        :mod:`~processing.candidates.contrast`).
    background_mm : float
        Side of the local background's box (``"local"`` only): wider than the largest focus.
    min_blobness : float
        Frangi's blobness below which a focus is a piece of a tube (a vein) and
        down-ranked (:mod:`~processing.candidates.shape`); 0 never.
    bright_map : str or None
        A map that must be bright in absolute terms at the focus (microbleeds:
        ``R2star``): its largest value over the focus's 26 neighbours divided
        by its brain median at that visit (``<map>_ratio``) must reach
        ``min_bright_ratio``, else the focus is dropped. The cortical ribbon
        between two bright sulci is dark on SWI and bright against its
        surroundings on R2*, but not above the brain's own R2*; a microbleed is
        (venous blood and iron, 2-8 times tissue).
    min_bright_ratio : float
        See ``bright_map``. 2.5 for microbleeds: the foci that reached 1.5-2.3
        were veins, noise and the edges of chronic lesions (70 of them on the
        full-scale phantom of seed 1, 10 visits; the three microbleeds there
        reached 6.6-8.4), and on the small phantoms of seeds 51-53 every
        microbleed reached 2.5 while 3 of 19 false candidates did.
    rim_mm : float
        Closer than this to the brain mask's edge: dropped (air-tissue
        interfaces and the veins and sinuses on the surface; on the small
        phantom of seed 32 they were 97 of 100 microbleed candidates, 3-4.2 mm
        from the edge, R2* 5-6 times the brain's); 0 never. A lobar microbleed
        that close to the mask's edge is not offered (a known limit).
    """

    kind: str = "acmi"
    channels: tuple[Channel, ...] = (Channel("trace_b1000", +1), Channel("trace_b3000", +1))
    confirm: Channel | None = Channel("MD", -1)
    confirm_tolerance: float = 0.10
    min_diameter_mm: float = 1.0
    max_diameter_mm: float = 5.0
    scales: int = 5
    min_z: float = 2.5
    min_channel_z: float = -1.0
    tolerance_voxels: int = 1
    expected_false: int = 10
    max_candidates: int = 50
    csf_md: float | None = 2.2e-3
    cortex_distance_mm: float = 2.0
    persistent_z: float = 3.0
    baseline: str = "visits"
    background_mm: float = 12.0
    min_blobness: float = 0.0
    bright_map: str | None = None
    min_bright_ratio: float = 1.5
    rim_mm: float = 0.0


#: New acute cortical microinfarcts: bright on both DWI traces, MD lower or equal, < 5 mm, cortical.
ACMI = CandidateSettings()

#: Microbleeds at every visit: compact dark dots on SWI, bright on R2*, 2-10 mm, anywhere in the
#: brain, against the visit's own surroundings; tubes (veins) and the brain's rim down-ranked.
CMB = CandidateSettings(
    kind="cmb",
    channels=(Channel("SWI", -1), Channel("R2star", +1)),
    confirm=None,
    min_diameter_mm=2.0,
    max_diameter_mm=10.0,
    min_z=4.0,
    min_channel_z=1.0,
    csf_md=None,
    cortex_distance_mm=float("inf"),
    persistent_z=float("inf"),
    baseline="local",
    background_mm=12.0,
    min_blobness=0.5,
    bright_map="R2star",
    min_bright_ratio=2.5,
    rim_mm=5.0,
    max_candidates=100,
)

#: New microbleeds between visits: darker on SWI and brighter on R2* than at the other visits.
NEW_CMB = CandidateSettings(
    kind="cmb-new",
    channels=(Channel("SWI", -1), Channel("R2star", +1)),
    confirm=None,
    min_diameter_mm=2.0,
    max_diameter_mm=10.0,
    csf_md=None,
    cortex_distance_mm=float("inf"),
    min_blobness=0.5,
)

#: The kinds the engine computes for every participant (``ferret candidates --kind``).
KINDS = {"acmi": ACMI, "cmb": CMB}
