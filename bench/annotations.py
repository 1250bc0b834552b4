"""Save latency of annotations: stroke release -> journal on disk, and -> NIfTI checkpoint.

Prints one JSON object per figure. Run: ``.venv/bin/python bench/annotations.py``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from processing.annotations import Grid, RaterWorkspace  # noqa: E402
from viewers.state.tools import ToolBox, event  # noqa: E402

GRIDS = {"dwi_1.7mm": ((128, 128, 80), 1.7), "mp2rage_0.85mm": ((256, 256, 192), 0.85)}


def report(name: str, value: float, unit: str) -> None:
    print(
        json.dumps(
            {"name": name, "value": round(value, 2), "unit": unit, "peer": None, "peer_value": None}
        )
    )


def bench(label: str, shape, spacing: float, strokes: int = 10) -> None:
    grid = Grid(shape, np.diag([spacing, spacing, spacing, 1.0]))
    with tempfile.TemporaryDirectory() as root, RaterWorkspace(root, "bench") as workspace:
        session = workspace.open_session("sub-01", grid, checkpoint_delay=0.2)
        tools = ToolBox(session.labels)
        tools.tools["brush"].size_mm = 3.0
        journal, checkpoint = [], []
        for n in range(strokes):
            centre = np.array(shape) * spacing / 2 + [n * 4.0, 0, 0]
            tools.press(event(centre))
            tools.move(event(centre + [2.0, 2.0, 0]))
            start = time.perf_counter()
            tools.release(event(centre + [3.0, 0, 0]))
            journal.append(time.perf_counter() - start)
            while session.checkpointer.written_seq < session.store.journal_seq:
                time.sleep(0.002)
            checkpoint.append(time.perf_counter() - start)
        report(f"annotation_release_to_journal_{label}", 1000 * statistics.median(journal), "ms")
        report(f"annotation_release_to_nifti_{label}", 1000 * statistics.median(checkpoint), "ms")
        report(f"annotation_release_to_nifti_max_{label}", 1000 * max(checkpoint), "ms")
        report(f"annotation_nifti_write_{label}", 1000 * session.checkpointer.last_duration, "ms")


if __name__ == "__main__":
    for name, (shape, spacing) in GRIDS.items():
        bench(name, shape, spacing)
