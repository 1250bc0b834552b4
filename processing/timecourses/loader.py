"""Time-course inputs from a study on disk: resampled maps and a rater's lesions.

Maps are the Ferret derivatives already resampled into the participant's
reference space (``space-ref``), found among each visit's derivatives
(``<study>/derivatives/ferret/sub-XX/ses-YY/<datatype>/``) by these names
(``sub-XX_ses-YY_`` prefix omitted; ``.nii`` or ``.nii.gz``):

=============  ==================================================
parameter      file
=============  ==================================================
trace_b<N>     ``space-ref_desc-b<N>_trace.nii.gz`` (any shell)
MD             ``space-ref_model-tensor_param-md_dwimap.nii.gz``
FA             ``space-ref_model-tensor_param-fa_dwimap.nii.gz``
R1             ``space-ref_R1map.nii.gz``
R2             ``space-ref_R2map.nii.gz``
R2star         ``space-ref_R2starmap.nii.gz`` (also the voxel filter)
=============  ==================================================

Lesions are one rater's (or the consensus's) annotations of the participant,
read-only, through :class:`processing.annotations.store.RaterStore`: the label
volume ``sub-XX_space-ref_desc-lesions_dseg.nii.gz`` and, per lesion, its type,
onset visit (``onset_visit``, else the visit it was drawn on) and the ratings
``excluded`` (``"yes"`` excludes) and ``exclusion_reason``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.fileio import load_nifti
from processing.progress import Progress, null_progress
from processing.study.model import Study, Visit
from processing.timecourses.compute import compute_timecourses
from processing.timecourses.model import LesionInfo, TimecourseRow, VisitVolumes

_NII = r"\.nii(?:\.gz)?$"
MAP_PATTERNS = (
    (re.compile(r"^space-ref_desc-b(\d+)_trace" + _NII), "trace_b{0}"),
    (re.compile(r"^space-ref_model-tensor_param-md_dwimap" + _NII), "MD"),
    (re.compile(r"^space-ref_model-tensor_param-fa_dwimap" + _NII), "FA"),
    (re.compile(r"^space-ref_R1map" + _NII), "R1"),
    (re.compile(r"^space-ref_R2map" + _NII), "R2"),
    (re.compile(r"^space-ref_R2starmap" + _NII), "R2star"),
)
AFFINE_TOLERANCE_MM = 1e-3


def parameter_files(visit: Visit) -> dict[str, Path]:
    """Return the visit's resampled parameter maps, by parameter name."""
    found = {}
    for name, path in sorted(visit.derived.items()):
        for pattern, parameter in MAP_PATTERNS:
            match = pattern.match(Path(name).name)
            if match:
                found[parameter.format(*match.groups())] = Path(path)
    return found


class NiftiMaps(Mapping):
    """Parameter name -> volume, read from disk on each access (nothing kept).

    Each volume is checked to lie in the reference grid (same shape and affine).
    """

    def __init__(self, files: Mapping[str, Path], shape: tuple[int, ...], affine: np.ndarray):
        self.files, self.shape, self.affine = dict(files), tuple(shape), np.asarray(affine, float)

    def __getitem__(self, name: str) -> np.ndarray:
        path = self.files[name]
        data, affine, _ = load_nifti(path)
        if data.shape[:3] != self.shape or not np.allclose(
            affine, self.affine, atol=AFFINE_TOLERANCE_MM
        ):
            raise FerretError(
                f"this map is not in the reference grid of the lesion labels "
                f"(shape {data.shape}, labels {self.shape}, or a different affine).",
                path,
                "resample the map into the reference space (space-ref) again.",
            )
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)


@dataclass
class RaterLesions:
    """One rater's label volume (reference grid) and lesions of one participant."""

    labels: np.ndarray
    affine: np.ndarray
    lesions: list[LesionInfo]


def load_rater_lesions(study_root: str | Path, rater: str, participant: str) -> RaterLesions:
    """Read a rater's labels and lesions of a participant, without writing anything."""
    from processing.annotations.workspace import read_only_store

    with read_only_store(study_root, rater, participant) as store:
        volume = store.load_labels(None)
        ratings = store.ratings()
        lesions = [
            _lesion_info(record, ratings.get(record.lesion_id, {})) for record in store.lesions()
        ]
    return RaterLesions(np.asarray(volume.data), volume.grid.affine, lesions)


def _lesion_info(record, ratings: dict[str, str]) -> LesionInfo:
    return LesionInfo(
        lesion_id=int(record.lesion_id),
        onset=record.onset_visit or record.visit or "",
        excluded=ratings.get("excluded", "").lower() == "yes",
        exclusion_reason=ratings.get("exclusion_reason", "") or "",
        kind=record.type or "",
    )


def participant_visits(study: Study, participant: str, shape, affine) -> list[VisitVolumes]:
    """Return the participant's visits in order, with lazily read resampled maps."""
    return [
        VisitVolumes(visit.session, NiftiMaps(parameter_files(visit), shape, affine), visit.date)
        for visit in study.participant(participant).visits
    ]


def chosen_participants(
    study: Study, rater: str, participants: list[str] | None = None
) -> list[str]:
    """``participants`` (each checked to be in the study), or every one the rater annotated.

    Raises
    ------
    FerretError
        When a requested participant is not in the study, or none is left.
    """
    from processing.annotations.workspace import ReviewWorkspace

    unknown = [label for label in participants or [] if label not in study.participants]
    if unknown:
        raise FerretError(
            f"participant(s) {', '.join(unknown)} not in this study.",
            study.root,
            "check --participant (labels such as sub-01, as in the study's folders).",
        )
    chosen = participants or [
        label
        for label in ReviewWorkspace(study.root).participants_of(rater)
        if label in study.participants
    ]
    if not chosen:
        raise FerretError(
            f"no annotated participant of rater {rater} in this study.",
            study.annotations,
            "check --rater; annotations live in rater-<ID>/sub-XX/.",
        )
    return chosen


def input_files(study: Study, rater: str, participants: list[str]) -> list[Path]:
    """Every file the time courses of ``participants`` read.

    The rater's annotations and the maps.
    """
    from processing.annotations.workspace import rater_folder

    files: list[Path] = []
    for label in participants:
        folder = rater_folder(study.root, rater) / label
        files += sorted(folder.glob("*.nii.gz")) + sorted(folder.glob("*.sqlite"))
        files += [
            path
            for visit in study.participant(label).visits
            for path in parameter_files(visit).values()
        ]
    return files


def study_timecourses(
    study: Study,
    rater: str,
    *,
    participants: list[str] | None = None,
    progress: Progress | None = None,
) -> list[TimecourseRow]:
    """Time courses of every participant a rater annotated (or of ``participants``)."""
    progress = progress or null_progress()
    chosen = chosen_participants(study, rater, participants)
    rows: list[TimecourseRow] = []
    for number, label in enumerate(chosen):
        lesions = load_rater_lesions(study.root, rater, label)
        visits = participant_visits(study, label, lesions.labels.shape, lesions.affine)
        if not any(visit.maps for visit in visits):
            raise FerretError(
                f"no maps resampled into the reference space for {label}.",
                study.derivatives / label,
                "run the processing (maps and registration) first; see the README for names.",
            )
        child = progress.child(number / len(chosen), (number + 1) / len(chosen))
        rows += compute_timecourses(
            visits, lesions.labels, lesions.lesions, participant=label, rater=rater, progress=child
        )
    return rows
