"""Candidates of one participant: z-maps, blobs, features, score, rank.

:func:`detect_candidates` runs on a :class:`~processing.candidates.series.Series`
(tests feed it arrays); :func:`participant_candidates` reads the series of a
participant of a study first (and the cortex mask of
:mod:`processing.annotations.cortex`). Candidates come from images only: no
rater's annotations and no clinical data are read (blinding holds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from processing.candidates import blobs as blob_finder
from processing.candidates.change import Change, channel_change, combined_z, leave_one_out
from processing.candidates.contrast import channel_contrast
from processing.candidates.features import (
    blob_features,
    cortex_distances,
    focus_size,
    neighbourhood,
    peak_centroid,
)
from processing.candidates.score import drop_reason, score
from processing.candidates.series import Series, load_series
from processing.candidates.settings import ACMI, CandidateSettings
from processing.candidates.shape import blobness
from processing.candidates.table import Candidate
from processing.progress import Progress, null_progress


@dataclass(frozen=True)
class Evidence:
    """Every map a focus is judged on, computed once per participant.

    Attributes
    ----------
    changes : dict of str to Change
        Each channel's z-maps.
    combined, located : ndarray (visits, x, y, z)
        The combined z (detects, ranks) and its plain counterpart (locates).
    confirm : tuple or None
        ``(name, values, baseline)`` of the confirming map.
    csf : ndarray or None
        CSF per visit (dropped).
    cortex_distance, rim_distance : ndarray or None
        Millimetres to the cortex mask and to the brain mask's edge.
    bright_median : ndarray or None
        The brain median of ``settings.bright_map`` per visit.
    threshold : float
        The combined z a focus must reach (:func:`noise_threshold`).
    """

    changes: dict
    combined: np.ndarray
    located: np.ndarray
    confirm: tuple | None
    csf: np.ndarray | None
    cortex_distance: np.ndarray | None
    rim_distance: np.ndarray
    threshold: float
    bright_median: np.ndarray | None = None


def noise_threshold(changes: list[Change], brain: np.ndarray, floor: float, allowed: int) -> float:
    """Return the combined z above which at most ``allowed`` noise foci are expected.

    Counted on the mirror z-maps (:class:`~processing.candidates.change.Change`):
    their local maxima (26 neighbours) inside the brain at every visit, the
    ``allowed + 1``-th highest; never below ``floor``. Without mirrors, ``floor``.
    """
    if not changes or any(c.mirror is None for c in changes):
        return floor
    mirror = combined_z(changes, "mirror")
    peaks = []
    for volume in mirror:
        local = (volume == ndimage.maximum_filter(volume, size=3)) & brain & (volume > floor)
        peaks.append(volume[local])
    values = np.sort(np.concatenate(peaks))[::-1]
    return float(max(floor, values[allowed])) if len(values) > allowed else floor


def gather_evidence(series: Series, settings: CandidateSettings) -> Evidence:
    """Compute the z-maps (against the other visits or the local background) and the distances."""
    spacing = series.spacing
    changes = {
        c.name: (
            channel_contrast(
                series.maps[c.name], series.brain, c.sign, spacing, settings.background_mm
            )
            if settings.baseline == "local"
            else channel_change(
                series.maps[c.name], series.brain, c.sign, settings.tolerance_voxels
            )
        )
        for c in settings.channels
    }
    confirm, csf = _confirming(series, settings)
    listed = list(changes.values())
    return Evidence(
        changes,
        combined_z(listed),
        combined_z(listed, "plain"),
        confirm,
        csf,
        cortex_distances(series.cortex, spacing),
        ndimage.distance_transform_edt(series.brain, sampling=spacing).astype(np.float32),
        noise_threshold(listed, series.brain, settings.min_z, settings.expected_false),
        None
        if settings.bright_map is None
        else np.array([np.nanmedian(v[series.brain]) for v in series.maps[settings.bright_map]]),
    )


def detect_candidates(
    series: Series, settings: CandidateSettings = ACMI, progress: Progress | None = None
) -> list[Candidate]:
    """Ranked candidates (rank 1 = most likely) of one participant, at most ``settings.max_candidates``."""
    progress = progress or null_progress()
    evidence = gather_evidence(series, settings)
    found = []
    for visit in range(len(series.sessions)):
        progress.check()
        progress.update(visit / len(series.sessions), f"candidates at {series.sessions[visit]}")
        for blob in blob_finder.find_blobs(
            evidence.combined[visit],
            visit,
            series.brain,
            series.spacing,
            settings.min_diameter_mm,
            settings.max_diameter_mm,
            settings.scales,
        ):
            candidate = _candidate(series, blob, evidence, settings)
            if candidate is not None:
                found.append(candidate)
    across = settings.baseline == "local"  # a focus that stays is one candidate, not one a visit
    ranked = sorted(_one_per_focus(found, series.spacing, across), key=lambda c: -c.score)[
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


def _candidate(series, blob, evidence: Evidence, settings) -> Candidate | None:
    combined = evidence.combined
    features = blob_features(
        blob,
        combined,
        evidence.changes,
        evidence.confirm,
        series.brain,
        evidence.cortex_distance,
        series.spacing,
        evidence.csf,
    )
    features["rim_distance_mm"] = float(evidence.rim_distance[blob.ijk])
    if settings.bright_map is not None and evidence.bright_median is not None:
        features[f"{settings.bright_map}_ratio"] = bright_ratio(
            series.maps[settings.bright_map][blob.visit],
            float(evidence.bright_median[blob.visit]),
            blob.ijk,
        )
    if drop_reason(features, settings) or features["z_combined"] < evidence.threshold:
        return None
    voxels, diameter = focus_size(combined[blob.visit], blob.ijk, series.spacing)
    features["blobness"] = blobness(combined[blob.visit], blob.ijk, series.spacing, diameter)
    value, findings = score(features, diameter, settings)
    features.update(voxels=voxels, findings=findings)
    for flag in ("in_brain", "csf"):
        features.pop(flag)
    cortical = (
        None
        if series.cortex is None
        else bool(features["cortex_distance_mm"] <= settings.cortex_distance_mm)
    )
    centre = peak_centroid(evidence.located[blob.visit], blob.ijk)
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


def bright_ratio(volume: np.ndarray, median: float, ijk) -> float:
    """Largest value over the 26 neighbours of ``ijk`` divided by the brain's ``median``."""
    peak = float(np.nanmax(volume[neighbourhood(volume.shape, ijk)]))
    return peak / median if median > 0 else float("nan")


def _one_per_focus(
    candidates: list[Candidate], spacing, across_visits: bool = False
) -> list[Candidate]:
    """Keep the best-scoring candidate of each focus.

    Candidates of one visit (of any visit, ``across_visits``) closer than two
    voxels, or than half the larger focus's diameter plus a voxel, are one
    focus (the blob scales overlap on one lesion). Across visits the kept
    candidate records in ``visits_seen`` at how many visits its focus was found.
    """
    kept: list[Candidate] = []
    seen: dict[int, set[str]] = {}
    voxel = float(np.max(spacing))
    for candidate in sorted(candidates, key=lambda c: -c.score):
        same = next(
            (
                k
                for k in kept
                if (across_visits or k.session_id == candidate.session_id)
                and np.linalg.norm(np.subtract(k.position, candidate.position))
                < max(2 * voxel, max(k.diameter_mm, candidate.diameter_mm) / 2 + voxel)
            ),
            None,
        )
        if same is None:
            kept.append(candidate)
            seen[id(candidate)] = {candidate.session_id}
        else:
            seen[id(same)].add(candidate.session_id)
    if across_visits:
        for candidate in kept:
            candidate.features["visits_seen"] = len(seen[id(candidate)])
    return kept
