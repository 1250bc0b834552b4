"""Viewer speed and memory: the participant grid, 6 modalities x 10 visits, 1920x1080, offscreen.

Writes a synthetic participant (derived maps on realistic grids: DWI 1.7 mm,
GRE 0.8x0.8x2 mm, MP2RAGE 0.85 mm) with rigid ``to-ref`` transforms, opens it
in the main window and prints one JSON object per figure:

- ``open_participant_s``: ``open()`` until the first image is drawn (maps on disk, OS cache warm);
  ``open_all_visible_s``: until every visible view has its image.
- ``slice_change_p95_ms`` (and ``_p50_ms``): one slice step until every visible view is
  repainted (a synchronous ``repaint()`` of the grid, timed until it returns).
- ``cursor_move_p95_ms`` (and ``_p50_ms``): an in-plane cursor move until the crosshairs are repainted.
- ``memory_mb``: resident memory with the whole participant loaded.

The peer is the naive pyqtgraph path on the same slices: 60 ImageItems of
float32 data with automatic levels, every item updated each time.

Run: ``.venv/bin/python bench/viewer.py [--repeats 40] [--registered/--aligned]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nibabel as nib
import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GRIDS = {  # column -> (derived name, acquisition, shape, voxel mm, datatype)
    "b1000": ("desc-b1000_trace", "dwi", (128, 128, 80), 1.7, "dwi"),
    "b3000": ("desc-b3000_trace", "dwi", (128, 128, 80), 1.7, "dwi"),
    "MD": ("model-tensor_param-md_dwimap", "dwi", (128, 128, 80), 1.7, "dwi"),
    "R1": ("R1map", "UNIT1", (240, 256, 192), 0.85, "anat"),
    "SWI": ("desc-swi_GRE", "MEGRE", (288, 288, 75), (0.8, 0.8, 2.0), "anat"),
    "R2star": ("R2starmap", "MEGRE", (288, 288, 75), (0.8, 0.8, 2.0), "anat"),
}
VISITS = 10
SIZE = (1920, 1080)


def report(name, value, unit, peer=None, peer_value=None) -> None:
    print(
        json.dumps(
            {
                "name": name,
                "value": round(float(value), 3),
                "unit": unit,
                "peer": peer,
                "peer_value": None if peer_value is None else round(float(peer_value), 3),
            }
        ),
        flush=True,
    )


def p95(times: list[float]) -> float:
    return float(np.percentile(times, 95))


def p50(times: list[float]) -> float:
    return float(np.percentile(times, 50))


def head(shape, rng) -> np.ndarray:
    """Return an ellipsoid with texture (values 0..1000), float32."""
    axes = [np.linspace(-1, 1, n, dtype=np.float32) for n in shape]
    x, y, z = np.meshgrid(*axes, indexing="ij", sparse=True)
    radius = x**2 + y**2 + z**2
    image = (600 + 300 * np.sin(9 * x) * np.cos(7 * y)) * (radius < 0.8)
    return (image + rng.normal(0, 20, shape).astype(np.float32) * (radius < 0.8)).astype(np.float32)


def raw_dwi(folder: Path, prefix: str):
    """Return a raw DWI image file on the DWI grid (its header defines the reference grid)."""
    from processing.study.model import ImageFile

    shape, voxel = GRIDS["b1000"][2], GRIDS["b1000"][3]
    affine = np.diag([voxel] * 3 + [1.0])
    affine[:3, 3] = -affine[:3, :3] @ (np.array(shape) / 2)
    path = folder / "dwi" / f"{prefix}_dwi.nii.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(np.zeros(shape, np.int16), affine), str(path))
    return ImageFile(path, {"sub": "01"}, "dwi")


def write_study(root: Path, registered: bool):
    """Write the synthetic participant; return it as a Participant of the study model."""
    from processing.registration import store
    from processing.registration.geometry import rigid_matrix
    from processing.study.model import Acquisition, Participant, Visit

    rng = np.random.default_rng(0)
    participant = Participant("sub-01")
    start = dt.datetime(2024, 1, 1)
    for number in range(VISITS):
        session = f"ses-{number + 1:02d}"
        visit = Visit(
            "sub-01",
            session,
            root / "sub-01" / session,
            root,
            start + dt.timedelta(weeks=4 * number),
            4.0 * number,
        )
        visit.acquisitions = {kind: Acquisition(kind, []) for kind in ("dwi", "UNIT1", "MEGRE")}
        visit.acquisitions["dwi"] = Acquisition("dwi", [raw_dwi(visit.path, visit.prefix)])
        for column, (name, acquisition, shape, voxel, datatype) in GRIDS.items():
            path = visit.derivative(f"{name}.nii", datatype)
            path.parent.mkdir(parents=True, exist_ok=True)
            affine = np.diag(list(np.broadcast_to(voxel, 3)) + [1.0])
            affine[:3, 3] = -affine[:3, :3] @ (np.array(shape) / 2)
            nib.save(
                nib.Nifti1Image(head(shape, rng) * (1e-6 if column == "MD" else 1.0), affine),
                str(path),
            )
            visit.derived[f"{name}.nii"] = path
            if (
                registered
                and not store.sidecar_of(store.xfm_path(visit, acquisition, "ref")).exists()
            ):
                matrix = (
                    rigid_matrix(rng.normal(0, 2, 3), rng.normal(0, 1.5, 3))
                    if number
                    else np.eye(4)
                )
                store.write_transform(
                    store.xfm_path(visit, acquisition, "ref"),
                    matrix,
                    source=acquisition,
                    target="ref",
                    method="bench",
                    parameters={},
                    inputs=[],
                )
        participant.visits.append(visit)
    return participant


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def settle(app, widget) -> None:
    widget.repaint()
    app.processEvents()


def bench_grid(participant, repeats: int, app) -> dict:
    from app.main_window import MainWindow
    from processing.study.model import Study

    study = Study(participant.visits[0].study_root, {"sub-01": participant}, name="bench")
    window = MainWindow(study, settings_file=Path(tempfile.mkdtemp()) / "settings.json")
    window.session.grid.layout.set_columns(list(GRIDS))
    window.resize(*SIZE)
    window.show()
    app.processEvents()
    for path in {p for v in participant.visits for p in v.derived.values()}:
        path.read_bytes()  # "derived images cached": the maps exist and the OS has them in memory
    grid, views = window.session.grid, window.grid_view
    canvas = views.canvas
    started = time.perf_counter()
    window.session.open(participant)
    first = all_visible = None
    while all_visible is None and time.perf_counter() - started < 120:
        app.processEvents()
        shown = [
            v
            for v in views.views.values()
            if v.exposed() and v.model.volume is not None and not v._stale
        ]
        if shown and first is None:
            settle(app, canvas)
            first = time.perf_counter() - started
        if len(shown) == sum(v.exposed() for v in views.views.values()):
            settle(app, canvas)
            all_visible = time.perf_counter() - started
    window.wait_for_images(120)
    visible = sum(v.exposed() for v in views.views.values())
    slice_times, move_times, panel_times = [], [], []
    for step in range(repeats):
        began = time.perf_counter()
        window.session.step_slice(1 if step % 2 == 0 else -1)
        canvas.repaint()
        slice_times.append((time.perf_counter() - began) * 1e3)
        assert not any(v._stale for v in views.views.values() if v.exposed())
        app.processEvents()  # the side panels' throttled refreshes, untimed (see panel_pass)
        began = time.perf_counter()
        grid.cursor.move_by(grid.geometry.plane.u * (0.3 if step % 2 else -0.3), source="bench")
        canvas.repaint()
        move_times.append((time.perf_counter() - began) * 1e3)
        began = time.perf_counter()
        time.sleep(
            0.05
        )  # let the read-out/time-course timers expire: time one refresh of the panels
        panel_began = time.perf_counter()
        app.processEvents()
        panel_times.append((time.perf_counter() - panel_began) * 1e3)
    result = {
        "open_first": first,
        "open_all": all_visible,
        "slice": p95(slice_times),
        "move": p95(move_times),
        "slice50": p50(slice_times),
        "move50": p50(move_times),
        "panels": p95(panel_times),
        "memory": resident_mb(),
        "visible": visible,
        "views": len(views.views),
    }
    window.close()
    return result


def bench_naive(participant, repeats: int, app) -> dict:
    """60 ImageItems, float32 slices with automatic levels, every item updated each time."""
    import pyqtgraph as pg

    from viewers.state.volume import load_volume_file

    keys = [(v, c) for v in participant.visits for c in GRIDS]
    started = time.perf_counter()
    volumes = [load_volume_file(visit.derived[f"{GRIDS[c][0]}.nii"]).data for visit, c in keys]
    widget = pg.GraphicsLayoutWidget()
    widget.resize(*SIZE)
    items, lines = [], []
    for number, data in enumerate(volumes):
        box = widget.addViewBox(row=number // len(GRIDS), col=number % len(GRIDS), lockAspect=True)
        item = pg.ImageItem(data[:, :, data.shape[2] // 2])
        box.addItem(item)
        line = pg.InfiniteLine(angle=90)
        box.addItem(line)
        items.append(item)
        lines.append(line)
    widget.show()
    settle(app, widget)
    open_time = time.perf_counter() - started
    depth = {"z": 0.5}

    def update_all():
        for item, data in zip(items, volumes, strict=True):
            item.setImage(data[:, :, int(depth["z"] * (data.shape[2] - 1))], autoLevels=True)

    slice_times, move_times = [], []
    for step in range(repeats):
        depth["z"] = 0.5 + (0.01 if step % 2 == 0 else -0.01)
        began = time.perf_counter()
        update_all()
        settle(app, widget)
        slice_times.append((time.perf_counter() - began) * 1e3)
        began = time.perf_counter()
        for line in lines:
            line.setValue(step % 7)
        update_all()
        settle(app, widget)
        move_times.append((time.perf_counter() - began) * 1e3)
    widget.close()
    return {
        "open": open_time,
        "slice": p95(slice_times),
        "move": p95(move_times),
        "slice50": p50(slice_times),
        "move50": p50(move_times),
        "memory": resident_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=120)
    parser.add_argument(
        "--aligned", action="store_true", help="no to-ref transforms (header alignment only)"
    )
    args = parser.parse_args()
    from PySide6 import QtWidgets

    from app.screenshot import quiet_offscreen_notices

    quiet_offscreen_notices()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    with tempfile.TemporaryDirectory(prefix="ferret-bench-") as folder:
        participant = write_study(Path(folder), registered=not args.aligned)
        ours = bench_grid(participant, args.repeats, app)
        naive = bench_naive(participant, args.repeats, app)
    mode = "aligned" if args.aligned else "registered"
    peer = "naive pyqtgraph: 60 float32 ImageItems, autoLevels, all updated"
    report(
        "open_participant_s",
        ours["open_first"],
        "s",
        peer + " (sync load of all 60)",
        naive["open"],
    )
    report("open_all_visible_s", ours["open_all"], "s")
    report("slice_change_p95_ms", ours["slice"], "ms", peer, naive["slice"])
    report("cursor_move_p95_ms", ours["move"], "ms", peer, naive["move"])
    report("slice_change_p50_ms", ours["slice50"], "ms", peer, naive["slice50"])
    report("cursor_move_p50_ms", ours["move50"], "ms", peer, naive["move50"])
    report(
        "side_panels_refresh_p95_ms",
        ours["panels"],
        "ms (read-out, time courses; after a 40 ms pause)",
    )
    report("changes_timed", args.repeats, "slice steps and as many cursor moves")
    report("memory_mb", ours["memory"], "MB", peer + " (same process, after ours)", naive["memory"])
    report("visible_views", ours["visible"], f"of {ours['views']} views ({mode})")


if __name__ == "__main__":
    main()
