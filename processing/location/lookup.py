"""A microbleed's MARS region: the atlas's rule, and the rater's form over it.

**The rule.** A lesion's atlas region is the region holding a strict majority
(more than half) of the lesion's voxels in the participant's MARS map
(:func:`processing.location.participant.atlas_file`). Voxels outside every
region count as votes for "outside", so a lesion mostly outside the atlas's
brain, or split evenly between regions (on a boundary: no region holds more
than half), is ``unknown`` (region 0). A one-voxel lesion takes the region of
its voxel.

**The source.** The rater's form wins: when the rater answered
``mars_region`` (lobar / deep / infratentorial), the lesion's location is the
rater's group and structure (the structure may be unanswered) and its source
is ``rater``. Otherwise the atlas region is used, source ``atlas``; with no
atlas map for the participant the location stays unknown (source empty).

>>> labels = np.array([[[1, 1, 2, 0]]])
>>> atlas = np.array([[[9, 9, 4, 4]]], dtype=np.uint8)
>>> lesion_regions(labels, atlas)
{1: 9, 2: 4}
>>> lesion_regions(np.array([[[1, 1, 0, 0]]]), np.array([[[9, 4, 0, 0]]], dtype=np.uint8))
{1: 0}
>>> cmb_location({"mars_region": "deep"}, 9).text, cmb_location({}, 9).text
('deep', 'lobar:frontal')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from processing.location.regions import REGIONS, STRUCTURE_FIELD, UNKNOWN, form_values

RATER, ATLAS = "rater", "atlas"


def lesion_regions(labels: np.ndarray, atlas: np.ndarray) -> dict[int, int]:
    """Return ``{lesion ID: atlas region}`` by the strict-majority rule (0: unknown).

    Parameters
    ----------
    labels : ndarray of int
        Lesion IDs (0 background), on the same grid as ``atlas``.
    atlas : ndarray of uint8
        MARS region numbers.
    """
    labels, atlas = np.asarray(labels), np.asarray(atlas)
    inside = labels > 0
    ids, regions = labels[inside].astype(np.int64), atlas[inside].astype(np.int64)
    found: dict[int, int] = {}
    for lesion in np.unique(ids):
        votes = np.bincount(regions[ids == lesion], minlength=len(REGIONS) + 1)
        winner = int(np.argmax(votes))
        found[int(lesion)] = winner if votes[winner] * 2 > votes.sum() else 0
    return found


@dataclass(frozen=True)
class Location:
    """Where a microbleed lies and who said so.

    Attributes
    ----------
    group : str
        ``lobar``, ``deep``, ``infratentorial`` or ``unknown``.
    structure : str or None
        The group's structure (e.g. ``frontal``), None when not known.
    source : str
        ``rater``, ``atlas``, or ``""`` (no atlas map and no answer).
    """

    group: str
    structure: str | None
    source: str

    @property
    def text(self) -> str:
        """``group:structure``, or the group alone (the export's ``location`` column)."""
        return f"{self.group}:{self.structure}" if self.structure else self.group


def cmb_location(ratings: Mapping[str, str], atlas_region: int | None) -> Location:
    """Return a microbleed's location: the rater's form if answered, else the atlas region."""
    group = ratings.get("mars_region")
    if group:
        return Location(group, ratings.get(STRUCTURE_FIELD.get(group, "")) or None, RATER)
    if atlas_region is None:
        return Location(UNKNOWN, None, "")
    region = REGIONS.get(int(atlas_region))
    if region is None:
        return Location(UNKNOWN, None, ATLAS)
    return Location(region.group, region.structure, ATLAS)


def suggested_ratings(atlas_region: int | None) -> dict[str, str]:
    """Return the form answers the atlas suggests (empty when it does not know the region)."""
    region = REGIONS.get(int(atlas_region)) if atlas_region is not None else None
    return {} if region is None else form_values(region)
