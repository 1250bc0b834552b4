"""The registration chain of one participant, composed into ``ref_from_<acquisition>``.

1. Each acquisition of a visit -> that visit's anchor (UNIT1, else MP2RAGE
   inv-2, else T1w, else ``ChainSettings.fallback_anchor``).
2. Each visit's anchor -> visit 1's anchor.
3. The reference space: visit 1's DWI grid (default; its link to the anchor is
   step 1 of visit 1, inverted), or visit 1's anchor grid, or an isotropic grid
   over visit 1's anchor field of view.

Then ``ref_from_acq = ref_from_anchor1 @ anchor1_from_anchorv @ anchorv_from_acq``
for every acquisition, written as ``from-<acq>_to-ref`` transforms so that each
output is resampled once.

Each link (:class:`PairTask`) runs on its own (:func:`register_link`), and
each visit's composition reads the stored links (:func:`compose_visit`), so
the engine runs links in parallel as separate jobs;
:func:`register_participant` does both in one call. A link whose stored
transform lists the same parameters and input checksums is not registered
again (paths compared relative to the study, so a moved study stays cached;
see :mod:`~processing.registration.store`).

The planning (settings, anchors, :class:`PairTask` links) lives in
:mod:`~processing.registration.chain_plan`, the records and the writing of
``to-ref`` transforms in :mod:`~processing.registration.chain_results`; their
public names are re-exported here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.progress import Progress, null_progress
from processing.registration import store
from processing.registration.chain_plan import (
    DEFAULT_SETTINGS,
    MP2RAGE_FAMILY,
    ChainSettings,
    PairTask,
    anchor_key,
    anchors_of,
    header_grid,
    pair_tasks,
    reference_key,
    reference_link_key,
    visit_links,
)
from processing.registration.chain_results import (
    CHAIN_NOTE,
    ChainResult,
    PairRecord,
    stored_warnings,
    write_to_ref,
)
from processing.registration.masks import brain_mask
from processing.registration.pairing import register_pair_images
from processing.registration.rigid import RegistrationParams
from processing.registration.volumes import registration_volume, representative_file, volume_key
from processing.spaces.grid import Grid
from processing.study.model import Participant, Visit

__all__ = [
    "MP2RAGE_FAMILY",
    "METHOD",
    "CHAIN_NOTE",
    "ChainSettings",
    "PairRecord",
    "ChainResult",
    "PairTask",
    "stored_warnings",
    "anchor_key",
    "anchors_of",
    "pair_tasks",
    "reference_key",
    "reference_link_key",
    "visit_links",
    "header_grid",
    "register_link",
    "register_pair",
    "stored_link",
    "register_participant",
    "compose_visit",
    "reference_space",
    "write_to_ref",
]

METHOD = "SimpleITK rigid registration, Mattes mutual information, fixed seed"


class _Volumes:
    """Loads each acquisition's registration volume once per run."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple] = {}
        self._masks: dict[tuple[str, str], np.ndarray] = {}

    def get(self, visit: Visit, key: str):
        """``(array, affine, inputs)`` of the volume registered for ``key``.

        The volume is chosen by :func:`volume_key`.
        """
        key = volume_key(visit, key)
        if (visit.session, key) not in self._cache:
            self._cache[(visit.session, key)] = registration_volume(visit.acquisitions[key])
        return self._cache[(visit.session, key)]

    def mask(self, visit: Visit, key: str) -> np.ndarray:
        """Brain mask of the volume registered for ``key``."""
        key = volume_key(visit, key)
        if (visit.session, key) not in self._masks:
            self._masks[(visit.session, key)] = brain_mask(*self.get(visit, key)[:2])
        return self._masks[(visit.session, key)]

    @staticmethod
    def inputs(visit: Visit, key: str) -> list[Path]:
        """Return the files the registration volume is made from (without reading them)."""
        acquisition = visit.acquisitions[volume_key(visit, key)]
        paths = [representative_file(acquisition).path]
        return paths + (
            [acquisition.bval] if acquisition.kind == "dwi" and acquisition.bval else []
        )


def register_link(
    task: PairTask,
    params: RegistrationParams,
    volumes: _Volumes | None = None,
    progress: Progress | None = None,
) -> PairRecord:
    """Register one link unless its transform is stored for the same inputs.

    Write it; return the record.

    The stored transform is reused when its sidecar lists the same parameters
    and the same input files (relative to the study) with the same checksums,
    so that :func:`register_participant` without the engine, or a link job
    whose output survived a killed run, does not register again.
    """
    volumes = volumes or _Volumes()
    progress = progress or null_progress()
    inputs = volumes.inputs(*task.fixed) + volumes.inputs(*task.moving)
    path, root = task.path, task.moving[0].study_root
    if task.fixed[0] is task.moving[0]:
        params = replace(params, initialiser="header")  # one session: the scanner world is shared
    if store.is_cached(path, params.as_dict(), inputs, root=root):
        return stored_link(task, cached=True)
    target, source = volumes.get(*task.fixed)[:2], volumes.get(*task.moving)[:2]
    result = register_pair_images(
        target, source, volumes.mask(*task.fixed), volumes.mask(*task.moving), params, progress
    )
    store.write_transform(
        path,
        result.fixed_from_moving,
        source=task.source,
        target=task.target,
        method=METHOD,
        parameters=params.as_dict(),
        inputs=inputs,
        Metric=result.metric,
        QCFlags=result.flags,
        Iterations=result.iterations,
        HeaderShiftMM=result.header_shift_mm,
        HeaderRotationDeg=result.header_rotation_deg,
        Seconds=result.seconds,
        FixedImage=task.source if result.swapped else task.target,
        Attempts=result.attempts,
        Start=result.start,
    )
    return PairRecord(
        path, result.fixed_from_moving, result.metric, result.flags, False, *task.ends
    )


#: The former name of :func:`register_link`.
register_pair = register_link


def stored_link(task: PairTask, cached: bool = True) -> PairRecord:
    """Return the record of a link read from its stored transform, or a FerretError when it is missing."""
    record = store.read_sidecar(task.path)
    if record is None or "MatrixRAS" not in record:
        raise FerretError(
            "this registration has not been computed yet.",
            task.path,
            "run the registration step first: ferret process STUDY --steps register.",
        )
    return PairRecord(
        task.path,
        np.array(record["MatrixRAS"], dtype=float),
        record.get("Metric"),
        record.get("QCFlags", []),
        cached,
        *task.ends,
    )


def register_participant(
    participant: Participant,
    settings: ChainSettings = DEFAULT_SETTINGS,
    progress: Progress | None = None,
) -> ChainResult:
    """Run (or reuse) every link of a participant, then compose and write every ``to-ref`` transform."""
    progress = progress or null_progress()
    if not participant.visits:
        raise FerretError(
            f"participant {participant.label} has no visits.", None, "check the study folder."
        )
    volumes = _Volumes()
    anchors = anchors_of(participant, settings)
    tasks = pair_tasks(participant, anchors)
    pairs: dict[tuple[str, str], PairRecord] = {}
    for number, task in enumerate(tasks):
        progress.check()
        progress.update(
            number / (len(tasks) + 1), f"registering {task.moving[0].prefix} {task.source}"
        )
        child = progress.child(number / (len(tasks) + 1), (number + 1) / (len(tasks) + 1))
        pairs[task.key] = register_link(task, settings.params, volumes, child)
    visits = [
        compose_visit(participant, visit, settings, pairs, tasks) for visit in participant.visits
    ]
    result = replace(visits[0], ref_from={}, ref_paths={})
    for composed in visits:
        result.ref_from.update(composed.ref_from)
        result.ref_paths.update(composed.ref_paths)
    result.pairs, result.anchors = list(pairs.values()), anchors
    progress.update(1.0, "registration chain done")
    return result


def compose_visit(
    participant: Participant,
    visit: Visit,
    settings: ChainSettings = DEFAULT_SETTINGS,
    pairs: dict[tuple[str, str], PairRecord] | None = None,
    tasks: list[PairTask] | None = None,
) -> ChainResult:
    """Compose and write the ``to-ref`` transforms of one visit's acquisitions.

    ``ref_from_acq = ref_from_anchor1 @ anchor1_from_anchorv @ anchorv_from_acq``.
    Links missing from ``pairs`` are read from their stored transforms
    (:func:`stored_link`), so this runs after the link jobs without
    registering anything.
    """
    first = participant.visits[0]
    anchors = anchors_of(participant, settings)
    links = visit_links(participant, visit, settings, tasks)
    pairs = {
        **{task.key: stored_link(task) for task in links if task.key not in (pairs or {})},
        **(pairs or {}),
    }
    reference, ref_from_anchor1, source_name, ref_link = reference_space(
        first, anchors[first.session], settings, pairs
    )
    result = ChainResult(
        reference, source_name, pairs=[pairs[task.key] for task in links], anchors=anchors
    )
    anchor_link = pairs.get((visit.session, "anchor"))
    anchor1_from_anchorv = np.eye(4) if anchor_link is None else anchor_link.target_from_source
    for key in visit.acquisitions:
        used = [pairs[k] for k in ((visit.session, key), (visit.session, "anchor")) if k in pairs]
        used += [pairs[ref_link]] if ref_link else []
        anchor_from_acq = (
            pairs[(visit.session, key)].target_from_source
            if (visit.session, key) in pairs
            else np.eye(4)
        )
        matrix = ref_from_anchor1 @ anchor1_from_anchorv @ anchor_from_acq
        result.ref_from[(visit.session, key)] = matrix
        result.ref_paths[(visit.session, key)] = write_to_ref(visit, key, matrix, used, source_name)
    return result


def reference_space(
    first: Visit, anchor: str, settings: ChainSettings, pairs: dict[tuple[str, str], PairRecord]
) -> tuple[Grid, np.ndarray, str, tuple | None]:
    """Return the reference grid, ``ref_from_anchor1``, its description and the pair it comes from."""
    ref_link = reference_link_key(first, settings)
    if ref_link is not None:
        dwi = ref_link[1]
        anchor1_from_dwi1 = pairs[ref_link].target_from_source
        return (
            header_grid(first, dwi),
            np.linalg.inv(anchor1_from_dwi1),
            f"{first.prefix} {dwi} grid",
            ref_link,
        )
    anchor_grid = header_grid(first, anchor)
    if settings.reference == "isotropic":
        return (
            anchor_grid.isotropic(settings.isotropic_mm),
            np.eye(4),
            f"{first.prefix} {anchor} field of view, {settings.isotropic_mm} mm isotropic",
            None,
        )
    if settings.reference not in ("dwi", "anchor"):
        raise FerretError(
            f"unknown reference space {settings.reference!r}.",
            None,
            "use 'dwi', 'anchor' or 'isotropic'.",
        )
    return anchor_grid, np.eye(4), f"{first.prefix} {anchor} grid", None
