"""Candidates of one participant: z-maps, blobs, features, score, rank.

:func:`detect_candidates` runs on a :class:`~processing.candidates.series.Series`
(tests feed it arrays); :func:`participant_candidates` reads the series of a
participant of a study first (and the cortex mask of
:mod:`processing.annotations.cortex`). Candidates come from images only: no
rater's annotations and no clinical data are read (blinding holds).
"""

from __future__ import annotations

import numpy as np

from processing.candidates import blobs as blob_finder
from processing.candidates.change import channel_change, combined_z, leave_one_out
from processing.candidates.features import (
    blob_features,
    cortex_distances,
    focus_size,
    peak_centroid,
)
from processing.candidates.score import drop_reason, score
from processing.candidates.series import Series, load_series
from processing.candidates.settings import ACMI, CandidateSettings
from processing.candidates.table import Candidate
from processing.progress import Progress, null_progress


def detect_candidates(
    series: Series, settings: CandidateSettings = ACMI, progress: Progress | None = None
) -> list[Candidate]:
    """Ranked candidates (rank 1 = most likely) of one participant, at most ``settings.max_candidates``."""
    progress = progress or null_progress()
    spacing = series.spacing
    changes = {
        c.name: channel_change(series.maps[c.name], series.brain, c.sign, settings.tolerance_voxels)
        for c in settings.channels
    }
    combined = combined_z(list(changes.values()))
    located = combined_z(list(changes.values()), "plain")
    confirm, csf = _confirming(series, settings)
    distance = cortex_distances(series.cortex, spacing)
    found = []
    for visit in range(len(series.sessions)):
        progress.check()
        progress.update(visit / len(series.sessions), f"candidates at {series.sessions[visit]}")
        for blob in blob_finder.find_blobs(
            combined[visit],
            visit,
            series.brain,
            spacing,
            settings.min_diameter_mm,
            settings.max_diameter_mm,
            settings.scales,
        ):
            candidate = _candidate(
                series, blob, (combined, located), changes, confirm, csf, distance, settings
            )
            if candidate is not None:
                found.append(candidate)
    ranked = sorted(_one_per_focus(found, spacing), key=lambda c: -c.score)[
        : settings.max_candidates
    ]
    for rank, candidate in enumerate(ranked, start=1):
        candidate.rank = rank
    progress.update(1.0, f"{len(ranked)} candidates")
    return ranked


def participant_candidates(
    study_root, participant, settings: CandidateSettings = ACMI, progress: Progress | None = None
) -> list[Candidate]:
    """Read a participant's maps (and cortex mask) and detect its candidates."""
    from processing.annotations.cortex import cortex_mask
    from processing.spaces.grid import Grid

    names = [c.name for c in settings.channels] + (
        [settings.confirm.name] if settings.confirm else []
    )
    series = load_series(participant, names)
    series.cortex = cortex_mask(study_root, participant.label, Grid(series.shape, series.affine))
    return detect_candidates(series, settings, progress)


def _confirming(series: Series, settings: CandidateSettings):
    """``(name, values, baseline)`` of the confirming map and the CSF mask per visit.

    None when unused.
    """
    if settings.confirm is None or settings.confirm.name not in series.maps:
        return None, None
    values = series.maps[settings.confirm.name]
    baseline, _ = leave_one_out(values)
    csf = baseline > settings.csf_md if settings.csf_md is not None else None
    return (settings.confirm.name, values, baseline), csf


def _candidate(series, blob, maps, changes, confirm, csf, distance, settings) -> Candidate | None:
    combined, located = maps
    features = blob_features(
        blob, combined, changes, confirm, series.brain, distance, series.spacing, csf
    )
    if drop_reason(features, settings):
        return None
    voxels, diameter = focus_size(combined[blob.visit], blob.ijk, series.spacing)
    value, findings = score(features, diameter, settings)
    features.update(voxels=voxels, findings=findings)
    for flag in ("in_brain", "csf"):
        features.pop(flag)
    cortical = (
        None
        if series.cortex is None
        else bool(features["cortex_distance_mm"] <= settings.cortex_distance_mm)
    )
    centre = peak_centroid(located[blob.visit], blob.ijk)
    position = series.affine[:3, :3] @ centre + series.affine[:3, 3]
    return Candidate(
        series.participant,
        series.sessions[blob.visit],
        settings.kind,
        value,
        tuple(position),
        diameter,
        cortical,
        features,
    )


def _one_per_focus(candidates: list[Candidate], spacing) -> list[Candidate]:
    """Keep the best-scoring candidate of each focus.

    Candidates of one visit closer than two voxels, or than half the larger
    focus's diameter plus a voxel, are one focus (the blob scales overlap on
    one lesion).
    """
    kept: list[Candidate] = []
    voxel = float(np.max(spacing))
    for candidate in sorted(candidates, key=lambda c: -c.score):
        if not any(
            k.session_id == candidate.session_id
            and np.linalg.norm(np.subtract(k.position, candidate.position))
            < max(2 * voxel, max(k.diameter_mm, candidate.diameter_mm) / 2 + voxel)
            for k in kept
        ):
            kept.append(candidate)
    return kept
