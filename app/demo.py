"""The demo study: a synthetic phantom study in the user's data folder, made once.

The phantom (``processing.phantom.make_phantom_study``) is written into a
temporary sibling folder and renamed when complete, so an interrupted first run
never leaves a half-made study that later runs would open.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import platformdirs

from processing.errors import FerretError
from processing.progress import Progress

DEMO_OPTIONS = {"participants": 1, "visits": 10, "scale": "small", "seed": 0, "noise": True}


def demo_folder() -> Path:
    """``<user data dir>/ferret/demo-study`` (e.g. ``~/.local/share/ferret/demo-study``)."""
    return Path(platformdirs.user_data_dir("ferret")) / "demo-study"


def phantom_maker() -> Callable[..., Path]:
    """Return the phantom study generator, with a clear error if this installation lacks it."""
    try:
        from processing.phantom import make_phantom_study
    except ImportError as exc:
        raise FerretError(
            f"the phantom generator is not available ({exc}).",
            fix="update Ferret; or open a study of your own with `ferret open STUDY`.",
        ) from exc
    return make_phantom_study


def ensure_demo_study(
    folder: Path | None = None,
    *,
    make: Callable[..., Path] | None = None,
    echo: Callable[[str], None] = print,
) -> Path:
    """Return the demo study's root, creating it first when it does not exist.

    Parameters
    ----------
    folder : Path, optional
        Where the demo lives (default :func:`demo_folder`).
    make : callable, optional
        ``make(out, **DEMO_OPTIONS, progress=Progress) -> Path`` (default the phantom generator).
    echo : callable
        Receives progress messages for the user.
    """
    folder = Path(folder) if folder is not None else demo_folder()
    if (folder / "dataset_description.json").exists():
        echo(f"Opening the demo study in {folder}")
        return folder
    make = make or phantom_maker()
    partial = folder.with_name(folder.name + ".part")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    echo(
        f"Creating the demo study in {folder} (1 participant, 10 visits, small scale; "
        "this takes a while the first time) ..."
    )
    started = time.perf_counter()
    made = Path(make(partial, **DEMO_OPTIONS, progress=Progress(_console_listener(echo))))
    inner = (
        made.resolve().relative_to(partial.resolve())
        if made.resolve() != partial.resolve()
        else Path()
    )
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)
    echo(f"Demo study created in {time.perf_counter() - started:.0f} s.")
    return folder / inner


def _console_listener(echo: Callable[[str], None]) -> Callable[[float, str], None]:
    """Report progress in steps of 10 % (a line per step, not a flood)."""
    reported = {"tenth": -1}

    def listener(fraction: float, message: str) -> None:
        tenth = int(fraction * 10)
        if tenth > reported["tenth"]:
            reported["tenth"] = tenth
            echo(f"  {100 * tenth // 10:3d} %  {message}")

    return listener
