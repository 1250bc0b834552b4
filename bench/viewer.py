"""Viewer speed and memory: the participant grid, 6 modalities x 10 visits, 1920x1080, offscreen.

Writes a synthetic participant (derived maps on realistic grids: DWI 1.7 mm,
GRE 0.8x0.8x2 mm, MP2RAGE 0.85 mm) with rigid ``to-ref`` transforms, opens it
in the main window and prints one JSON object per figure (``name, value, unit,
peer, peer_value``, plus ``scale`` and ``display_mm``):

- ``open_participant_s``: ``open()`` until the first image is drawn (maps on disk, OS cache warm);
  ``open_all_visible_s``: until every visible view has its image;
  ``open_all_loaded_s``: until all 60 volumes are loaded (the peer: its whole open).
- ``slice_change_p95_ms`` (and ``_p50_ms``): one slice step of the focused image (visit 1's
  T1/R1: 0.85 mm at full scale) until every visible view is repainted (a synchronous
  ``repaint()`` of the grid, timed until it returns).
- ``cursor_move_p95_ms`` (and ``_p50_ms``): an in-plane cursor move until the crosshairs are repainted.
- ``memory_mb``: resident memory (VmRSS) with the whole participant loaded, and
  ``peak_memory_mb`` (VmHWM); ``display_volumes_mb`` and ``source_volumes_mb``:
  the voxel bytes of the display volumes and of the images as read (read-outs).

Scales: ``default`` shows the images on the reference grid (visit 1's DWI,
1.7 mm); ``full`` on the anatomical display grid (0.85 mm, View -> Display
resolution). ``--scale both`` runs both. ``--float32`` stores the display
volumes as float32 on the display grid itself (no compact storage), for comparison.

The peer is the naive pyqtgraph path on the same images: 60 ImageItems of
float32 native volumes with automatic levels, every item updated each time
(unplaced: no registration, no common grid). Each side runs in its own child
process (same files, one after the other), so that each memory figure is that
side's alone.

Run: ``.venv/bin/python bench/viewer.py [--scale default|full|both] [--repeats 120] [--aligned]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
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
#: Display grid spacing by scale (None: the reference grid's own, visit 1's DWI).
SCALES = {"default": None, "full": 0.85}
FOCUS = ("ses-01", "R1")  # slice steps are slices of the finest image at either scale


def report(name, value, unit, peer=None, peer_value=None, **context) -> None:
    record = {
        "name": name,
        "value": round(float(value), 3),
        "unit": unit,
        "peer": peer,
        "peer_value": None if peer_value is None else round(float(peer_value), 3),
    }
    print(json.dumps(record | context), flush=True)


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


def resident_mb(field: str = "VmRSS") -> float:
    """Resident memory of this process (``VmRSS``) or its peak (``VmHWM``), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def volume_mb(grid) -> tuple[float, float]:
    """Voxel megabytes of the cells' display volumes and of their images as read."""
    shown = [c.view.volume for c in grid.cells.values() if c.view.volume is not None]
    display = sum(v.data.nbytes for v in shown)
    sources = sum(v.native.data.nbytes for v in shown if v.native is not v)
    return display / 2**20, sources / 2**20


def walk(step: int, amplitude: int = 20) -> int:
    """Return the slice step number ``step`` takes: up and down over +-``amplitude`` slices.

    Coarser images (1.7 mm beside 0.85 mm steps) change slice every other
    step, at every parity: a toggle between two slices could miss them all.
    """
    return 1 if (step // amplitude) % 4 in (0, 3) else -1


def settle(app, widget) -> None:
    widget.repaint()
    app.processEvents()


def bench_grid(participant, repeats: int, app, spacing: float | None, compact: bool) -> dict:
    from app.main_window import MainWindow
    from processing.study.model import Study

    study = Study(participant.visits[0].study_root, {"sub-01": participant}, name="bench")
    window = MainWindow(study, settings_file=Path(tempfile.mkdtemp()) / "settings.json")
    window.session.grid.layout.set_columns(list(GRIDS))
    window.session.grid.placer.compact = compact
    window.session.set_display_spacing(spacing)
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
    while all_visible is None and time.perf_counter() - started < 600:
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
    window.wait_for_images(600)
    loaded = time.perf_counter() - started
    settle(app, canvas)
    grid.set_focus(*FOCUS)
    visible = sum(v.exposed() for v in views.views.values())
    slice_times, move_times, panel_times = [], [], []
    for step in range(repeats):
        began = time.perf_counter()
        window.session.step_slice(walk(step))
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
    display_mb, source_mb = volume_mb(grid)
    result = {
        "open_first": first,
        "open_all": all_visible,
        "open_loaded": loaded,
        "slice": p95(slice_times),
        "move": p95(move_times),
        "slice50": p50(slice_times),
        "move50": p50(move_times),
        "panels": p95(panel_times),
        "memory": resident_mb(),
        "peak": resident_mb("VmHWM"),
        "display_mb": display_mb,
        "source_mb": source_mb,
        "display_grid": list(grid.placer.display_grid.shape),
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
        "peak": resident_mb("VmHWM"),
        "source_mb": sum(v.nbytes for v in volumes) / 2**20,
    }


def child(args) -> None:
    """Run one side on the study written by the parent; print its result as one JSON object."""
    import pickle

    from PySide6 import QtWidgets

    from app.screenshot import quiet_offscreen_notices

    quiet_offscreen_notices()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    participant = pickle.loads(Path(args.participant).read_bytes())
    if args.child == "naive":
        result = bench_naive(participant, args.repeats, app)
    else:
        spacing = SCALES[args.child]
        result = bench_grid(participant, args.repeats, app, spacing, not args.float32)
    print("RESULT " + json.dumps(result), flush=True)


def run_child(side: str, participant_file: Path, args) -> dict:
    """Run ``side`` in a child process of its own; return its result."""
    command = [sys.executable, __file__, "--child", side, "--participant", str(participant_file)]
    command += ["--repeats", str(args.repeats)] + (["--float32"] if args.float32 else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise SystemExit(f"bench child {side} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def report_scale(scale: str, ours: dict, naive: dict, args) -> None:
    """Print the figures of one scale beside the naive peer's."""
    mode = "aligned" if args.aligned else "registered"
    spacing = SCALES[scale]
    context = {"scale": scale, "display_mm": spacing or GRIDS["b1000"][3]}
    context["storage"] = "float32" if args.float32 else "compact"
    peer = "naive pyqtgraph: 60 float32 ImageItems, autoLevels, all updated"
    report(
        "open_participant_s",
        ours["open_first"],
        "s (first image)",
        peer + " (sync load of all 60)",
        naive["open"],
        **context,
    )
    report("open_all_visible_s", ours["open_all"], "s", **context)
    report(
        "open_all_loaded_s",
        ours["open_loaded"],
        "s (all 60 volumes)",
        peer,
        naive["open"],
        **context,
    )
    report("slice_change_p95_ms", ours["slice"], "ms", peer, naive["slice"], **context)
    report("cursor_move_p95_ms", ours["move"], "ms", peer, naive["move"], **context)
    report("slice_change_p50_ms", ours["slice50"], "ms", peer, naive["slice50"], **context)
    report("cursor_move_p50_ms", ours["move50"], "ms", peer, naive["move50"], **context)
    report(
        "side_panels_refresh_p95_ms",
        ours["panels"],
        "ms (read-out, time courses; after a 50 ms pause)",
        **context,
    )
    report("changes_timed", args.repeats, "slice steps and as many cursor moves", **context)
    own_process = " (own process, whole participant loaded)"
    report("memory_mb", ours["memory"], "MB" + own_process, peer, naive["memory"], **context)
    report("peak_memory_mb", ours["peak"], "MB (VmHWM)", peer, naive["peak"], **context)
    report(
        "display_volumes_mb",
        ours["display_mb"],
        f"MB (display grid {ours['display_grid']})",
        **context,
    )
    report(
        "source_volumes_mb",
        ours["source_mb"],
        "MB (images as read)",
        peer,
        naive["source_mb"],
        **context,
    )
    report("visible_views", ours["visible"], f"of {ours['views']} views ({mode})", **context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=120)
    parser.add_argument("--scale", choices=[*SCALES, "both"], default="default")
    parser.add_argument(
        "--aligned", action="store_true", help="no to-ref transforms (header alignment only)"
    )
    parser.add_argument(
        "--float32", action="store_true", help="display volumes as float32 on the display grid"
    )
    parser.add_argument("--child", choices=[*SCALES, "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--participant", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    import pickle

    scales = list(SCALES) if args.scale == "both" else [args.scale]
    with tempfile.TemporaryDirectory(prefix="ferret-bench-") as folder:
        participant = write_study(Path(folder), registered=not args.aligned)
        participant_file = Path(folder) / "participant.pickle"
        participant_file.write_bytes(pickle.dumps(participant))
        ours = {scale: run_child(scale, participant_file, args) for scale in scales}
        naive = run_child("naive", participant_file, args)
    for scale in scales:
        report_scale(scale, ours[scale], naive, args)


if __name__ == "__main__":
    main()
