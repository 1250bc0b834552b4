"""The consensus legend's swatches look like the grid's layers: outlines hollow, fills translucent."""

from __future__ import annotations

import pytest

from app.consensus_legend import BACKGROUND, SWATCH, Legend, legend_rows, swatch
from viewers.state.compared import OVERLAP_OPACITY
from viewers.state.overlays import COMPARED_COLOURS

pytestmark = pytest.mark.gui


def rgb(image, x: int, y: int) -> tuple[int, int, int]:
    colour = image.pixelColor(x, y)
    return colour.red(), colour.green(), colour.blue()


def test_outline_swatches_are_hollow_and_fill_swatches_blend_over_the_image(qtbot):
    outline = swatch("outline", COMPARED_COLOURS["A"]).toImage()
    assert rgb(outline, 3, SWATCH[1] // 2) == COMPARED_COLOURS["A"]  # its left edge
    background = (BACKGROUND.red(), BACKGROUND.green(), BACKGROUND.blue())
    assert rgb(outline, SWATCH[0] // 2, SWATCH[1] // 2) == background  # hollow
    overlap = swatch("overlap", COMPARED_COLOURS["overlap"]).toImage()
    centre = rgb(overlap, SWATCH[0] // 2, SWATCH[1] // 2)
    blended = [
        b + OVERLAP_OPACITY * (c - b)
        for b, c in zip(background, COMPARED_COLOURS["overlap"], strict=True)
    ]
    assert centre == pytest.approx(blended, abs=2)


def test_the_legend_names_both_raters_their_overlap_and_the_consensus(qtbot):
    legend = Legend({"AB": None, "CD": None}, "lead")
    qtbot.addWidget(legend)
    assert legend.text().splitlines() == [text for *_, text in legend_rows(["AB", "CD"], "lead")]
    assert (
        "rater AB (A) only: outline" in legend.text()
        and "marked by both AB and CD" in legend.text()
    )
    assert "consensus lead: filled" in legend.text()
    assert {how for how, *_ in legend.rows} == {"outline", "overlap", "fill"}
