"""The largest diameter does not inflate one-to-three-voxel lesions, and only clearly large CMIs warn."""

from __future__ import annotations

import numpy as np
import pytest

from processing.annotations.geometry import diameter_warning, measure_lesions
from processing.spaces.grid import Grid


def grid(spacing, shape=(40, 40, 40)) -> Grid:
    return Grid(shape, np.diag([*spacing, 1.0]))


def diameter(ijk, spacing) -> float:
    g = grid(spacing)
    labels = np.zeros(g.shape, dtype=np.int16)
    labels[tuple(np.asarray(ijk).T)] = 1
    return measure_lesions(labels, g)[1].diameter_mm


@pytest.mark.parametrize(
    "ijk, spacing, expected",
    [
        ([(5, 5, 5)], (2.0, 2.0, 2.0), 2.0),  # one voxel: its edge
        ([(5, 5, 5), (6, 5, 5)], (3.0, 3.0, 3.0), 54.0 ** (1 / 3)),  # two face neighbours: 3.8 mm
        ([(5, 5, 5), (6, 6, 5)], (3.0, 3.0, 3.0), 3.0 * 2**0.5),  # the case (was 8.5 mm)
        ([(5, 5, 5), (6, 5, 5), (7, 5, 5)], (3.0, 3.0, 3.0), 6.0),  # three in a row: 6 mm apart
        ([(5, 5, 5)], (0.8, 0.8, 2.0), 1.28 ** (1 / 3)),  # anisotropic GRE voxel
    ],
)
def test_small_lesions_measure_what_their_voxels_allow(ijk, spacing, expected):
    assert diameter(ijk, spacing) == pytest.approx(expected)


@pytest.mark.parametrize("true_diameter", [2.0, 3.0, 4.0, 4.8, 6.0, 8.0])
def test_painted_spheres_measure_within_one_voxel_below_their_true_diameter(true_diameter):
    spacing = 0.5
    centre = np.array([20.3, 19.8, 20.1])  # off the voxel grid
    ijk = np.argwhere(np.ones((40, 40, 40), bool))
    inside = ijk[np.linalg.norm(ijk - centre, axis=1) * spacing <= true_diameter / 2]
    measured = diameter(inside, (spacing,) * 3)
    assert true_diameter - spacing - 1e-9 <= measured <= true_diameter + 1e-9
    warning = diameter_warning("A-CMI", measured)
    assert (warning is not None) == (true_diameter > 5.5), (true_diameter, measured)


def test_the_warning_is_for_microinfarcts_clearly_above_five_millimetres():
    assert diameter_warning("A-CMI", 5.0) is None
    assert "5.2 mm" in diameter_warning("C-CMI", 5.2)
    assert diameter_warning("CMB", 9.0) is None
    two_dwi_voxels = diameter([(5, 5, 5), (6, 6, 5)], (3.0, 3.0, 3.0))
    assert diameter_warning("A-CMI", two_dwi_voxels) is None  # was "8.5 mm: ... smaller than 5 mm"
