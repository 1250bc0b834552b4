"""The MARS regions: numbers of the shipped atlas, their groups and the CMB form's values.

The Microbleed Anatomical Rating Scale (MARS, Gregoire et al. 2009) sorts a
microbleed into three groups, each with its structures. The atlas
(:mod:`processing.location.atlas`) codes them 1-13; the CMB rating form
(``resources/rating_schemas/CMB.json``) names them with ``mars_region`` and one
structure field per group (``mars_lobe``, ``mars_deep``, ``mars_infratentorial``).

>>> REGIONS[9].group, REGIONS[9].structure
('lobar', 'frontal')
>>> region_of_form("deep", "thalamus").number
4
>>> region_of_form("lobar", None) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass

#: The three MARS groups, in the order counts list them.
GROUPS = ("lobar", "deep", "infratentorial")
#: The form's structure field of each group.
STRUCTURE_FIELD = {
    "lobar": "mars_lobe",
    "deep": "mars_deep",
    "infratentorial": "mars_infratentorial",
}
#: What a lesion outside every region, or on a boundary, is called.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Region:
    """One MARS region of the atlas.

    Attributes
    ----------
    number : int
        The atlas value (1-13).
    name : str
        In words, as the atlas's documentation names it.
    group : str
        ``lobar``, ``deep`` or ``infratentorial``.
    structure : str
        The value of the group's structure field in the CMB form.
    """

    number: int
    name: str
    group: str
    structure: str

    @property
    def location(self) -> str:
        """``group:structure``, as the export's ``location`` column writes a rated CMB."""
        return f"{self.group}:{self.structure}"


REGIONS: dict[int, Region] = {
    region.number: region
    for region in (
        Region(1, "brainstem", "infratentorial", "brainstem"),
        Region(2, "cerebellum", "infratentorial", "cerebellum"),
        Region(3, "basal ganglia", "deep", "basal_ganglia"),
        Region(4, "thalamus", "deep", "thalamus"),
        Region(5, "internal capsule", "deep", "internal_capsule"),
        Region(6, "external capsule", "deep", "external_capsule"),
        Region(7, "corpus callosum", "deep", "corpus_callosum"),
        Region(8, "deep and periventricular white matter", "deep", "deep_periventricular_wm"),
        Region(9, "frontal", "lobar", "frontal"),
        Region(10, "parietal", "lobar", "parietal"),
        Region(11, "temporal", "lobar", "temporal"),
        Region(12, "occipital", "lobar", "occipital"),
        Region(13, "insula", "lobar", "insula"),
    )
}


def group_of(number: int) -> str:
    """Return the MARS group of an atlas number (``unknown`` for 0 or an unknown number)."""
    region = REGIONS.get(int(number))
    return UNKNOWN if region is None else region.group


def region_of_form(group: str | None, structure: str | None) -> Region | None:
    """Return the region a rater chose in the form (group and structure), else None."""
    for region in REGIONS.values():
        if region.group == group and region.structure == structure:
            return region
    return None


def form_values(region: Region) -> dict[str, str]:
    """Return the CMB form's answers that name ``region`` (``mars_region`` and its structure)."""
    return {"mars_region": region.group, STRUCTURE_FIELD[region.group]: region.structure}
