"""The study's job graph: maps per visit and step, a registration chain per participant, resampling.

Jobs (names as shown in progress and summaries):

* ``maps sub-01 ses-02 MEGRE`` (and ``DWI``, ``R1``, ``R2``): one maps step of
  one visit; inputs are that acquisition's files, parameters only the
  settings of that step (so changing the R2* method reruns the MEGRE jobs
  and what depends on them, nothing else);
* ``register sub-01 ses-02 MESE`` (one per link of the chain: each
  acquisition to its visit's anchor, ``... anchor`` for each visit's anchor to
  visit 1's): one registration; inputs are the two images registered, outputs
  its transform. Links are independent jobs, so they run in parallel;
* ``register sub-01 ses-02 to-ref``: the visit's composed ``to-ref``
  transforms, from the stored links (and the reference grid's header);
* ``resample sub-01 ses-02 MEGRE`` (one per maps step) and
  ``resample sub-01 ses-02 anat`` (FLAIR, T1w, T2w, the anchor): into the
  reference space; inputs are the maps, the ``to-ref`` transforms used and
  the files defining the reference grid;
* ``candidates sub-01 acmi`` (and ``cmb``): the participant's ranked candidate
  new lesions (:mod:`processing.candidates`), written to
  ``derivatives/ferret/sub-01/candidates/sub-01_kind-acmi_candidates.csv``;
  inputs are every resampled map (images only: blinding holds);
* ``atlas sub-01`` (step ``location``): the MARS atlas registered to the
  participant (:mod:`processing.location`), written to
  ``derivatives/ferret/sub-01/atlas/sub-01_space-ref_mars.nii.gz``; inputs are
  visit 1's T1-like reference-space image and brain mask (images only);
* ``timecourses sub-01 rater-AB``: one per rater who annotated the
  participant (whole-participant graphs only), written to
  ``derivatives/ferret/sub-01/timecourses/sub-01_rater-AB_timecourses.csv``;
  inputs are every resampled map of the participant, and a digest of the
  rater's labels and lesion records (read through the journal, so a stroke or
  an exclusion flag not yet checkpointed still counts) is a parameter.

``steps`` choose the jobs wanted; what they need comes along (and is
normally up to date). A step whose files cannot even be listed (for example
an unreadable .bval) becomes a job that fails with the reason, so the rest of
the study still runs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from processing.engine.cache import CACHE_DIRNAME
from processing.engine.graph import Graph
from processing.engine.job import Job
from processing.engine.plan import (
    anatomical_resample_items,
    compose_files,
    link_files,
    map_resample_items,
    map_step_files,
    map_steps_of,
    reference_inputs,
    to_ref_files,
    with_sidecars,
)
from processing.engine.steps import (
    ParticipantRef,
    VisitRef,
    atlas_job,
    candidates_job,
    compose_job,
    link_job,
    maps_job,
    planning_failed,
    resample_job,
    timecourses_job,
)
from processing.errors import FerretError
from processing.registration.chain import (
    ChainSettings,
    PairTask,
    anchors_of,
    pair_tasks,
    visit_links,
)
from processing.study.model import Participant, Study, Visit

STEPS = ("maps", "register", "resample", "timecourses", "candidates", "location")
#: Job-name prefix -> step, where the two differ.
STEP_OF_PREFIX = {"atlas": "location"}
#: Which :class:`~processing.maps.MapOptions` fields each maps step reads.
MAP_SETTINGS = {
    "MEGRE": (
        "r2star_method",
        "r2star_clip",
        "megre_echo_times",
        "swi_mask_sign",
        "swi_power",
        "swi_minip_slab",
        "phase_units",
    ),
    "DWI": ("tensor_method",),
    "R1": ("mp2rage_parameters",),
    "R2": ("r2_method", "r2_offset", "r2_drop_first_echo", "mese_echo_times"),
}


@dataclass
class PipelineOptions:
    """Settings of the pipeline; every one is a job parameter (part of the cache key).

    Parameters
    ----------
    maps : dict
        :class:`~processing.maps.MapOptions` fields to override, e.g. ``{"r2star_method": "arlo"}``.
    chain : ChainSettings
        Registration settings.
    order : int
        Interpolation order of resampling (masks always nearest neighbour).
    """

    maps: dict = field(default_factory=dict)
    chain: ChainSettings = field(default_factory=ChainSettings)
    order: int = 1

    def map_settings(self, step: str) -> dict:
        """Every setting one maps step reads, defaults filled in.

        An explicit default then changes nothing.
        """
        from processing.maps import MapOptions

        unknown = set(self.maps) - {k for keys in MAP_SETTINGS.values() for k in keys}
        if unknown:
            raise FerretError(f"unknown maps setting(s): {', '.join(sorted(unknown))}.")
        defaults = MapOptions()
        return {k: self.maps.get(k, getattr(defaults, k)) for k in MAP_SETTINGS[step]}


def study_graph(
    study: Study,
    options: PipelineOptions | None = None,
    *,
    participant: str | None = None,
    session: str | None = None,
) -> Graph:
    """Every job of the study (or of one participant, or one visit of it)."""
    options = options or PipelineOptions()
    jobs: list[Job] = []
    for label, part in study.participants.items():
        if participant is None or label == participant:
            visits = [v for v in part.visits if session is None or v.session == session]
            if (
                part.visits
            ):  # a participant folder without visits: validate reports it, nothing to run
                jobs += participant_jobs(study.root, part, visits, options)
            if session is None:
                jobs += timecourse_jobs(study.root, part, jobs) + candidate_jobs(
                    study.root, part, jobs
                )
                jobs += atlas_jobs(study.root, part, jobs)
    return Graph(jobs)


def participant_jobs(
    root: Path, participant: Participant, visits: list[Visit], options: PipelineOptions
) -> list[Job]:
    """Return the chain of ``participant`` and the maps and resampling jobs of ``visits``."""
    jobs, chain_outputs = _chain_jobs(root, participant, visits, options)
    for visit in visits:
        ref = VisitRef.of(visit, participant)
        for step in map_steps_of(visit):
            maps, images = _maps_job(root, ref, visit, step, options)
            jobs.append(maps)
            if images:
                jobs.append(
                    _resample_job(
                        ref,
                        visit,
                        step,
                        map_resample_items(visit, images),
                        participant,
                        options,
                        chain_outputs,
                    )
                )
        try:
            items = anatomical_resample_items(visit, options.chain)
        except FerretError:
            continue  # no anchor: the chain job fails with the reason
        if items:
            jobs.append(
                _resample_job(ref, visit, "anat", items, participant, options, chain_outputs)
            )
    return jobs


def resampled_maps(participant: Participant, jobs: list[Job]) -> list[Path]:
    """Return the reference-space images the resampling jobs of ``participant`` write."""
    return [
        path
        for job in jobs
        if job.name.startswith(f"resample {participant.label} ")
        for path in job.outputs
        if path.name.endswith(".nii.gz")
    ]


def timecourse_jobs(root: Path, participant: Participant, jobs: list[Job]) -> list[Job]:
    """One time-course job per rater who annotated ``participant``; inputs: its resampled maps."""
    from processing.annotations.workspace import annotations_root

    maps = resampled_maps(participant, jobs)
    found = []
    for folder in sorted(annotations_root(root).glob(f"rater-*/{participant.label}")):
        rater = folder.parent.name[len("rater-") :]
        name = f"timecourses {participant.label} rater-{rater}"
        try:
            digest = annotation_digest(root, rater, participant.label)
        except FerretError as exc:
            found.append(_failed(root, name, exc.message()))
            continue
        output = (
            root
            / "derivatives"
            / "ferret"
            / participant.label
            / "timecourses"
            / f"{participant.label}_rater-{rater}_timecourses.csv"
        )
        found.append(
            Job(
                name,
                timecourses_job,
                inputs=maps,
                outputs=with_sidecars([output]),
                args=(ParticipantRef.of(participant, root),),
                params={"rater": rater, "annotations": digest, "output": str(output)},
            )
        )
    return found


def candidate_jobs(root: Path, participant: Participant, jobs: list[Job]) -> list[Job]:
    """One candidates job per kind (``acmi``, ``cmb``) of ``participant``.

    Inputs: its resampled maps.

    Images only (no rater's work is an input): blinding holds. The settings
    are a parameter (the cache key), so changing one reruns exactly these jobs.
    """
    from dataclasses import asdict

    from processing.candidates.series import reads
    from processing.candidates.settings import KINDS
    from processing.candidates.table import candidates_file

    found = []
    for kind, settings in KINDS.items():
        inputs = [path for path in resampled_maps(participant, jobs) if reads(settings, path)]
        if not inputs:
            continue
        output = candidates_file(root, participant.label, kind)
        found.append(
            Job(
                f"candidates {participant.label} {kind}",
                candidates_job,
                inputs=inputs,
                outputs=with_sidecars([output]),
                args=(ParticipantRef.of(participant, root),),
                params={"kind": kind, "settings": asdict(settings)},
            )
        )
    return found


def atlas_jobs(root: Path, participant: Participant, jobs: list[Job]) -> list[Job]:
    """Return the MARS atlas job of ``participant``: inputs its first visit's T1-like image and mask.

    Paths are parameters relative to the study, so a moved study stays up to date.
    """
    from processing.location.participant import atlas_file, choose_inputs, transform_file
    from processing.location.register import TemplateSettings

    if not participant.visits:
        return []
    name = f"atlas {participant.label}"
    first = f"{participant.label}_{participant.visits[0].session}_"
    images = [p for p in resampled_maps(participant, jobs) if p.name.startswith(first)]
    try:
        image, mask = choose_inputs(images)
    except FerretError as exc:
        return [_failed(root, name, exc.message())]
    inputs = [image] + ([mask] if mask is not None else [])
    return [
        Job(
            name,
            atlas_job,
            inputs=inputs,
            outputs=with_sidecars([atlas_file(root, participant.label)])
            + [transform_file(root, participant.label)],
            args=(ParticipantRef.of(participant, root),),
            params={
                "image": Path(os.path.relpath(image, root)).as_posix(),
                "mask": None if mask is None else Path(os.path.relpath(mask, root)).as_posix(),
                "settings": TemplateSettings().as_dict(),
            },
        )
    ]


def annotation_digest(root: Path, rater: str, participant: str) -> str:
    """SHA-256 of a rater's label volume and lesion records (what the time courses read)."""
    import hashlib

    from processing.timecourses.loader import load_rater_lesions

    lesions = load_rater_lesions(root, rater, participant)
    digest = hashlib.sha256(np.ascontiguousarray(lesions.labels).tobytes())
    digest.update(
        repr(
            [
                (
                    lesion.lesion_id,
                    lesion.onset,
                    lesion.excluded,
                    lesion.exclusion_reason,
                    lesion.kind,
                )
                for lesion in lesions.lesions
            ]
        ).encode()
    )
    return digest.hexdigest()


def _maps_job(root: Path, ref: VisitRef, visit: Visit, step: str, options: PipelineOptions):
    name = f"maps {visit.participant} {visit.session} {step}"
    try:
        inputs, images = map_step_files(visit, step)
    except FerretError as exc:
        return _failed(root, name, exc.message()), []
    job = Job(
        name,
        maps_job,
        inputs=inputs,
        outputs=with_sidecars(images),
        args=(ref,),
        params={"step": step, "settings": options.map_settings(step)},
    )
    return job, images


def _chain_jobs(
    root: Path, participant: Participant, visits: list[Visit], options: PipelineOptions
) -> tuple[list[Job], list[Path]]:
    """Return the link jobs ``visits`` need and their composition jobs.

    Or one failing job when unplannable.
    """
    settings, ref = options.chain, ParticipantRef.of(participant, root)
    try:
        tasks = pair_tasks(participant, anchors_of(participant, settings))
        compose = {
            visit.session: compose_files(participant, visit, settings, tasks) for visit in visits
        }
    except FerretError as exc:
        failed = _failed(root, f"register {participant.label}", exc.message())
        return [failed], list(failed.outputs)
    needed = {
        task.key for visit in visits for task in visit_links(participant, visit, settings, tasks)
    }
    jobs = [_link_job(participant, ref, task, settings) for task in tasks if task.key in needed]
    for visit in visits:
        inputs, outputs = compose[visit.session]
        jobs.append(
            Job(
                f"register {participant.label} {visit.session} to-ref",
                compose_job,
                inputs=inputs,
                outputs=outputs,
                args=(VisitRef.of(visit, participant),),
                params={"settings": settings},
            )
        )
    return jobs, []


def _link_job(participant: Participant, ref: ParticipantRef, task: PairTask, settings) -> Job:
    inputs, outputs = link_files(task)
    return Job(
        f"register {participant.label} {task.key[0]} {task.key[1]}",
        link_job,
        inputs=inputs,
        outputs=outputs,
        args=(ref,),
        params={"link": task.spec(), "params": settings.params},
    )


def _resample_job(
    ref: VisitRef,
    visit: Visit,
    label: str,
    items,
    participant: Participant,
    options: PipelineOptions,
    chain_outputs: list[Path],
) -> Job:
    keys = [key for _, key, _, _ in items]
    try:
        grid = reference_inputs(participant, options.chain) + to_ref_files(visit, keys)
    except FerretError:
        grid = chain_outputs[:1]  # the chain cannot be planned: depend on its failing job
    inputs = [source for source, _, _, _ in items] + grid
    return Job(
        f"resample {visit.participant} {visit.session} {label}",
        resample_job,
        inputs=inputs,
        outputs=with_sidecars([out for _, _, _, out in items]),
        args=(ref,),
        params={
            "items": [[source, key, datatype] for source, key, datatype, _ in items],
            "settings": options.chain,
            "order": options.order,
        },
    )


def _failed(root: Path, name: str, reason: str) -> Job:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    never_written = root / "derivatives" / "ferret" / CACHE_DIRNAME / "unplannable" / slug
    return Job(name, planning_failed, outputs=[never_written], params={"reason": reason})


def step_of(name: str) -> str:
    """Return the pipeline step of a job name.

    One of ``maps``, ``register``, ``resample``, ``timecourses``, ``candidates``,
    ``location`` (the ``atlas`` jobs).
    """
    prefix = name.split(" ", 1)[0]
    return STEP_OF_PREFIX.get(prefix, prefix)


def targets_for(graph: Graph, steps) -> list[str]:
    """Names of the graph's jobs of the given steps (their dependencies run as needed)."""
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        raise FerretError(
            f"unknown step(s): {', '.join(unknown)}.", fix=f"use some of: {', '.join(STEPS)}."
        )
    return [name for name in graph.order if step_of(name) in steps]
