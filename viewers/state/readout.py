"""The cursor readout of the status bar: world mm, voxel index and value, as text."""

from __future__ import annotations

import numpy as np

from viewers.state.volume import Volume


def format_value(value: float | None) -> str:
    """Return a voxel value with sensible precision (``"-"`` outside the image)."""
    if value is None or not np.isfinite(value):
        return "-"
    magnitude = abs(value)
    if magnitude == 0 or 1e-2 <= magnitude < 1e6:
        return f"{value:.5g}"
    return f"{value:.3e}"


def cursor_readout(volume: Volume | None, position) -> str:
    """``"RAS (x, y, z) mm | voxel (i, j, k) | value v"`` for the status bar."""
    x, y, z = (float(c) for c in position)
    text = f"RAS ({x:.1f}, {y:.1f}, {z:.1f}) mm"
    if volume is None:
        return text
    voxel = volume.voxel_at(position)
    if voxel is None:
        return f"{text} | outside the image"
    value = format_value(volume.value_at(position))
    return f"{text} | voxel ({voxel[0]}, {voxel[1]}, {voxel[2]}) | value {value}"
