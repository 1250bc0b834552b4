"""The job functions of the study pipeline (run by engine workers).

Each is a top-level function ``f(ref, *, ..., progress)`` that a worker
process or Dask imports by name. A job receives a small reference to its visit
or participant (:class:`VisitRef`, :class:`ParticipantRef`): only the labels
are hashed into the cache key (the files are the job's declared inputs),
while the already discovered :class:`~processing.study.model.Visit` travels
with it so that workers need not scan the study again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from processing.engine.job import versioned
from processing.errors import FerretError
from processing.progress import Progress
from processing.registration import store
from processing.registration.chain import (
    ChainResult,
    ChainSettings,
    PairRecord,
    PairTask,
    anchor_key,
    compose_visit,
    reference_link_key,
    reference_space,
    register_link,
)
from processing.registration.rigid import RegistrationParams
from processing.study.model import Participant, Visit


@dataclass(frozen=True)
class ParticipantRef:
    """A participant by label; :meth:`resolve` gives the discovered :class:`Participant`."""

    study_root: Path
    participant: str

    @classmethod
    def of(cls, participant: Participant, study_root: Path) -> ParticipantRef:
        """Return the reference to ``participant``, keeping the object for this process."""
        ref = cls(Path(study_root), participant.label)
        object.__setattr__(ref, "_resolved", participant)  # not a field: carried, not hashed
        return ref

    def resolve(self) -> Participant:
        """Return the participant, discovering the study again when needed (in a worker)."""
        return _carried_participant(self)


@dataclass(frozen=True)
class VisitRef:
    """A visit by labels; :meth:`resolve` gives the discovered :class:`Visit`."""

    study_root: Path
    participant: str
    session: str

    @classmethod
    def of(cls, visit: Visit, participant: Participant) -> VisitRef:
        """Return the reference to ``visit``, keeping the objects for this process."""
        ref = cls(Path(visit.study_root), visit.participant, visit.session)
        object.__setattr__(ref, "_resolved", participant)
        return ref

    def participant_of(self) -> Participant:
        """Return the visit's participant (resolved as :meth:`ParticipantRef.resolve` does)."""
        return _carried_participant(self)  # same lookup: the participant is what is carried

    def resolve(self) -> Visit:
        """Return the visit, discovering the study again when needed (in a worker)."""
        return self.participant_of().visit(self.session)


def _carried_participant(ref: ParticipantRef | VisitRef) -> Participant:
    """Return the participant ``ref`` carries, or discover the study again (in a worker)."""
    resolved = ref.__dict__.get("_resolved")
    if resolved is None:
        from processing.study import discover

        resolved = discover(ref.study_root).participant(ref.participant)
        object.__setattr__(ref, "_resolved", resolved)
    return resolved


@versioned("1")
def maps_job(ref: VisitRef, *, step: str, settings: dict, progress: Progress) -> None:
    """One maps step (``MEGRE``, ``DWI``, ``R1``, ``R2``) of one visit; a skip is a failure here."""
    from processing.maps import compute_visit_maps

    settings = {k: tuple(v) if isinstance(v, list) else v for k, v in settings.items()}
    report = compute_visit_maps(ref.resolve(), progress=progress, only=(step,), **settings)
    if step in report.skipped:
        raise FerretError(report.skipped[step])


@versioned("1")
def link_job(
    ref: ParticipantRef, *, link: dict, params: RegistrationParams, progress: Progress
) -> None:
    """One registration link of a participant's chain (``link`` is :meth:`PairTask.spec`).

    Writes its transform.

    Links run as separate jobs, in parallel; ITK's thread count is pinned
    inside the registration (:mod:`processing.registration.threads`).
    """
    register_link(PairTask.from_spec(ref.resolve(), link), params, progress=progress)


@versioned("1")
def compose_job(ref: VisitRef, *, settings: ChainSettings, progress: Progress) -> None:
    """Compose the ``to-ref`` transforms of one visit from the stored link transforms."""
    progress.update(0.0, f"{ref.session}: composing the registration chain")
    compose_visit(ref.participant_of(), ref.resolve(), settings)


@versioned("1")
def resample_job(
    ref: VisitRef, *, items: list, settings: ChainSettings, order: int, progress: Progress
) -> None:
    """Resample ``items`` (``[source, acquisition key, datatype]``) of a visit into the reference space."""
    from processing.registration.outputs import write_in_reference

    visit = ref.resolve()
    chain = saved_chain(ref.participant_of(), visit, [key for _, key, _ in items], settings)
    for index, (source, key, datatype) in enumerate(items):
        progress.check()
        progress.update(
            index / len(items), f"{visit.prefix}: {Path(source).name} into the reference space"
        )
        write_in_reference(visit, Path(source), key, chain, order=order, datatype=datatype)


def saved_chain(
    participant: Participant, visit: Visit, keys, settings: ChainSettings
) -> ChainResult:
    """Return the part of a participant's chain that resampling ``keys`` of ``visit`` needs, read from disk.

    Reads the ``to-ref`` transforms written by :func:`compose_job` and rebuilds
    the reference grid (from the first visit's image headers) without
    registering anything.
    """
    first = participant.visits[0]
    anchor = anchor_key(first, settings)
    pairs = {}
    if (ref_link := reference_link_key(first, settings)) is not None:
        link = store.xfm_path(first, ref_link[1], anchor)
        pairs[ref_link] = PairRecord(link, store.read_matrix(link), None, [], True)
    reference, _, source_name, _ = reference_space(first, anchor, settings, pairs)
    paths = {(visit.session, key): store.xfm_path(visit, key, "ref") for key in dict.fromkeys(keys)}
    matrices = {index: store.read_matrix(path) for index, path in paths.items()}
    return ChainResult(reference, source_name, ref_from=matrices, ref_paths=paths)


def planning_failed(*, reason: str, progress: Progress) -> None:
    """Stands for a step whose files could not even be listed: fails with the reason."""
    raise FerretError(reason)


def timecourses_job(
    ref: ParticipantRef, *, rater: str, annotations: str, output: str, progress: Progress
) -> None:
    """Write one rater's per-lesion time courses of a participant.

    ``annotations`` keys the cache.
    """
    from processing.fileio import write_provenance
    from processing.stats import write_table
    from processing.study import discover
    from processing.timecourses import COLUMNS, R2STAR_RANGE
    from processing.timecourses.loader import input_files, study_timecourses

    study = discover(ref.study_root)  # afresh: the resampled maps were written after planning
    rows = study_timecourses(study, rater, participants=[ref.participant], progress=progress)
    write_table(Path(output), COLUMNS, [row.as_dict() for row in rows], sheet="timecourses")
    write_provenance(
        output,
        "per-lesion time courses (lesion vs one-voxel control ring, R2* filter, "
        "normalised to pre-onset visits)",
        {
            "rater": rater,
            "annotations_digest": annotations,
            "r2star_range_per_s": list(R2STAR_RANGE),
            "control": "3x3x3 dilation minus lesions",
        },
        input_files(study, rater, [ref.participant]),
    )


def candidates_job(ref: ParticipantRef, *, kind: str, settings: dict, progress: Progress) -> None:
    """Write a participant's ranked candidates of one kind.

    ``settings`` (those of :data:`processing.candidates.settings.KINDS`) only
    keys the cache, as ``annotations`` does for the time courses; no absolute
    path is a parameter, so a copied or moved study stays up to date.
    """
    from processing.candidates.detect import participant_candidates
    from processing.candidates.series import reads
    from processing.candidates.settings import KINDS
    from processing.candidates.table import candidates_file, write_candidates
    from processing.fileio import write_provenance
    from processing.study import discover

    study = discover(ref.study_root)  # afresh: the resampled maps were written after planning
    chosen = KINDS[kind]
    participant = study.participants[ref.participant]
    candidates = participant_candidates(study.root, participant, chosen, progress)
    output = write_candidates(candidates, candidates_file(study.root, ref.participant, kind))
    inputs = sorted(
        {
            Path(p)
            for visit in participant.visits
            for p in visit.derived.values()
            if "space-ref" in Path(p).name and reads(chosen, p)
        }
    )
    write_provenance(
        output,
        f"candidate new lesions ({kind}): leave-one-out z-maps, LoG blobs, ranked",
        settings,
        inputs,
    )


@versioned("1")
def atlas_job(
    ref: ParticipantRef, *, image: str, mask: str | None, settings: dict, progress: Progress
) -> None:
    """Register the MNI template to the participant and write its MARS region map.

    ``image`` and ``mask`` are relative to the study (a moved study stays cached).
    """
    from processing.location.participant import compute_atlas
    from processing.location.register import TemplateSettings

    root = Path(ref.study_root)
    chosen = TemplateSettings.from_dict(settings)
    compute_atlas(
        root,
        ref.participant,
        root / image,
        None if mask is None else root / mask,
        chosen,
        progress,
    )
