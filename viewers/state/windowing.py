"""Window/level: which data values map to black and white, per modality.

Quantitative maps get fixed presets in their physical units (so that the same
grey means the same R2* at every visit); raw images get a robust automatic
window from percentiles of the non-zero voxels of the volume's central region
(:func:`brain_window`: the middle half of each axis, where the brain is and
the bright skull and scalp are not, so brain contrast is not washed out). :func:`to_uint8` applies a
window once, producing the contiguous uint8 array that pyqtgraph draws on its
fast path (no per-paint float scaling, DESIGN section 6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewers.state.events import EventEmitter


@dataclass(frozen=True)
class Preset:
    """A fixed display range in the map's unit."""

    low: float
    high: float
    unit: str


#: Display presets by modality (BIDS suffix, derivative suffix or short map name).
PRESETS: dict[str, Preset] = {
    "R2starmap": Preset(0.0, 50.0, "1/s"),
    "T2starmap": Preset(0.0, 0.1, "s"),
    "R2map": Preset(0.0, 30.0, "1/s"),
    "T2map": Preset(0.0, 0.2, "s"),
    "R1map": Preset(0.0, 2.0, "1/s"),
    "T1map": Preset(0.0, 4.0, "s"),
    "MD": Preset(0.0, 3e-3, "mm2/s"),
    "FA": Preset(0.0, 1.0, ""),
    "UNIT1": Preset(0.0, 4095.0, "a.u."),
}

#: A preset is ignored when the data's robust maximum exceeds it this many times
#: (a map stored in other units, e.g. T1 in ms instead of s).
UNIT_MISMATCH_FACTOR = 20.0


def preset_for(modality: str | None) -> Preset | None:
    """Return the preset of a modality name, or None for raw images (use :func:`auto_window`).

    ``"md"`` and ``"model-tensor_param-md_dwimap"`` both find the MD preset.
    """
    if not modality:
        return None
    if modality in PRESETS:
        return PRESETS[modality]
    lowered = modality.lower()
    for name, preset in PRESETS.items():
        if lowered == name.lower() or f"param-{name.lower()}" in lowered:
            return preset
    return None


def auto_window(
    data: np.ndarray, *, percentiles: tuple[float, float] = (0.5, 99.5), max_samples: int = 200_000
) -> tuple[float, float]:
    """Return a robust display range from percentiles of the finite, non-zero voxels.

    Large volumes are subsampled with a fixed stride (deterministic). Returns
    ``(0, 1)`` for an empty or constant image.
    """
    flat = np.asarray(data).reshape(-1)
    stride = max(1, flat.size // max_samples)
    sample = flat[::stride].astype(np.float64, copy=False)
    sample = sample[np.isfinite(sample) & (sample != 0)]
    if sample.size == 0:
        return 0.0, 1.0
    low, high = np.percentile(sample, percentiles)
    if not high > low:
        low, high = float(sample.min()), float(sample.max())
    if not high > low:  # one non-zero value: show it against zero
        return min(0.0, float(low)), max(0.0, float(high))
    return float(low), float(high)


#: Fraction of each axis, centred, that :func:`brain_window` samples.
CENTRAL_FRACTION = 0.5


def brain_window(
    data: np.ndarray, *, percentiles: tuple[float, float] = (1.0, 99.5)
) -> tuple[float, float]:
    """Return an automatic window focused on the brain: percentiles of the volume's central region.

    The middle ``CENTRAL_FRACTION`` of every axis of a head image holds brain,
    not skull or scalp (whose bright fat would otherwise set the upper end).
    Falls back to :func:`auto_window` of the whole volume when that region is
    empty (a thin slab, a mask).
    """
    data = np.asarray(data)
    if data.ndim < 3 or min(data.shape[:3]) < 4:
        return auto_window(data, percentiles=percentiles)
    box = tuple(
        slice(int(n * (1 - CENTRAL_FRACTION) / 2), max(int(n * (1 + CENTRAL_FRACTION) / 2), 1))
        for n in data.shape[:3]
    )
    central = data[box]
    if not np.any(central):
        return auto_window(data, percentiles=percentiles)
    return auto_window(central, percentiles=percentiles)


def initial_window(data: np.ndarray, modality: str | None) -> tuple[float, float]:
    """Return the window a freshly opened image gets.

    Its modality's preset if that fits the data, else :func:`brain_window`.
    """
    auto = brain_window(data)
    preset = preset_for(modality)
    if preset is None or auto[1] > UNIT_MISMATCH_FACTOR * preset.high:
        return auto
    return preset.low, preset.high


def window_fits(window: tuple[float, float], reference: tuple[float, float]) -> bool:
    """Return True when a saved ``window`` suits an image whose own initial window is ``reference``.

    It must overlap ``reference`` and be at most :data:`UNIT_MISMATCH_FACTOR`
    times wider: a window kept in other units (a UNIT1 window, 4..3600, for an
    R1 map of 0..2 1/s) would show the whole image black or white.

    Examples
    --------
    >>> window_fits((0.5, 1.5), (0.0, 2.0)), window_fits((3.0, 3600.0), (0.0, 2.0))
    (True, False)
    """
    (low, high), (ref_low, ref_high) = window, reference
    overlaps = low < ref_high and high > ref_low
    return overlaps and high - low <= UNIT_MISMATCH_FACTOR * (ref_high - ref_low)


def to_uint8(data: np.ndarray, low: float, high: float) -> np.ndarray:
    """Window ``data`` into a C-contiguous uint8 array: ``low`` -> 0, ``high`` -> 255.

    Values outside the window saturate; NaN becomes 0.

    Examples
    --------
    >>> to_uint8(np.array([[-1.0, 0.0, 0.5, 1.0, 2.0]]), 0.0, 1.0).tolist()
    [[0, 0, 128, 255, 255]]
    """
    if not high > low:
        raise ValueError(f"window must have high > low, got [{low}, {high}]")
    scaled = np.asarray(data, dtype=np.float32) - np.float32(low)
    scaled *= np.float32(255.0 / (high - low))
    np.clip(scaled, 0.0, 255.0, out=scaled)
    scaled += np.float32(0.5)
    scaled[np.isnan(scaled)] = 0.0
    return np.ascontiguousarray(scaled.astype(np.uint8))


class WindowLevel:
    """The display range of one modality, shared by every view showing it.

    Attributes
    ----------
    changed : EventEmitter
        Emits ``low`` and ``high`` after a change.
    """

    def __init__(self, low: float = 0.0, high: float = 1.0) -> None:
        self._low, self._high = _checked(low, high)
        self.changed = EventEmitter()

    @property
    def low(self) -> float:
        """Value shown black."""
        return self._low

    @property
    def high(self) -> float:
        """Value shown white."""
        return self._high

    @property
    def window(self) -> float:
        """Width of the range (``high - low``)."""
        return self._high - self._low

    @property
    def level(self) -> float:
        """Centre of the range."""
        return (self._high + self._low) / 2

    def set_range(self, low: float, high: float) -> None:
        """Show ``low`` as black and ``high`` as white."""
        low, high = _checked(low, high)
        if (low, high) != (self._low, self._high):
            self._low, self._high = low, high
            self.changed.emit(low=low, high=high)

    def set_window_level(self, window: float, level: float) -> None:
        """Set the width and centre of the range (the classic W/L pair)."""
        self.set_range(level - window / 2, level + window / 2)

    def drag(self, dx: float, dy: float) -> None:
        """Change the contrast by a mouse drag.

        ``dx`` view widths right multiply the width by ``e**dx``; ``dy`` view heights up raise
        the level by ``dy`` window widths.
        """
        self.set_window_level(self.window * float(np.exp(dx)), self.level + float(dy) * self.window)

    def apply(self, data: np.ndarray) -> np.ndarray:
        """Pre-window ``data`` into contiguous uint8 with this range."""
        return to_uint8(data, self._low, self._high)


def _checked(low: float, high: float) -> tuple[float, float]:
    low, high = float(low), float(high)
    if not (np.isfinite(low) and np.isfinite(high) and high > low):
        raise ValueError(f"window must be finite with high > low, got [{low}, {high}]")
    return low, high
