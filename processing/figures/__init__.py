"""Publication figures (DESIGN section 2, "Figures"), drawn with matplotlib's Agg canvas.

* :mod:`.timecourse_panel` - the Figure-2 style panel per parameter: each
  lesion's normalised difference against time relative to onset as a thin
  transparent line, the mean as a solid line, mean +- SD as a shaded band.
* :mod:`.montage` - one lesion across visits and modalities, cropped around it.
* :mod:`.output` - atomic PNG/SVG/PDF saving and :func:`render_rgba` for the app.

Figures are built as :class:`matplotlib.figure.Figure` objects bound to an Agg
canvas, never through pyplot: no global backend is selected, no GUI toolkit is
imported, and figures can be drawn in worker threads.
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.figures.montage import crop_slice, lesion_centre, lesion_montage
    from processing.figures.output import FORMATS, new_figure, render_rgba, save_figure
    from processing.figures.timecourse_panel import (
        PARAMETER_LABELS,
        PanelSeries,
        draw_timecourse_panel,
        panel_series,
        timecourse_figure,
    )

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "crop_slice": "montage",
        "lesion_centre": "montage",
        "lesion_montage": "montage",
        "FORMATS": "output",
        "new_figure": "output",
        "render_rgba": "output",
        "save_figure": "output",
        "PARAMETER_LABELS": "timecourse_panel",
        "PanelSeries": "timecourse_panel",
        "draw_timecourse_panel": "timecourse_panel",
        "panel_series": "timecourse_panel",
        "timecourse_figure": "timecourse_panel",
    },
)

__all__ = [
    "lesion_montage",
    "lesion_centre",
    "crop_slice",
    "save_figure",
    "render_rgba",
    "new_figure",
    "FORMATS",
    "timecourse_figure",
    "draw_timecourse_panel",
    "panel_series",
    "PanelSeries",
    "PARAMETER_LABELS",
]
