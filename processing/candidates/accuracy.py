"""Candidates against a phantom's truth: what a screening on a phantom participant found and missed.

Used by ``bench/candidates.py`` and the accuracy tests (issue 18, item 4).

- :func:`prepare_phantom_participant`: only what the A-CMI candidates read,
  for one phantom participant: the DWI and R1 maps of every visit, the
  ``to-ref`` transforms of the DWI chain (the planted truth, or registered:
  each visit's DWI to its anchor and the anchors to visit 1's) and the
  resampling of the maps read (traces, MD, the DWI brain mask, R1 for the
  cortex mask) into the reference grid (visit 1's DWI).
- :func:`truth_lesions`: every planted lesion's centre in reference-space
  RAS mm, its extent and the visits at which it is new (an A-CMI: its onset
  visit; every other lesion: none, it is there from visit 1).
- :func:`assess`: recall of the A-CMIs at their onset visit by rank, false
  candidates, and candidates on lesions that are not new (C-CMI, microbleeds,
  WMH: *confusions*).

A candidate *finds* an A-CMI when it is at the onset visit and within
``tolerance_mm`` (3 mm) of the lesion's centre. A candidate is *on* another
lesion when it lies within ``tolerance_mm`` of that lesion's extent (its
centre distance is at most its largest semi-axis plus the tolerance), at any
visit: those lesions are never new.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from processing.candidates.series import MAP_TOKENS
from processing.candidates.settings import ACMI, CandidateSettings

TOLERANCE_MM = 3.0
#: The maps steps the A-CMI candidates need (DWI: traces, MD, brain mask; R1: the cortex mask).
MAP_STEPS = ("DWI", "R1")
#: The acquisitions whose truth transforms are written (the DWI grid is the reference).
TRUTH_KEYS = ("dwi", "UNIT1", "MEGRE")
GRE_MAPS = {"SWI", "R2star"}


def map_steps(settings: CandidateSettings) -> tuple[str, ...]:
    """Return the maps steps ``settings`` read: DWI and R1 always, MEGRE for SWI or R2*."""
    names = {c.name for c in settings.channels}
    return MAP_STEPS + (("MEGRE",) if names & GRE_MAPS else ())


@dataclass(frozen=True)
class TruthLesion:
    """A planted lesion as the assessment sees it (reference-space RAS mm)."""

    id: str
    type: str
    centre: np.ndarray
    extent_mm: float
    onset_session: str | None


def prepare_phantom_participant(
    root: str | Path,
    participant: str = "sub-01",
    transforms: str = "truth",
    settings: CandidateSettings = ACMI,
) -> dict[str, float]:
    """Write the maps, ``to-ref`` transforms and resampled maps the candidates read; return step seconds.

    ``transforms`` is ``"truth"`` (the planted head movements: a perfect
    registration) or ``"registered"`` (the registration chain's links for the
    DWI: each visit's DWI to its anchor, each anchor to visit 1's).
    """
    import time

    from processing.maps import compute_visit_maps
    from processing.registration.outputs import source_key, write_in_reference
    from processing.study import discover

    seconds = {}
    start = time.perf_counter()
    visits = discover(root).participants[participant].visits
    for visit in visits:
        report = compute_visit_maps(visit, only=map_steps(settings))
        if report.skipped:
            raise RuntimeError(f"{visit.prefix}: maps skipped: {report.skipped}")
    seconds["maps"] = time.perf_counter() - start
    start = time.perf_counter()
    if transforms == "truth":
        chain = _truth_chain(root, participant)
    elif transforms == "registered":
        chain = _registered_chain(root, participant)
    else:
        raise ValueError(f"transforms must be 'truth' or 'registered', not {transforms!r}")
    seconds["transforms"] = time.perf_counter() - start
    start = time.perf_counter()
    names = [c.name for c in settings.channels] + (
        [settings.confirm.name] if settings.confirm else []
    )
    tokens = [MAP_TOKENS[name] for name in names]
    visits = discover(root).participants[participant].visits  # the maps are derivatives now
    for visit in visits:
        folder = visit.derivative("x", "anat").parent.parent
        for datatype in ("anat", "dwi"):
            for path in sorted((folder / datatype).glob(f"{visit.prefix}_*.nii.gz")):
                key = source_key(visit, path)
                if key is None or "_space-ref_" in path.name or not _read(path, datatype, tokens):
                    continue
                write_in_reference(visit, path, key, chain, datatype=datatype)
    seconds["resample"] = time.perf_counter() - start
    return seconds


def _read(path: Path, datatype: str, tokens: list[str]) -> bool:
    """Return True when the candidates (or the cortex mask: R1, the DWI mask) read this map."""
    if datatype == "anat":
        return path.name.endswith("_R1map.nii.gz") or any(t in path.name for t in tokens)
    return path.name.endswith("_desc-brain_mask.nii.gz") or any(t in path.name for t in tokens)


def _truth_chain(root, participant: str):
    from processing.phantom import load_truth
    from processing.phantom.perfect_registration import TRUTH_NAME, write_truth_transform
    from processing.registration.chain import ChainResult, header_grid
    from processing.study import discover

    truth = load_truth(root, participant)
    visits = discover(root).participants[participant].visits
    world_ref = truth.acquisition(visits[0].session, "dwi").world_from_anatomy
    chain = ChainResult(header_grid(visits[0], "dwi"), f"{visits[0].prefix} dwi grid (truth)")
    for visit in visits:
        for key in TRUTH_KEYS:
            entry = truth.acquisitions.get((visit.session, TRUTH_NAME.get(key, key)))
            if entry is None:
                continue
            matrix = world_ref @ np.linalg.inv(entry.world_from_anatomy)
            chain.ref_from[(visit.session, key)] = matrix
            chain.ref_paths[(visit.session, key)] = write_truth_transform(visit, key, matrix)
    return chain


def _registered_chain(root, participant: str):
    """Register and compose the DWI part of the chain, as :func:`register_participant` does."""
    from processing.registration.chain import (
        ChainResult,
        _Volumes,
        reference_space,
        register_link,
    )
    from processing.registration.chain_plan import DEFAULT_SETTINGS, anchors_of, pair_tasks
    from processing.registration.chain_results import write_to_ref
    from processing.study import discover

    people = discover(root).participants[participant]
    settings = DEFAULT_SETTINGS
    anchors = anchors_of(people, settings)
    tasks = [t for t in pair_tasks(people, anchors) if t.key[1] in ("dwi", "anchor")]
    volumes = _Volumes()
    pairs = {task.key: register_link(task, settings.params, volumes) for task in tasks}
    first = people.visits[0]
    reference, ref_from_anchor1, name, ref_link = reference_space(
        first, anchors[first.session], settings, pairs
    )
    chain = ChainResult(reference, name)
    for visit in people.visits:
        link = pairs.get((visit.session, "anchor"))
        ref_from_anchor = ref_from_anchor1 @ (
            np.eye(4) if link is None else link.target_from_source
        )
        for key, matrix in (
            ("dwi", ref_from_anchor @ pairs[(visit.session, "dwi")].target_from_source),
            (anchors[visit.session], ref_from_anchor),
        ):
            used = [p for p in (pairs.get((visit.session, key)), link) if p is not None]
            used += [pairs[ref_link]] if ref_link else []
            chain.ref_from[(visit.session, key)] = matrix
            chain.ref_paths[(visit.session, key)] = write_to_ref(visit, key, matrix, used, name)
    return chain


def truth_lesions(root: str | Path, participant: str = "sub-01") -> list[TruthLesion]:
    """Every planted lesion in the reference space (visit 1's DWI world)."""
    from processing.phantom import load_truth

    truth = load_truth(root, participant)
    world_ref = truth.acquisition(truth.sessions[0], "dwi").world_from_anatomy
    return [
        TruthLesion(
            lesion.id,
            lesion.type,
            world_ref[:3, :3] @ lesion.centre_mm + world_ref[:3, 3],
            float(np.max(lesion.radii_mm)),
            lesion.onset_session if lesion.type == "acmi" else None,
        )
        for lesion in truth.lesions
    ]


def assess_microbleeds(
    rows: list[dict], lesions: list[TruthLesion], tolerance_mm: float = 5.0
) -> dict:
    """Score ranked microbleed candidate rows against the planted microbleeds (at any visit).

    A candidate finds a microbleed within ``tolerance_mm`` of its centre (the
    hit criterion of ``ferret cmb evaluate``). Returns ``ranks`` (``{id: best
    rank or None}``), ``sensitivity``, ``false`` (candidates finding none) and
    ``on_other`` (``[(rank, lesion id)]`` of false candidates on another planted lesion).
    """
    bleeds = [lesion for lesion in lesions if lesion.type == "microbleed"]
    others = [lesion for lesion in lesions if lesion.type != "microbleed"]
    ranks: dict[str, int | None] = {lesion.id: None for lesion in bleeds}
    false, on_other = 0, []
    for row in rows:
        position = np.array([float(row[axis]) for axis in "xyz"])
        hits = [b for b in bleeds if np.linalg.norm(position - b.centre) <= tolerance_mm]
        for lesion in hits:
            best = ranks[lesion.id]
            ranks[lesion.id] = int(row["rank"]) if best is None else min(best, int(row["rank"]))
        if hits:
            continue
        false += 1
        on_other += [
            (int(row["rank"]), o.id)
            for o in others
            if np.linalg.norm(position - o.centre) <= o.extent_mm + tolerance_mm
        ]
    found = sum(r is not None for r in ranks.values())
    return {
        "ranks": ranks,
        "sensitivity": found / len(bleeds) if bleeds else float("nan"),
        "false": false,
        "on_other": on_other,
    }


def assess(
    rows: list[dict], lesions: list[TruthLesion], tolerance_mm: float = TOLERANCE_MM
) -> dict:
    """Score ranked candidate rows (``session_id``, ``rank``, ``x``, ``y``, ``z``) against the truth.

    Returns ``acmi_ranks`` (``{id: best rank at its onset visit or None}``),
    ``recall_at_10``, ``recall_at_20``, ``found`` (the number of A-CMI found at any rank),
    ``false`` (candidates that find no A-CMI at its onset), ``late`` (of those, the ones on
    an A-CMI at a visit after its onset), and ``confusions`` (``[(rank, session, lesion
    id)]`` of candidates on a lesion that is never new).
    """
    acmis = [lesion for lesion in lesions if lesion.type == "acmi"]
    others = [lesion for lesion in lesions if lesion.type != "acmi"]
    ranks: dict[str, int | None] = {lesion.id: None for lesion in acmis}
    false = late = 0
    confusions = []
    for row in rows:
        position = np.array([float(row[axis]) for axis in "xyz"])
        rank, session = int(row["rank"]), row["session_id"]
        hits = [
            lesion
            for lesion in acmis
            if session == lesion.onset_session
            and np.linalg.norm(position - lesion.centre) <= tolerance_mm
        ]
        for lesion in hits:
            best = ranks[lesion.id]
            ranks[lesion.id] = rank if best is None else min(best, rank)
        if hits:
            continue
        false += 1
        if any(
            np.linalg.norm(position - lesion.centre) <= lesion.extent_mm + tolerance_mm
            for lesion in acmis
        ):
            late += 1
        confusions += [
            (rank, session, lesion.id)
            for lesion in others
            if np.linalg.norm(position - lesion.centre) <= lesion.extent_mm + tolerance_mm
        ]
    n = max(len(acmis), 1)
    return {
        "acmi_ranks": ranks,
        "recall_at_10": sum(r is not None and r <= 10 for r in ranks.values()) / n,
        "recall_at_20": sum(r is not None and r <= 20 for r in ranks.values()) / n,
        "found": sum(r is not None for r in ranks.values()),
        "false": false,
        "late": late,
        "confusions": confusions,
    }
