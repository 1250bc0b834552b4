"""Window/level model, presets and pre-windowing into uint8."""

import numpy as np
import pytest

from viewers.state import WindowLevel, auto_window, preset_for, to_uint8
from viewers.state.windowing import initial_window


def test_to_uint8_maps_window_ends_and_saturates():
    data = np.array([[-10.0, 0.0, 25.0, 50.0, 80.0, np.nan]])
    out = to_uint8(data, 0.0, 50.0)
    assert out.dtype == np.uint8 and out.flags.c_contiguous
    assert out.tolist() == [[0, 0, 128, 255, 255, 0]]


def test_to_uint8_of_a_transposed_view_is_contiguous():
    data = np.arange(12, dtype=np.float64).reshape(3, 4).T
    out = to_uint8(data, 0, 11)
    assert out.flags.c_contiguous and out[0, 1] == round(4 * 255 / 11)


def test_presets_in_physical_units():
    assert (preset_for("R2starmap").low, preset_for("R2starmap").high) == (0.0, 50.0)
    assert preset_for("model-tensor_param-md_dwimap").high == pytest.approx(3e-3)
    assert preset_for("md") is preset_for("MD")
    assert preset_for("FLAIR") is None


def test_initial_window_uses_preset_unless_units_disagree():
    r2star = np.random.default_rng(0).uniform(5, 40, (10, 10, 10))
    assert initial_window(r2star, "R2starmap") == (0.0, 50.0)
    t1_in_ms = np.random.default_rng(0).uniform(800, 2500, (10, 10, 10))
    low, high = initial_window(t1_in_ms, "T1map")
    assert low > 700 and high < 2600


def test_auto_window_ignores_background_and_outliers():
    data = np.zeros((40, 40, 40))
    data[10:30, 10:30, 10:30] = np.linspace(100, 200, 8000).reshape(20, 20, 20)
    data[0, 0, 0] = 1e6
    low, high = auto_window(data)
    assert 100 <= low < 105 and 195 < high <= 200.5
    assert auto_window(np.zeros((4, 4))) == (0.0, 1.0)
    assert auto_window(np.full((4, 4), 7.0)) == (0.0, 7.0)


def test_window_level_model_events_and_w_l():
    window = WindowLevel(0, 100)
    events = []
    window.changed.connect(lambda low, high: events.append((low, high)))
    window.set_window_level(40, 50)
    window.set_range(30, 70)  # same range: no event
    assert (window.low, window.high, window.window, window.level) == (30, 70, 40, 50)
    assert events == [(30, 70)]
    assert window.apply(np.array([30.0, 70.0])).tolist() == [0, 255]
    with pytest.raises(ValueError):
        window.set_range(5, 5)


def test_drag_widens_and_raises_the_window():
    window = WindowLevel(0, 100)
    window.drag(np.log(2.0), 0.0)
    assert (window.low, window.high) == pytest.approx((-50, 150))
    window.drag(0.0, 0.25)
    assert window.level == pytest.approx(100) and window.window == pytest.approx(200)
