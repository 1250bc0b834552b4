"""Per-lesion time courses (DESIGN section 2, "Per-lesion time course").

For every lesion of a rater (or of the consensus) and every visit, the mean of
each available parameter (DWI trace per shell, MD, FA, R1, R2, R2*) in the
lesion and in its control ring, counting only voxels whose R2* lies in
[5, 30] 1/s; the lesion-minus-control difference; that difference minus its
mean over the visits before onset; time relative to onset in visits and weeks;
the classes pre-lesional / lesional / post-lesional; and exclusions with their
reason. Everything works on arrays already in one reference grid:

* :mod:`.model` - input records (:class:`VisitVolumes`, :class:`LesionInfo`)
  and the output row (:class:`TimecourseRow`).
* :mod:`.rois` - lesion and control masks, the R2* filter, ROI means.
* :mod:`.compute` - :func:`compute_timecourses`, the entry point.
* :mod:`.realign` - onset alignment, normalisation, classes, exclusions.
* :mod:`.loader` - reads a study's resampled maps and a rater's lesions.
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.timecourses.compute import compute_timecourses, visits_from_dicts
    from processing.timecourses.model import (
        CLASSES,
        COLUMNS,
        ONSET,
        PARAMETER_ORDER,
        POST,
        PRE,
        R2STAR_RANGE,
        LesionInfo,
        TimecourseRow,
        VisitVolumes,
    )
    from processing.timecourses.rois import lesion_rois, r2star_keep, roi_mean

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "compute_timecourses": "compute",
        "visits_from_dicts": "compute",
        "CLASSES": "model",
        "COLUMNS": "model",
        "ONSET": "model",
        "PARAMETER_ORDER": "model",
        "POST": "model",
        "PRE": "model",
        "R2STAR_RANGE": "model",
        "LesionInfo": "model",
        "TimecourseRow": "model",
        "VisitVolumes": "model",
        "lesion_rois": "rois",
        "r2star_keep": "rois",
        "roi_mean": "rois",
    },
)

__all__ = [
    "compute_timecourses",
    "visits_from_dicts",
    "LesionInfo",
    "VisitVolumes",
    "TimecourseRow",
    "COLUMNS",
    "CLASSES",
    "PRE",
    "ONSET",
    "POST",
    "PARAMETER_ORDER",
    "R2STAR_RANGE",
    "lesion_rois",
    "r2star_keep",
    "roi_mean",
]
