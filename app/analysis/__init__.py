"""The live analysis panel: time-course figures and statistics that follow the rater's masks.

* :mod:`.compute` - one analysis run (time courses of the participant, the
  repeated-measures statistics, the Figure-2 panels drawn to pixels), no Qt.
* :mod:`.worker` - runs the computation in a ``QThreadPool``; a newer request
  cancels and supersedes the one in flight; results come back as a signal.
* :mod:`.panel` - :class:`AnalysisPanel`: the figure image and the statistics table.
* :mod:`.attach` - :func:`attach_analysis` docks the panel in a main window and
  recomputes (debounced) when the rater's label volume changes, or when the
  label file's stamp changes for a rater given by ID.
"""

from app.analysis.attach import AnalysisAttachment, attach_analysis
from app.analysis.compute import AnalysisRequest, AnalysisResult, compute_analysis
from app.analysis.panel import AnalysisPanel
from app.analysis.worker import AnalysisRunner

__all__ = [
    "attach_analysis",
    "AnalysisAttachment",
    "AnalysisPanel",
    "AnalysisRunner",
    "AnalysisRequest",
    "AnalysisResult",
    "compute_analysis",
]
