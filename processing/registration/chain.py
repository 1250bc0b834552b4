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


def stored_warnings(to_ref_paths) -> list[str]:
    """``QC WARNING:`` lines from the QCFlags of composed ``to-ref`` transforms' sidecars (each flag once).

    Each flag names the link it comes from (``ses-02 MESE -> ses-02 UNIT1:
    poor metric``); the line names one of the outputs through it.
    """
    lines: dict[str, str] = {}
    for path in to_ref_paths:
        for flag in (store.read_sidecar(Path(path)) or {}).get("QCFlags", []):
            lines.setdefault(flag, f"QC WARNING: {flag}; outputs through this link (e.g. {Path(path).name}) "
                                   "are suspect: check the checkerboard")
    return list(lines.values())


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
    """One link of the chain: register moving (visit, key) onto fixed (visit, key)."""

    fixed: tuple[Visit, str]
    moving: tuple[Visit, str]
    target: str
    source: str
    key: tuple[str, str]

    @property
    def path(self) -> Path:
        return store.xfm_path(self.moving[0], self.source, self.target)

    @property
    def ends(self) -> tuple[tuple[str, str], tuple[str, str]]:
        """``((fixed session, key), (moving session, key))``."""
        return (self.fixed[0].session, self.fixed[1]), (self.moving[0].session, self.moving[1])

    def spec(self) -> dict:
        """The link in plain values (a job parameter); :meth:`from_spec` rebuilds it."""
        (fixed_session, fixed_key), (moving_session, moving_key) = self.ends
        return {"fixed": [fixed_session, fixed_key], "moving": [moving_session, moving_key],
                "target": self.target, "source": self.source, "key": list(self.key)}

    @classmethod
    def from_spec(cls, participant: Participant, spec: dict) -> "PairTask":
        return cls((participant.visit(spec["fixed"][0]), spec["fixed"][1]),
                   (participant.visit(spec["moving"][0]), spec["moving"][1]),
                   spec["target"], spec["source"], tuple(spec["key"]))


def register_link(task: PairTask, params: RegistrationParams, volumes: _Volumes | None = None,
                  progress: Progress | None = None) -> PairRecord:
    """Register one link unless its transform is stored for the same inputs; write it; return the record.

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
    result = register_pair_images(target, source, volumes.mask(*task.fixed), volumes.mask(*task.moving),
                                  params, progress)
    store.write_transform(path, result.fixed_from_moving, source=task.source, target=task.target, method=METHOD,
                          parameters=params.as_dict(), inputs=inputs, Metric=result.metric,
                          QCFlags=result.flags, Iterations=result.iterations,
                          HeaderShiftMM=result.header_shift_mm, HeaderRotationDeg=result.header_rotation_deg,
                          Seconds=result.seconds, FixedImage=task.source if result.swapped else task.target,
                          Attempts=result.attempts, Start=result.start)
    return PairRecord(path, result.fixed_from_moving, result.metric, result.flags, False, *task.ends)


#: The former name of :func:`register_link`.
register_pair = register_link


def stored_link(task: PairTask, cached: bool = True) -> PairRecord:
    """The record of a link read from its stored transform, or a FerretError when it is missing."""
    record = store.read_sidecar(task.path)
    if record is None or "MatrixRAS" not in record:
        raise FerretError("this registration has not been computed yet.", task.path,
                          "run the registration step first: ferret process STUDY --steps register.")
    return PairRecord(task.path, np.array(record["MatrixRAS"], dtype=float), record.get("Metric"),
                      record.get("QCFlags", []), cached, *task.ends)


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
                tasks.append(PairTask((visit, anchor), (visit, key), anchor, key, (visit.session, key)))
    for visit in participant.visits[1:]:
        target = f"{first.session[4:]}{anchors[first.session]}"
        tasks.append(PairTask((first, anchors[first.session]), (visit, anchors[visit.session]),
                              f"ses{target}", anchors[visit.session], (visit.session, "anchor")))
    return tasks


def reference_link_key(first: Visit, settings: ChainSettings) -> tuple[str, str] | None:
    """The link defining the reference grid's position (visit 1's DWI to its anchor), if any."""
    dwi = next((key for key in sorted(first.acquisitions) if key.startswith("dwi")), None)
    return (first.session, dwi) if settings.reference == "dwi" and dwi is not None else None


def visit_links(participant: Participant, visit: Visit, settings: ChainSettings,
                tasks: list[PairTask] | None = None) -> list[PairTask]:
    """The links composed into a visit's ``to-ref`` transforms: its own, its anchor's, the reference's."""
    tasks = tasks if tasks is not None else pair_tasks(participant, anchors_of(participant, settings))
    by_key = {task.key: task for task in tasks}
    keys = [(visit.session, key) for key in visit.acquisitions] + [(visit.session, "anchor")]
    keys.append(reference_link_key(participant.visits[0], settings))
    return [by_key[key] for key in dict.fromkeys(keys) if key in by_key]


def register_participant(participant: Participant, settings: ChainSettings = ChainSettings(),
                         progress: Progress | None = None) -> ChainResult:
    """Run (or reuse) every link of a participant, then compose and write every ``to-ref`` transform."""
    progress = progress or null_progress()
    if not participant.visits:
        raise FerretError(f"participant {participant.label} has no visits.", None, "check the study folder.")
    volumes = _Volumes()
    anchors = anchors_of(participant, settings)
    tasks = pair_tasks(participant, anchors)
    pairs: dict[tuple[str, str], PairRecord] = {}
    for number, task in enumerate(tasks):
        progress.check()
        progress.update(number / (len(tasks) + 1), f"registering {task.moving[0].prefix} {task.source}")
        child = progress.child(number / (len(tasks) + 1), (number + 1) / (len(tasks) + 1))
        pairs[task.key] = register_link(task, settings.params, volumes, child)
    result = None
    for visit in participant.visits:
        composed = compose_visit(participant, visit, settings, pairs, tasks)
        result = result or replace(composed, ref_from={}, ref_paths={})
        result.ref_from.update(composed.ref_from)
        result.ref_paths.update(composed.ref_paths)
    result.pairs, result.anchors = list(pairs.values()), anchors
    progress.update(1.0, "registration chain done")
    return result


def compose_visit(participant: Participant, visit: Visit, settings: ChainSettings = ChainSettings(),
                  pairs: dict[tuple[str, str], PairRecord] | None = None,
                  tasks: list[PairTask] | None = None) -> ChainResult:
    """Compose and write the ``to-ref`` transforms of one visit's acquisitions.

    ``ref_from_acq = ref_from_anchor1 @ anchor1_from_anchorv @ anchorv_from_acq``.
    Links missing from ``pairs`` are read from their stored transforms
    (:func:`stored_link`), so this runs after the link jobs without
    registering anything.
    """
    first = participant.visits[0]
    anchors = anchors_of(participant, settings)
    links = visit_links(participant, visit, settings, tasks)
    pairs = {**{task.key: stored_link(task) for task in links if task.key not in (pairs or {})}, **(pairs or {})}
    reference, ref_from_anchor1, source_name, ref_link = reference_space(first, anchors[first.session],
                                                                         settings, pairs)
    result = ChainResult(reference, source_name, pairs=[pairs[task.key] for task in links], anchors=anchors)
    anchor_link = pairs.get((visit.session, "anchor"))
    anchor1_from_anchorv = np.eye(4) if anchor_link is None else anchor_link.target_from_source
    for key in visit.acquisitions:
        used = [pairs[k] for k in ((visit.session, key), (visit.session, "anchor")) if k in pairs]
        used += [pairs[ref_link]] if ref_link else []
        anchor_from_acq = pairs[(visit.session, key)].target_from_source if (visit.session, key) in pairs \
            else np.eye(4)
        matrix = ref_from_anchor1 @ anchor1_from_anchorv @ anchor_from_acq
        result.ref_from[(visit.session, key)] = matrix
        result.ref_paths[(visit.session, key)] = _write_to_ref(visit, key, matrix, used, source_name)
    return result


def reference_space(first: Visit, anchor: str, settings: ChainSettings,
                    pairs: dict[tuple[str, str], PairRecord]) -> tuple[Grid, np.ndarray, str, tuple | None]:
    """The reference grid, ``ref_from_anchor1``, its description and the pair it comes from."""
    ref_link = reference_link_key(first, settings)
    if ref_link is not None:
        dwi = ref_link[1]
        anchor1_from_dwi1 = pairs[ref_link].target_from_source
        return header_grid(first, dwi), np.linalg.inv(anchor1_from_dwi1), f"{first.prefix} {dwi} grid", ref_link
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
    stored = store.read_sidecar(path) or {}
    if (store.is_cached(path, {"reference": reference}, paths, root=visit.study_root)
            and np.allclose(store.read_matrix(path), matrix) and stored.get("QCFlags") == flags):
        return path  # same links, same matrix, same flags (a link's flags live in its sidecar, not its .txt)
    return store.write_transform(path, matrix, source=key, target="ref",
                                 method="composition of registrations", parameters={"reference": reference},
                                 inputs=paths, Reference=reference, QCFlags=flags,
                                 Chain=[link.description for link in links],
                                 ChainNote=CHAIN_NOTE)
