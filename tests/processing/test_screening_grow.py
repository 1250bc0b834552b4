"""Region growing of an accepted candidate on plain arrays: half maximum, the noise floor, the 5 mm ball."""

from __future__ import annotations

import numpy as np
import pytest

from processing.errors import FerretError
from processing.screening.grow import GrowSettings, grow_region

AFFINE = np.diag([1.0, 1.0, 1.0, 1.0])


def flat(seed: int = 0, shape=(24, 24, 24)) -> np.ndarray:
    return 100 + np.random.default_rng(seed).normal(0, 2, shape)


def test_the_peak_is_found_next_to_the_seed_and_half_its_contrast_decides():
    image = flat()
    image[12, 12, 12] = 200  # the peak, one voxel off the seed
    image[11, 12, 12] = 160  # above half the contrast (150)
    image[13, 12, 12] = 140  # below it
    grown = grow_region(image, AFFINE, (12, 11, 12))
    assert grown.voxels[0].tolist() == [12, 12, 12]
    assert sorted(map(tuple, grown.voxels.tolist())) == [(11, 12, 12), (12, 12, 12)]
    assert 99 < grown.baseline < 101 and 1 < grown.noise < 3 and 149 < grown.threshold < 151


def test_a_focus_within_the_noise_stays_its_peak_and_a_wide_one_stops_at_the_ball():
    image = flat(1)
    image[10:15, 10:15, 10:15] = 100
    image[12, 12, 12], image[12, 12, 13] = 103, 102  # faint: below the noise floor, peak kept
    assert len(grow_region(image, AFFINE, (12, 12, 12)).voxels) == 1
    image[8:17, 8:17, 8:17] = 300
    grown = grow_region(image, AFFINE, (12, 12, 12), GrowSettings(max_diameter_mm=3.0))
    offsets = grown.voxels - grown.voxels[0]
    distance = np.linalg.norm(offsets, axis=1)
    assert len(grown.voxels) == 19 and distance.max() <= 1.5  # the 3 mm ball: faces and edges


def test_a_seed_outside_the_image_or_the_brain_is_one_clear_error():
    image = flat()
    with pytest.raises(FerretError, match="outside the trace image"):
        grow_region(image, AFFINE, (40, 0, 0))
    image[:] = 0
    with pytest.raises(FerretError, match="no signal"):
        grow_region(image, AFFINE, (12, 12, 12))
