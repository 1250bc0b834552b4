"""Viewer speed: slicing, pre-windowing and redrawing many linked views.

Prints one JSON object per figure: name, value, unit, peer, peer_value. The
peer of the uint8 redraw is pyqtgraph drawing the same float32 slices with
explicit levels (its slower path); the peer of straight slicing is resampling.

Run: ``.venv/bin/python bench/viewer.py [--views 60] [--repeats 20]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def timed(function, repeats: int) -> float:
    """Median wall time of ``function()`` in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def report(name, value, unit="ms", peer=None, peer_value=None) -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit, "peer": peer,
                      "peer_value": None if peer_value is None else round(peer_value, 3)}))


def bench_state(repeats: int) -> None:
    from scipy.spatial.transform import Rotation

    from viewers.state import extract_plane, plane_for, to_uint8

    volume = np.random.default_rng(0).random((256, 256, 180), dtype=np.float32)
    straight = np.diag([1.0, 1.0, 1.0, 1.0])
    oblique = np.eye(4)
    oblique[:3, :3] = Rotation.from_euler("zx", [12, 8], degrees=True).as_matrix()
    plane = plane_for("axial")
    t_straight = timed(lambda: extract_plane(volume, straight, plane, (0, 0, 90)), repeats)
    t_oblique = timed(lambda: extract_plane(volume, oblique, plane, (0, 0, 90)), repeats)
    report("slice_straight_256x256", t_straight, peer="map_coordinates resampling", peer_value=t_oblique)
    plane_slice = extract_plane(volume, straight, plane, (0, 0, 90)).data
    report("window_to_uint8_256x256", timed(lambda: to_uint8(plane_slice, 0.1, 0.9), repeats))


def bench_views(n_views: int, repeats: int) -> None:
    from PySide6 import QtWidgets

    from viewers.state import ViewGeometry, WindowLevel, WorldCursor
    from viewers.state.slice_view_model import SliceViewModel
    from viewers.state.volume import Volume
    from viewers.widgets import SliceView

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    cursor, geometry, window = WorldCursor(), ViewGeometry(), WindowLevel()
    data = np.random.default_rng(1).random((200, 200, 60), dtype=np.float32)
    volume = Volume.from_array(data, np.eye(4), "FLAIR")
    grid = QtWidgets.QWidget()
    layout = QtWidgets.QGridLayout(grid)
    views = []
    for n in range(n_views):
        model = SliceViewModel(cursor, geometry, window)
        model.set_volume(volume, reset_window=False)
        views.append(SliceView(model))
        layout.addWidget(views[-1], n // 10, n % 10)
    window.set_range(0.0, 1.0)
    cursor.set_position(volume.centre)
    grid.resize(10 * 200, (n_views + 9) // 10 * 200)
    grid.show()
    app.processEvents()
    depth = {"z": 30}

    def next_slice_and_paint():
        depth["z"] = 20 + (depth["z"] + 1) % 20
        cursor.set_position((100.0, 100.0, float(depth["z"])))
        grid.grab()

    def move_in_plane():
        cursor.set_position((100.0 + np.random.random(), 100.0, float(depth["z"])))
        app.processEvents()

    t_full = timed(next_slice_and_paint, repeats)
    slices = [np.ascontiguousarray(data[:, :, z].T) for z in range(20, 40)]
    as_uint8 = [window.apply(s) for s in slices]

    def paint(arrays, levels):
        def run():
            depth["z"] = (depth["z"] + 1) % len(arrays)
            for view in views:
                view.image_item.setImage(arrays[depth["z"]], levels=levels, autoLevels=False)
            grid.grab()
        return run

    t_uint8 = timed(paint(as_uint8, (0, 255)), repeats)
    t_float = timed(paint(slices, (0.0, 1.0)), repeats)
    report(f"paint_{n_views}_views_200px_uint8", t_uint8, peer="pyqtgraph float32 with levels",
           peer_value=t_float)
    report(f"slice_change_{n_views}_views_end_to_end", t_full)
    report(f"cursor_move_{n_views}_views_crosshair_only", timed(move_in_plane, repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    bench_state(args.repeats)
    bench_views(args.views, args.repeats)


if __name__ == "__main__":
    main()
