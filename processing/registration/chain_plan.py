"""Planning the registration chain of one participant: anchors, links and the reference link.

* :class:`ChainSettings`: anchor kinds, reference grid, registration parameters.
* :func:`anchor_key` / :func:`anchors_of`: each visit's anchor acquisition.
* :class:`PairTask`: one link (moving onto fixed), with its transform path and
  a plain-value form for engine jobs.
* :func:`pair_tasks`: every link of the chain; :func:`visit_links`: those
  composed into one visit's ``to-ref`` transforms; :func:`reference_link_key`:
  the link placing the reference grid (visit 1's DWI).
* :func:`header_grid`: an acquisition's voxel grid from its header.

Nothing here registers or writes anything (see :mod:`~processing.registration.chain`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.registration import store
from processing.registration.rigid import RegistrationParams
from processing.registration.volumes import representative_file
from processing.spaces.grid import Grid
from processing.study.model import Participant, Visit

#: Acquisitions read out in one scan with the anchor (no motion between them).
MP2RAGE_FAMILY = {"UNIT1", "MP2RAGE", "T1map"}


@dataclass(frozen=True)
class ChainSettings:
    """How the chain is built: anchors, reference grid and registration parameters."""

    anchor_kinds: tuple[str, ...] = ("UNIT1", "MP2RAGE", "T1w")
    fallback_anchor: str | None = None
    reference: str = "dwi"
    isotropic_mm: float = 1.0
    params: RegistrationParams = field(default_factory=RegistrationParams)


#: The default chain settings (a frozen value shared as the functions' default).
DEFAULT_SETTINGS = ChainSettings()

#: When a visit has none of the anchor kinds, the first present of these anchors it (a DWI-only study too).
FALLBACK_ORDER = ("T1map", "FLAIR", "T2w", "MESE", "MEGRE", "dwi", "epi")


def anchor_key(visit: Visit, settings: ChainSettings) -> str:
    """Return the acquisition key of the visit's anchor (README, "The reference space": one rule everywhere).

    The first of ``settings.anchor_kinds`` present (UNIT1, MP2RAGE, T1w), else
    the configured fallback, else the first present in :data:`FALLBACK_ORDER`,
    else the visit's first acquisition; a FerretError only for a visit without
    any image.
    """
    kinds = settings.anchor_kinds + (
        (settings.fallback_anchor,) if settings.fallback_anchor else ()
    )
    for kind in kinds + FALLBACK_ORDER:
        if kind in visit.acquisitions:
            return kind
    if visit.acquisitions:
        return sorted(visit.acquisitions)[0]
    raise FerretError(
        "no image Ferret uses in this visit, so nothing can anchor its registration.",
        visit.path,
        "add the visit's images (see the README's naming table), or remove the empty visit.",
    )


def reference_key(first: Visit, settings: ChainSettings) -> str:
    """Return the acquisition of visit 1 whose grid is the reference space.

    Its DWI if present, else its anchor.
    """
    dwi = next((key for key in sorted(first.acquisitions) if key.startswith("dwi")), None)
    return dwi if settings.reference == "dwi" and dwi is not None else anchor_key(first, settings)


@dataclass
class PairTask:
    """One link of the chain: register moving (visit, key) onto fixed (visit, key)."""

    fixed: tuple[Visit, str]
    moving: tuple[Visit, str]
    target: str
    source: str
    key: tuple[str, str]

    @property
    def path(self) -> Path:
        """The path of the link's ITK transform file."""
        return store.xfm_path(self.moving[0], self.source, self.target)

    @property
    def ends(self) -> tuple[tuple[str, str], tuple[str, str]]:
        """``((fixed session, key), (moving session, key))``."""
        return (self.fixed[0].session, self.fixed[1]), (self.moving[0].session, self.moving[1])

    def spec(self) -> dict:
        """Return the link in plain values (a job parameter); :meth:`from_spec` rebuilds it."""
        (fixed_session, fixed_key), (moving_session, moving_key) = self.ends
        return {
            "fixed": [fixed_session, fixed_key],
            "moving": [moving_session, moving_key],
            "target": self.target,
            "source": self.source,
            "key": list(self.key),
        }

    @classmethod
    def from_spec(cls, participant: Participant, spec: dict) -> PairTask:
        """Return the task described by ``spec`` (a job's JSON-able description)."""
        return cls(
            (participant.visit(spec["fixed"][0]), spec["fixed"][1]),
            (participant.visit(spec["moving"][0]), spec["moving"][1]),
            spec["target"],
            spec["source"],
            tuple(spec["key"]),
        )


def anchors_of(participant: Participant, settings: ChainSettings) -> dict[str, str]:
    """Session -> anchor acquisition key, for every visit (FerretError when a visit has none)."""
    return {visit.session: anchor_key(visit, settings) for visit in participant.visits}


def pair_tasks(participant: Participant, anchors: dict[str, str]) -> list[PairTask]:
    """Every registration of the chain: acquisitions to their anchor, anchors to visit 1's."""
    first = participant.visits[0]
    tasks = []
    for visit in participant.visits:
        anchor = anchors[visit.session]
        for key in visit.acquisitions:
            if key != anchor and not _same_scan(visit, key, anchor):
                tasks.append(
                    PairTask((visit, anchor), (visit, key), anchor, key, (visit.session, key))
                )
    for visit in participant.visits[1:]:
        target = f"{first.session[4:]}{anchors[first.session]}"
        tasks.append(
            PairTask(
                (first, anchors[first.session]),
                (visit, anchors[visit.session]),
                f"ses{target}",
                anchors[visit.session],
                (visit.session, "anchor"),
            )
        )
    return tasks


def reference_link_key(first: Visit, settings: ChainSettings) -> tuple[str, str] | None:
    """Return the link defining the reference grid's position (visit 1's DWI to its anchor), if any.

    None when the reference is the anchor itself (no DWI, another reference
    setting, or a DWI that anchors its visit).
    """
    key = reference_key(first, settings)
    return (first.session, key) if key != anchor_key(first, settings) else None


def visit_links(
    participant: Participant,
    visit: Visit,
    settings: ChainSettings,
    tasks: list[PairTask] | None = None,
) -> list[PairTask]:
    """Return the links composed into a visit's ``to-ref`` transforms.

    Its own, its anchor's, the reference's.
    """
    tasks = (
        tasks if tasks is not None else pair_tasks(participant, anchors_of(participant, settings))
    )
    by_key = {task.key: task for task in tasks}
    keys = [(visit.session, key) for key in visit.acquisitions] + [(visit.session, "anchor")]
    reference_link = reference_link_key(participant.visits[0], settings)
    if reference_link is not None:
        keys.append(reference_link)
    return [by_key[key] for key in dict.fromkeys(keys) if key in by_key]


def header_grid(visit: Visit, key: str) -> Grid:
    """Return the voxel grid of an acquisition's representative image (header only)."""
    header = representative_file(visit.acquisitions[key]).header
    return Grid(tuple(int(n) for n in header.get_data_shape()[:3]), header.get_best_affine())


def _same_scan(visit: Visit, key: str, anchor: str) -> bool:
    """Return True for MP2RAGE images sharing the anchor's scan.

    Same grid: no motion between them.
    """
    if key not in MP2RAGE_FAMILY or anchor not in MP2RAGE_FAMILY:
        return False
    grid, anchor_grid = header_grid(visit, key), header_grid(visit, anchor)
    return grid.shape == anchor_grid.shape and np.allclose(
        grid.affine, anchor_grid.affine, atol=1e-3
    )
