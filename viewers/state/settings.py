"""Viewer settings that persist between sessions: layouts and display choices.

One JSON file, ``<platformdirs.user_config_dir("ferret")>/viewer-settings.json``,
written atomically (:func:`processing.fileio.write_json`)::

    {"version": 1,
     "current_layout": "default",
     "layouts": {"default": {"columns": [...], "hidden_columns": [...], "hidden_rows": [...]}},
     "windows": {"FLAIR": [low, high], ...},          # per column key
     "colormaps": {"R2star": "viridis", ...},
     "display": {"orientation": "axial", "overlay_mode": "outline", "overlay_opacity": 0.6,
                 "show_truth": true, "closed_docks": ["Analysis", ...],
                 "display_spacing_mm": null}}                # null: the reference grid's voxels

``display_spacing_mm`` is the display resolution (:data:`DISPLAY_RESOLUTIONS`
names the menu's choices; any positive number is taken).

A missing or unreadable file gives the defaults (an unreadable one is kept
aside as ``.bad`` so that the next save does not destroy what the rater may
want to recover).
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from processing.fileio import write_json
from viewers.state.layout import GridLayout

FILE_NAME = "viewer-settings.json"
VERSION = 1
DEFAULT_LAYOUT = "default"
DEFAULT_DISPLAY = {
    "orientation": "axial",
    "overlay_mode": "outline",
    "overlay_opacity": 0.6,
    "show_truth": True,
    "closed_docks": [],
    "display_spacing_mm": None,
}
#: The display resolutions offered: ``(voxel mm or None for the reference grid's, menu text)``.
DISPLAY_RESOLUTIONS: tuple[tuple[float | None, str], ...] = (
    (None, "Reference grid (visit 1's DWI)"),
    (1.0, "1 mm"),
    (0.85, "Anatomical, 0.85 mm"),
)


def settings_path() -> Path:
    """Where the viewer settings live for this user."""
    return Path(platformdirs.user_config_dir("ferret")) / FILE_NAME


@dataclass
class ViewerSettings:
    """Named layouts, per-column windows and colour maps, display options."""

    current_layout: str = DEFAULT_LAYOUT
    layouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    windows: dict[str, tuple[float, float]] = field(default_factory=dict)
    colormaps: dict[str, str] = field(default_factory=dict)
    display: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_DISPLAY))

    def layout(self, name: str | None = None) -> GridLayout:
        """Return the named layout (default the current one); the default layout when unknown."""
        return GridLayout.from_dict(self.layouts.get(name or self.current_layout, {}))

    def save_layout(self, name: str, layout: GridLayout) -> None:
        """Remember ``layout`` under ``name`` and make it current."""
        if not name.strip():
            raise ValueError("a layout needs a name")
        self.layouts[name.strip()] = layout.to_dict()
        self.current_layout = name.strip()

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready record (see :meth:`from_dict`)."""
        return {
            "version": VERSION,
            "current_layout": self.current_layout,
            "layouts": self.layouts,
            "windows": {k: list(v) for k, v in self.windows.items()},
            "colormaps": self.colormaps,
            "display": self.display,
        }

    @classmethod
    def from_dict(cls, record: Any) -> ViewerSettings:
        """Tolerant: every field that is missing or of the wrong type falls back to its default."""
        record = record if isinstance(record, dict) else {}
        layouts = {str(k): v for k, v in _mapping(record, "layouts").items() if isinstance(v, dict)}
        windows = {}
        for key, value in _mapping(record, "windows").items():
            if (
                isinstance(value, list)
                and len(value) == 2
                and all(isinstance(x, (int, float)) for x in value)
                and value[1] > value[0]
            ):
                windows[str(key)] = (float(value[0]), float(value[1]))
        colormaps = {str(k): str(v) for k, v in _mapping(record, "colormaps").items()}
        display = copy.deepcopy(DEFAULT_DISPLAY)
        display.update(
            {k: v for k, v in _mapping(record, "display").items() if k in DEFAULT_DISPLAY}
        )
        display["display_spacing_mm"] = spacing_or_none(display["display_spacing_mm"])
        current = record.get("current_layout")
        return cls(
            current if isinstance(current, str) else DEFAULT_LAYOUT,
            layouts,
            windows,
            colormaps,
            display,
        )


def load_settings(path: Path | None = None) -> ViewerSettings:
    """Read the settings file (defaults when absent or unreadable)."""
    path = Path(path) if path is not None else settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ViewerSettings()
    try:
        return ViewerSettings.from_dict(json.loads(text))
    except ValueError:
        path.replace(path.with_name(path.name + ".bad"))
        return ViewerSettings()


def save_settings(settings: ViewerSettings, path: Path | None = None) -> Path:
    """Write the settings atomically (the folder is created when needed)."""
    path = Path(path) if path is not None else settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_json(path, settings.to_dict())


def spacing_or_none(value: Any) -> float | None:
    """Return a display spacing read from the settings: a positive number, else None.

    Examples
    --------
    >>> spacing_or_none(0.85), spacing_or_none("fine"), spacing_or_none(-1), spacing_or_none(True)
    (0.85, None, None, None)
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def _mapping(record: dict, field_name: str) -> dict:
    value = record.get(field_name)
    return value if isinstance(value, dict) else {}
