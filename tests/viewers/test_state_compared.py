"""A consensus grid's colours: the two raters outlined together, their overlap filled (no Qt)."""

from __future__ import annotations

import numpy as np

from viewers.state.compared import OVERLAP_OPACITY, compared_rgba, layer_pictures
from viewers.state.overlays import COMPARED_COLOURS, RATER_COLOURS, LabelLayer
from viewers.state.overlays import outline as outline_of
from viewers.state.slicing import PlaneSlice
from viewers.state.tools.label_slice import PALETTE, overlay_rgba
from viewers.state.volume import Volume

A, B, BOTH = COMPARED_COLOURS["A"], COMPARED_COLOURS["B"], COMPARED_COLOURS["overlap"]


def square(rows: slice, cols: slice, shape=(12, 12)) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[rows, cols] = True
    return mask


def colour_at(rgba: np.ndarray, pixel) -> tuple:
    return tuple(int(v) for v in rgba[pixel][:3])


def test_each_rater_is_outlined_in_its_colour_and_the_overlap_is_filled():
    in_a, in_b = square(slice(2, 7), slice(2, 7)), square(slice(4, 10), slice(4, 10))
    rgba = compared_rgba(in_a, in_b, opacity=0.8)
    assert colour_at(rgba, (2, 3)) == A and rgba[2, 3, 3] == round(255 * 0.8)  # A's edge only
    assert colour_at(rgba, (9, 7)) == B  # B's edge only
    assert colour_at(rgba, (5, 5)) == BOTH and rgba[5, 5, 3] == round(255 * OVERLAP_OPACITY)
    assert rgba[3, 3, 3] == 0  # inside A only: not drawn
    assert rgba[0, 0, 3] == 0 and rgba[11, 11, 3] == 0  # outside both
    drawn = rgba[..., 3] > 0
    both = in_a & in_b
    assert np.array_equal(drawn & ~both, outline_of(in_a | in_b) & ~both)
    assert colour_at(rgba, (4, 6)) == BOTH and rgba[4, 6, 3] == round(255 * OVERLAP_OPACITY)
    assert colour_at(rgba, (6, 4)) == BOTH  # A's edge inside B: both marked it


def test_a_voxel_of_a_tiny_lesion_has_the_colour_of_who_marked_it():
    in_a = square(slice(4, 5), slice(4, 5))  # one voxel, inside B's three by three
    in_b = square(slice(3, 6), slice(3, 6))
    rgba = compared_rgba(in_a, in_b, opacity=0.6)
    assert colour_at(rgba, (4, 4)) == BOTH and rgba[4, 4, 3] == round(255 * OVERLAP_OPACITY)
    ring = [(3, 3), (3, 4), (3, 5), (4, 3), (4, 5), (5, 3), (5, 4), (5, 5)]
    assert {colour_at(rgba, pixel) for pixel in ring} == {B}
    same = square(slice(3, 8), slice(3, 8))
    identical = compared_rgba(same, same)
    assert {colour_at(identical, p) for p in zip(*np.nonzero(same), strict=True)} == {BOTH}
    assert identical[3, 3, 3] == 255 and identical[5, 5, 3] == round(255 * OVERLAP_OPACITY)


def layer(role: str, colour) -> LabelLayer:
    volume = Volume(np.zeros((2, 2, 2), np.float32), np.eye(4), "labels", "rater")
    return LabelLayer(f"rater {role or 'D'}", volume, colour, role=role)


def cut(mask: np.ndarray, u0: float = 0.0) -> PlaneSlice:
    return PlaneSlice(mask, u0, 0.0, 1.0, 1.0, 0.0, True)


def test_the_compared_pair_makes_one_picture_and_other_layers_keep_their_style():
    in_a, in_b = square(slice(2, 7), slice(2, 7)), square(slice(4, 10), slice(4, 10))
    other = square(slice(0, 3), slice(8, 12))
    cuts = [(layer("A", A), cut(in_a)), (layer("B", B), cut(in_b))]
    cuts.append((layer("", RATER_COLOURS[3]), cut(other)))
    (pair, pair_rect), (single, _) = layer_pictures(cuts, mode="fill", opacity=0.6)
    assert np.array_equal(pair, compared_rgba(in_a, in_b, opacity=0.6))
    assert pair_rect == cuts[0][1].rect
    assert np.array_equal(single[..., 3] > 0, other)  # filled, as the style says
    assert colour_at(single, (1, 9)) == RATER_COLOURS[3]


def test_one_rater_alone_on_a_slice_is_outlined_even_in_fill_mode():
    in_a = square(slice(2, 7), slice(2, 7))
    ((rgba, _),) = layer_pictures([(layer("A", A), cut(in_a))], mode="fill")
    assert np.array_equal(rgba[..., 3] > 0, outline_of(in_a))
    shifted = [(layer("A", A), cut(in_a)), (layer("B", B), cut(in_a, u0=3.0))]
    assert len(layer_pictures(shifted)) == 2  # not on the same pixels: drawn apart


def test_the_consensus_mask_can_have_one_colour_distinct_from_the_raters():
    ids = np.zeros((6, 6), np.int32)
    ids[1:3, 1:3], ids[3:5, 3:5] = 1, 2
    rgba = overlay_rgba(ids, "fill", 0.5, None, COMPARED_COLOURS["consensus"])
    assert colour_at(rgba, (1, 1)) == colour_at(rgba, (4, 4)) == COMPARED_COLOURS["consensus"]
    palette = overlay_rgba(ids, "fill", 0.5)
    assert colour_at(palette, (1, 1)) == tuple(PALETTE[0])
    assert len(set(COMPARED_COLOURS.values())) == 4  # A, B, overlap and consensus differ
