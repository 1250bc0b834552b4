"""One run of the analysis: time courses, statistics and the Figure-2 panels as pixels.

Runs in a worker thread (never touches Qt). The labels may be a snapshot of the
rater's live label volume, so a stroke shows up before the label file is
rewritten; lesion onsets and exclusions are read from the rater's store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from processing.progress import Progress, null_progress


@dataclass(frozen=True)
class AnalysisRequest:
    """What to analyse: one participant of one rater, optionally with live labels."""

    study_root: Path
    rater: str
    participant: str
    labels: np.ndarray | None = field(default=None, compare=False)
    dpi: int = 80


@dataclass
class AnalysisResult:
    """Rows of the long table, the statistics table and the rendered figure (RGBA uint8)."""

    request: AnalysisRequest
    rows: list
    statistics: list[dict]
    image: np.ndarray
    lesions: int


def compute_analysis(request: AnalysisRequest, progress: Progress | None = None) -> AnalysisResult:
    """Compute everything the panel shows; :class:`~processing.errors.Cancelled` if cancelled."""
    from processing.figures import render_rgba, timecourse_figure
    from processing.stats import timecourse_statistics
    from processing.study import discover
    from processing.timecourses import compute_timecourses
    from processing.timecourses.loader import load_rater_lesions, participant_visits

    progress = progress or null_progress()
    study = discover(request.study_root)
    progress.check()
    stored = load_rater_lesions(request.study_root, request.rater, request.participant)
    labels = stored.labels if request.labels is None else request.labels
    present = set(np.unique(labels).tolist())
    lesions = [lesion for lesion in stored.lesions if lesion.lesion_id in present]
    visits = participant_visits(study, request.participant, labels.shape, stored.affine)
    rows = compute_timecourses(
        visits,
        labels,
        lesions,
        participant=request.participant,
        rater=request.rater,
        progress=progress.child(0.0, 0.7),
    )
    progress.check()
    statistics = timecourse_statistics(rows)
    progress.check()
    image = render_rgba(timecourse_figure(rows), dpi=request.dpi)
    progress.update(1.0, "analysis done")
    return AnalysisResult(request, rows, statistics, image, len(lesions))
