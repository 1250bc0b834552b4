"""The registration chain of one participant, composed into ``ref_from_<acquisition>``.

1. Each acquisition of a visit -> that visit's anchor (UNIT1, else MP2RAGE
   inv-2, else T1w, else ``ChainSettings.fallback_anchor``).
2. Each visit's anchor -> visit 1's anchor.
3. The reference space: visit 1's DWI grid (default; its link to the anchor is
   step 1 of visit 1, inverted), or visit 1's anchor grid, or an isotropic grid
   over visit 1's anchor field of view.

Then ``ref_from_acq = ref_from_anchor1 @ anchor1_from_anchorv @ anchorv_from_acq``
for every acquisition, written as ``from-<acq>_to-ref`` transforms so that each
output is resampled once. Pairwise registrations are cached by their inputs'
checksums and parameters (see :mod:`~processing.registration.store`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.progress import Progress, null_progress
from processing.registration import store
from processing.registration.masks import brain_mask
from processing.registration.pairing import register_pair_images
from processing.registration.resample import Grid
from processing.registration.rigid import RegistrationParams
from processing.registration.volumes import registration_volume, representative_file, volume_key
from processing.study.model import Participant, Visit

#: Acquisitions read out in one scan with the anchor (no motion between them).
MP2RAGE_FAMILY = {"UNIT1", "MP2RAGE", "T1map"}
METHOD = "SimpleITK rigid registration, Mattes mutual information, fixed seed"
CHAIN_NOTE = ("links from the image towards the reference; a last link starting at the reference grid's own "
              "acquisition (visit 1's DWI) is used inverted")


@dataclass(frozen=True)
class ChainSettings:
    """How the chain is built: anchors, reference grid and registration parameters."""

    anchor_kinds: tuple[str, ...] = ("UNIT1", "MP2RAGE", "T1w")
    fallback_anchor: str | None = None
    reference: str = "dwi"
    isotropic_mm: float = 1.0
    params: RegistrationParams = field(default_factory=RegistrationParams)


@dataclass
class PairRecord:
    """One pairwise registration of the chain (computed or taken from the cache)."""

    path: Path
    target_from_source: np.ndarray
    metric: float | None
    flags: list[str]
    cached: bool
    target: tuple[str, str] = ("", "")
    source: tuple[str, str] = ("", "")

    @property
    def description(self) -> str:
        """``ses-03 MESE -> ses-03 UNIT1`` (session and acquisition of both ends)."""
        return f"{' '.join(self.source)} -> {' '.join(self.target)}"


@dataclass
class ChainResult:
    """The reference grid, every ``ref_from_acq`` matrix and the pairwise records."""

    reference: Grid
    reference_source: str
    ref_from: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    ref_paths: dict[tuple[str, str], Path] = field(default_factory=dict)
    pairs: list[PairRecord] = field(default_factory=list)
    anchors: dict[str, str] = field(default_factory=dict)

    @property
    def flagged(self) -> list[PairRecord]:
        """Registrations with QC flags: they are composed, but every output through them says so."""
        return [pair for pair in self.pairs if pair.flags]

    def warnings(self) -> list[str]:
        """One line per flagged registration, for the command line and logs."""
        return [f"QC WARNING: {pair.description}: {', '.join(pair.flags)} (metric {pair.metric}); "
                f"outputs through {pair.path.name} are suspect: check the checkerboard" for pair in self.flagged]


def anchor_key(visit: Visit, settings: ChainSettings) -> str:
    """The acquisition key of the visit's anchor, or a FerretError naming the visit."""
    kinds = settings.anchor_kinds + ((settings.fallback_anchor,) if settings.fallback_anchor else ())
    for kind in kinds:
        if kind in visit.acquisitions:
            return kind
    raise FerretError(f"no anchor image (one of {', '.join(kinds)}) in this visit.", visit.path,
                      "add an MP2RAGE or T1w, or choose another anchor kind in the registration settings.")


class _Volumes:
    """Loads each acquisition's registration volume once per run."""

    def __init__(self):
        self._cache: dict[tuple[str, str], tuple] = {}
        self._masks: dict[tuple[str, str], np.ndarray] = {}

    def get(self, visit: Visit, key: str):
        """``(array, affine, inputs)`` of the volume registered for ``key`` (see :func:`volume_key`)."""
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
        """The files the registration volume is made from (without reading them)."""
        acquisition = visit.acquisitions[volume_key(visit, key)]
        paths = [representative_file(acquisition).path]
        return paths + ([acquisition.bval] if acquisition.kind == "dwi" and acquisition.bval else [])


@dataclass
class PairTask:
    """One registration to run: moving (visit, key) onto fixed (visit, key)."""

    fixed: tuple[Visit, str]
    moving: tuple[Visit, str]
    target: str
    source: str
    key: tuple[str, str]

    @property
    def path(self) -> Path:
        return store.xfm_path(self.moving[0], self.source, self.target)


def register_pair(task: PairTask, params: RegistrationParams, volumes: _Volumes,
                  progress: Progress) -> PairRecord:
    """Register moving to fixed unless cached; write the transform; return target_from_source."""
    inputs = volumes.inputs(*task.fixed) + volumes.inputs(*task.moving)
    path = task.path
    ends = ((task.fixed[0].session, task.fixed[1]), (task.moving[0].session, task.moving[1]))
    if task.fixed[0] is task.moving[0]:
        params = replace(params, initialiser="header")  # one session: the scanner world is shared
    if store.is_cached(path, params.as_dict(), inputs):
        record = store.read_sidecar(path) or {}
        return PairRecord(path, store.read_matrix(path), record.get("Metric"), record.get("QCFlags", []), True,
                          ends[0], ends[1])
    target, source = volumes.get(*task.fixed)[:2], volumes.get(*task.moving)[:2]
    result = register_pair_images(target, source, volumes.mask(*task.fixed), volumes.mask(*task.moving),
                                  params, progress)
    store.write_transform(path, result.fixed_from_moving, source=task.source, target=task.target, method=METHOD,
                          parameters=params.as_dict(), inputs=inputs, Metric=result.metric,
                          QCFlags=result.flags, Iterations=result.iterations,
                          HeaderShiftMM=result.header_shift_mm, HeaderRotationDeg=result.header_rotation_deg,
                          Seconds=result.seconds, FixedImage=task.source if result.swapped else task.target,
                          Attempts=result.attempts, Start=result.start)
    return PairRecord(path, result.fixed_from_moving, result.metric, result.flags, False, ends[0], ends[1])


def pair_tasks(participant: Participant, anchors: dict[str, str]) -> list[PairTask]:
    """Every registration of the chain: acquisitions to their anchor, anchors to visit 1's."""
    first = participant.visits[0]
    tasks = []
    for visit in participant.visits:
        anchor = anchors[visit.session]
        for key in visit.acquisitions:
            if key != anchor and not _same_scan(visit, key, anchor):
                tasks.append(PairTask((visit, anchor), (visit, key), anchor, key, (visit.session, key)))
    for visit in participant.visits[1:]:
        target = f"{first.session[4:]}{anchors[first.session]}"
        tasks.append(PairTask((first, anchors[first.session]), (visit, anchors[visit.session]),
                              f"ses{target}", anchors[visit.session], (visit.session, "anchor")))
    return tasks


def register_participant(participant: Participant, settings: ChainSettings = ChainSettings(),
                         progress: Progress | None = None) -> ChainResult:
    """Run (or load from cache) every registration of a participant and write ``to-ref`` transforms."""
    progress = progress or null_progress()
    if not participant.visits:
        raise FerretError(f"participant {participant.label} has no visits.", None, "check the study folder.")
    volumes = _Volumes()
    first = participant.visits[0]
    anchors = {visit.session: anchor_key(visit, settings) for visit in participant.visits}
    tasks = pair_tasks(participant, anchors)
    pairs: dict[tuple[str, str], PairRecord] = {}
    for number, task in enumerate(tasks):
        progress.check()
        progress.update(number / (len(tasks) + 1), f"registering {task.moving[0].prefix} {task.source}")
        child = progress.child(number / (len(tasks) + 1), (number + 1) / (len(tasks) + 1))
        pairs[task.key] = register_pair(task, settings.params, volumes, child)
    reference, ref_from_anchor1, source_name, ref_link = reference_space(first, anchors[first.session],
                                                                         settings, pairs)
    result = ChainResult(reference, source_name, pairs=list(pairs.values()), anchors=anchors)
    for visit in participant.visits:
        anchor1_from_anchorv = np.eye(4) if visit is first else pairs[(visit.session, "anchor")].target_from_source
        for key in visit.acquisitions:
            links = [pairs[k] for k in ((visit.session, key), (visit.session, "anchor")) if k in pairs]
            links += [pairs[ref_link]] if ref_link else []
            anchor_from_acq = pairs[(visit.session, key)].target_from_source if (visit.session, key) in pairs \
                else np.eye(4)
            matrix = ref_from_anchor1 @ anchor1_from_anchorv @ anchor_from_acq
            result.ref_from[(visit.session, key)] = matrix
            result.ref_paths[(visit.session, key)] = _write_to_ref(visit, key, matrix, links, source_name)
    progress.update(1.0, "registration chain done")
    return result


def reference_space(first: Visit, anchor: str, settings: ChainSettings,
                    pairs: dict[tuple[str, str], PairRecord]) -> tuple[Grid, np.ndarray, str, tuple | None]:
    """The reference grid, ``ref_from_anchor1``, its description and the pair it comes from."""
    dwi = next((key for key in sorted(first.acquisitions) if key.startswith("dwi")), None)
    if settings.reference == "dwi" and dwi is not None:
        anchor1_from_dwi1 = pairs[(first.session, dwi)].target_from_source
        return (header_grid(first, dwi), np.linalg.inv(anchor1_from_dwi1), f"{first.prefix} {dwi} grid",
                (first.session, dwi))
    anchor_grid = header_grid(first, anchor)
    if settings.reference == "isotropic":
        return (anchor_grid.isotropic(settings.isotropic_mm), np.eye(4),
                f"{first.prefix} {anchor} field of view, {settings.isotropic_mm} mm isotropic", None)
    if settings.reference not in ("dwi", "anchor"):
        raise FerretError(f"unknown reference space {settings.reference!r}.", None,
                          "use 'dwi', 'anchor' or 'isotropic'.")
    return anchor_grid, np.eye(4), f"{first.prefix} {anchor} grid", None


def header_grid(visit: Visit, key: str) -> Grid:
    """The voxel grid of an acquisition's representative image (header only)."""
    header = representative_file(visit.acquisitions[key]).header
    return Grid(tuple(int(n) for n in header.get_data_shape()[:3]), header.get_best_affine())


def _same_scan(visit: Visit, key: str, anchor: str) -> bool:
    """True for MP2RAGE images sharing the anchor's scan (same grid: no motion between them)."""
    if key not in MP2RAGE_FAMILY or anchor not in MP2RAGE_FAMILY:
        return False
    grid, anchor_grid = header_grid(visit, key), header_grid(visit, anchor)
    return grid.shape == anchor_grid.shape and np.allclose(grid.affine, anchor_grid.affine, atol=1e-3)


def _write_to_ref(visit: Visit, key: str, matrix: np.ndarray, links: list[PairRecord], reference: str) -> Path:
    """Write the composed ``from-<key>_to-ref`` transform; its inputs are the linked transforms."""
    links = list({link.path: link for link in links}.values())
    paths = [link.path for link in links]
    flags = [f"{link.description}: {flag}" for link in links for flag in link.flags]
    path = store.xfm_path(visit, key, "ref")
    if store.is_cached(path, {"reference": reference}, paths) and np.allclose(store.read_matrix(path), matrix):
        return path
    return store.write_transform(path, matrix, source=key, target="ref",
                                 method="composition of registrations", parameters={"reference": reference},
                                 inputs=paths, Reference=reference, QCFlags=flags,
                                 Chain=[link.description for link in links],
                                 ChainNote=CHAIN_NOTE)
