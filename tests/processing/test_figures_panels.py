"""Figure-2 panels and lesion montages: what is drawn, and the files written."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from processing.figures import (
    crop_slice,
    lesion_centre,
    lesion_montage,
    panel_series,
    render_rgba,
    save_figure,
    timecourse_figure,
)


def row(lesion, t, value, parameter="MD", excluded=False):
    return {
        "participant": "sub-01",
        "rater": "A",
        "lesion_id": lesion,
        "parameter": parameter,
        "visits_from_onset": t,
        "weeks_from_onset": 4.0 * t,
        "normalised_difference": value,
        "excluded": excluded,
    }


ROWS = [
    row(1, -1, 0.0),
    row(1, 0, 4.0),
    row(1, 1, 2.0),
    row(2, -1, 0.0),
    row(2, 0, 2.0),
    row(2, 1, 1.0),
    row(2, 2, 0.5),
    row(3, 0, 99.0, excluded=True),
    row(4, 0, float("nan")),
    row(1, 0, -1.0, parameter="FA"),
    row(2, 0, -3.0, parameter="FA"),
]


def test_panel_series_by_hand():
    series = panel_series(ROWS, "MD")
    assert sorted(series.lines) == [
        ("sub-01", "A", 1),
        ("sub-01", "A", 2),
    ]  # excluded and NaN-only left out
    assert series.x.tolist() == [-1, 0, 1, 2]
    assert series.mean.tolist() == [0.0, 3.0, 1.5, 0.5]
    assert series.sd == pytest.approx([0.0, np.sqrt(2.0), np.sqrt(0.5), 0.0])
    assert series.n.tolist() == [2, 2, 2, 1]
    assert panel_series(ROWS, "MD", x="weeks_from_onset").x.tolist() == [-4, 0, 4, 8]


def test_timecourse_figure_saves_png_svg_pdf(tmp_path):
    figure = timecourse_figure(ROWS)
    titles = [ax.get_title() for ax in figure.axes if ax.get_visible()]
    assert titles == ["MD  (n=2 lesions)", "FA  (n=2 lesions)"]
    written = save_figure(figure, tmp_path / "fig2.png")
    assert [p.name for p in written] == ["fig2.png", "fig2.svg", "fig2.pdf"]
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in written[1].read_bytes()[:2000]
    assert written[2].read_bytes()[:5] == b"%PDF-"
    assert not list(tmp_path.glob(".*"))  # no temporary left behind
    pixels = render_rgba(figure, dpi=50)
    assert pixels.dtype == np.uint8 and pixels.shape[2] == 4 and pixels.std() > 0


def test_crop_slice_pads_outside_the_volume_and_centre():
    volume = np.arange(5 * 6 * 7, dtype=float).reshape(5, 6, 7)
    crop = crop_slice(volume, (0, 3, 2), axis=2, half_width=1)
    assert crop.shape == (3, 3) and np.isnan(crop[0]).all()
    assert crop[1:, :].tolist() == volume[0:2, 2:5, 2].tolist()
    labels = np.zeros((9, 9, 9), int)
    labels[2:5, 4, 6] = 7
    assert lesion_centre(labels, 7) == (3, 4, 6)
    with pytest.raises(ValueError):
        lesion_centre(labels, 1)


def test_lesion_montage_grid_and_missing_cell(tmp_path):
    labels = np.zeros((20, 20, 10), int)
    labels[9:12, 9:12, 5] = 1
    rng = np.random.default_rng(0)
    volumes = {
        f"ses-0{v}": {
            "DWI": rng.normal(100, 5, labels.shape) + 80 * (labels == 1) * (v == 2),
            "R2*": rng.normal(16, 1, labels.shape),
        }
        for v in (1, 2, 3)
    }
    del volumes["ses-03"]["R2*"]
    figure = lesion_montage(volumes, labels, 1, half_width=6)
    axes = figure.axes
    assert len(axes) == 6 and axes[0].get_title() == "ses-01" and axes[0].get_ylabel() == "DWI"
    assert axes[5].texts[0].get_text() == "missing" and not axes[5].images
    assert axes[1].images[0].get_array().shape == (13, 13)
    assert all(p.stat().st_size > 0 for p in save_figure(figure, tmp_path / "montage"))


def test_figures_import_no_gui_toolkit():
    code = (
        "import sys, processing.figures; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'tkinter')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_panel_series_reads_rows_back_from_the_csv_as_text():
    def as_text(value):
        if isinstance(value, float) and value != value:
            return ""
        return str(value)

    text_rows = [
        {key: as_text(value) for key, value in r.items()} for r in ROWS
    ]  # "False", "-1", ""
    from_text, direct = panel_series(text_rows, "MD"), panel_series(ROWS, "MD")
    assert len(from_text.lines) == 2 and from_text.x.tolist() == direct.x.tolist()
    assert (
        from_text.mean.tolist() == direct.mean.tolist()
        and from_text.n.tolist() == direct.n.tolist()
    )
