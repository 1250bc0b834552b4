"""The grid viewer's session logic, without Qt: settings, layouts, lesion navigation, slicing keys.

A :class:`ViewerSession` owns the volume loader, the persisted settings and the
:class:`~viewers.state.grid.GridModel`; the main window turns shortcuts and
menu entries into calls on it. Settings (layouts, windows, colour maps,
display options) are read at start and written on :meth:`ViewerSession.save`.
"""

from __future__ import annotations

from pathlib import Path

from processing.study.model import Participant
from viewers.state.grid import GridModel
from viewers.state.loader import VolumeLoader
from viewers.state.overlays import Lesion
from viewers.state.settings import ViewerSettings, load_settings, save_settings
from viewers.state.slicing import normal_step

DEFAULT_STEP_MM = 1.0
ZOOM_STEP = 1.25


class ViewerSession:
    """Everything the grid window does that is not drawing.

    Parameters
    ----------
    settings_file : Path, optional
        Default: the user's settings (``platformdirs.user_config_dir("ferret")``).
    loader : VolumeLoader, optional
    overlay_mode : str
        ``"view"``, ``"rating"`` (blinded) or ``"review"`` (every rater's labels).
    """

    def __init__(
        self,
        settings_file: Path | None = None,
        loader: VolumeLoader | None = None,
        overlay_mode: str = "view",
    ) -> None:
        self.settings_file = settings_file
        self.settings: ViewerSettings = load_settings(settings_file)
        self.loader = loader or VolumeLoader()
        self.grid = GridModel(
            self.loader,
            self.settings.layout(),
            self.settings.windows,
            overlay_mode=overlay_mode,
            display_spacing_mm=self.settings.display["display_spacing_mm"],
        )
        self.grid.geometry.set_orientation(self.settings.display.get("orientation", "axial"))
        self.lesion_index = -1

    # -- participant and lesions -----------------------------------------------------------------
    def open(self, participant: Participant) -> None:
        """Show a participant in the grid."""
        self.lesion_index = -1
        self.grid.open(participant)
        visits, columns = self.grid.visible_visits(), self.grid.visible_columns()
        if self.grid.focus not in self.grid.cells and visits and columns:
            self.grid.set_focus(
                visits[0].session, columns[0].key
            )  # histogram and keys follow a view at once

    def lesions(self) -> list[Lesion]:
        """Lesions to go to: raters' first, then the planted truth (demo), A-CMIs first."""
        return sorted(
            self.grid.overlays.lesions,
            key=lambda lesion: (lesion.source != "truth", lesion.type != "acmi", lesion.id),
        )

    def go_to_lesion(self, lesion: Lesion) -> None:
        """Centre and zoom every view on ``lesion``."""
        self.grid.go_to_lesion(lesion)

    def next_lesion(self, step: int = 1) -> Lesion | None:
        """Go to the next (or previous, ``step=-1``) lesion of the list; None when there is none."""
        lesions = self.lesions()
        if not lesions:
            return None
        self.lesion_index = (self.lesion_index + step) % len(lesions)
        self.go_to_lesion(lesions[self.lesion_index])
        return lesions[self.lesion_index]

    # -- navigation --------------------------------------------------------------------------------
    def step_slice(self, steps: int) -> None:
        """Move every view ``steps`` slices along the normal: a slice of the focused image.

        Before that image has arrived, a slice of the first displayed image that
        has; 1 mm only while no image is shown at all.
        """
        plane = self.grid.geometry.plane
        volume = self._stepping_volume()
        step = DEFAULT_STEP_MM if volume is None else normal_step(volume.affine, plane)
        self.grid.cursor.move_by(steps * step * plane.normal, source="keyboard")

    def _stepping_volume(self):
        focus = self.grid.cells.get(self.grid.focus) if self.grid.focus else None
        if focus is not None and focus.view.volume is not None:
            return focus.view.volume
        shown = (
            cell.view.volume for cell in self.grid.cells.values() if cell.view.volume is not None
        )
        return next(shown, None)

    def zoom(self, steps: int) -> None:
        """Zoom every view in (positive) or out."""
        self.grid.geometry.zoom_by(ZOOM_STEP**steps)

    def reset_view(self) -> None:
        """Whole field of view, no pan."""
        self.grid.geometry.reset()

    def set_orientation(self, orientation: str) -> None:
        """Axial, coronal or sagittal for every view."""
        self.grid.geometry.set_orientation(orientation)
        self.settings.display["orientation"] = orientation

    def set_display_spacing(self, spacing_mm: float | None) -> None:
        """Show the images at ``spacing_mm`` voxels (None: the reference grid's); remembered.

        The shown participant is loaded again at the new resolution, the cursor
        kept in world mm (:meth:`GridModel.set_display_spacing`).
        """
        self.grid.set_display_spacing(spacing_mm)
        self.settings.display["display_spacing_mm"] = self.grid.display_spacing_mm

    def reset_window(self) -> None:
        """Give the focused column its image's initial window (preset or brain-focused)."""
        focus = self.grid.cells.get(self.grid.focus) if self.grid.focus else None
        if focus is not None and focus.view.volume is not None:
            focus.view.window.set_range(*focus.view.volume.window)
            self.settings.windows.pop(focus.column.key, None)

    # -- layouts and settings ----------------------------------------------------------------------
    def save_layout(self, name: str) -> None:
        """Remember the grid's columns and rows under ``name`` (and save the settings)."""
        self.settings.save_layout(name, self.grid.layout)
        self.save()

    def restore_layout(self, name: str) -> None:
        """Apply a saved layout (the default one when unknown)."""
        self.grid.layout.assign(self.settings.layout(name))
        self.settings.current_layout = name

    def layout_names(self) -> list[str]:
        """Return the names of the saved layouts, sorted."""
        return sorted(self.settings.layouts)

    def save(self) -> Path:
        """Write the settings (current layout, windows of every shown column, display options)."""
        self.settings.layouts[self.settings.current_layout] = self.grid.layout.to_dict()
        for column in self.grid.visible_columns():
            window = self.grid.windows[column.key]
            if self.grid.has_window(column.key):
                self.settings.windows[column.key] = (window.low, window.high)
        return save_settings(self.settings, self.settings_file)

    def close(self) -> None:
        """Save the settings and stop the loader."""
        self.save()
        self.grid.close()
        self.loader.shutdown()
