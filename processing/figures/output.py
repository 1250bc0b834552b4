"""Saving figures (PNG, SVG, PDF; atomic) and rendering them to pixels for the app.

Figures are :class:`matplotlib.figure.Figure` objects made without pyplot, so
no global backend is touched and no GUI toolkit is imported; drawing uses the
Agg canvas, which is safe in worker threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from processing.fileio import atomic_path

FORMATS = ("png", "svg", "pdf")


def new_figure(width_in: float, height_in: float) -> Figure:
    """Return a figure bound to an Agg canvas (no pyplot, no window)."""
    figure = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save_figure(
    figure: Figure, stem: str | Path, formats: Sequence[str] = FORMATS, *, dpi: int = 200
) -> list[Path]:
    """Write ``stem.png``, ``stem.svg`` and ``stem.pdf`` (or ``formats``) atomically.

    Parameters
    ----------
    figure : Figure
        The figure to save.
    stem : str or Path
        Output path without extension (an extension present is replaced).
    formats : sequence of str
        File formats, by extension.
    dpi : int
        Resolution of raster output.

    Returns
    -------
    list of Path
        The files written.
    """
    stem = Path(stem)
    if stem.suffix.lstrip(".").lower() in FORMATS:
        stem = stem.with_suffix("")
    written = []
    for fmt in formats:
        target = stem.with_name(f"{stem.name}.{fmt}")
        with atomic_path(target) as tmp:
            figure.savefig(tmp, format=fmt, dpi=dpi, metadata=_metadata(fmt))
        written.append(target)
    return written


def _metadata(fmt: str) -> dict | None:
    # Fixed metadata keeps SVG/PDF output reproducible (no creation date).
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return None


def render_rgba(figure: Figure, *, dpi: int | None = None) -> np.ndarray:
    """Draw the figure and return its pixels, shape (height, width, 4), uint8.

    The app's analysis panel calls this in a worker and shows the array in the
    GUI thread, so the GUI never waits for matplotlib.
    """
    if dpi is not None:
        figure.set_dpi(dpi)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()
