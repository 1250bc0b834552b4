"""What the main window's shortcuts and menu entries do (a mixin of :class:`~app.main_window.MainWindow`).

Each method is named in :data:`app.grid_actions.SHORTCUTS`; each is one call
on the Qt-free session or grid, plus a redraw of overlays where the style changed.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets

from processing.errors import FerretError

OPACITY_STEP = 0.15


class WindowCommands:
    """Shortcut handlers on ``self.session``, ``.grid_view``, ``.screen`` and ``.menus``."""

    # -- slices, orientation, zoom ----------------------------------------------------------------
    def slice_up(self) -> None:
        """Move every view one slice up."""
        self.session.step_slice(1)

    def slice_down(self) -> None:
        """Move every view one slice down."""
        self.session.step_slice(-1)

    def slice_up_5(self) -> None:
        """Move every view five slices up."""
        self.session.step_slice(5)

    def slice_down_5(self) -> None:
        """Move every view five slices down."""
        self.session.step_slice(-5)

    def set_orientation(self, orientation: str) -> None:
        """Axial, coronal or sagittal for every view (one geometry: the grid's)."""
        self.session.set_orientation(orientation)

    def show_axial(self) -> None:
        """Look along the axial axis."""
        self.set_orientation("axial")

    def show_coronal(self) -> None:
        """Look along the coronal axis."""
        self.set_orientation("coronal")

    def show_sagittal(self) -> None:
        """Look along the sagittal axis."""
        self.set_orientation("sagittal")

    def zoom_in(self) -> None:
        """Zoom every view in one step."""
        self.session.zoom(1)

    def zoom_out(self) -> None:
        """Zoom every view out one step."""
        self.session.zoom(-1)

    def reset_view(self) -> None:
        """Show the whole field of view, without pan."""
        self.session.reset_view()

    def reset_window(self) -> None:
        """Give the focused column its image's initial window."""
        self.session.reset_window()

    # -- screen layouts (app.screen_layouts) -----------------------------------------------------------
    def layout_dwi_screening(self) -> None:
        """Show the DWI screening layout (F5)."""
        self.screen.apply("DWI screening")

    def layout_acmi_check(self) -> None:
        """Show the A-CMI check layout (F6)."""
        self.screen.apply("A-CMI check")

    def layout_cmb(self) -> None:
        """Show the microbleed layout (F7)."""
        self.screen.apply("CMB")

    def layout_all(self) -> None:
        """Show every modality (F8)."""
        self.screen.apply("All modalities")

    # -- lesions ---------------------------------------------------------------------------------------
    def next_lesion(self) -> None:
        """Go to the next lesion of the list."""
        self._went_to(self.session.next_lesion(1))

    def previous_lesion(self) -> None:
        """Go to the previous lesion of the list."""
        self._went_to(self.session.next_lesion(-1))

    def go_to_lesion(self, lesion) -> None:
        """Centre and zoom every view on ``lesion``."""
        self.session.go_to_lesion(lesion)
        self._went_to(lesion)

    def _went_to(self, lesion) -> None:
        if lesion is None:
            self.statusBar().showMessage("No lesions for this participant.", 5000)
            return
        onset = f", onset {lesion.onset_session}" if lesion.onset_session else ""
        self.statusBar().showMessage(f"Lesion {lesion.id} ({lesion.type}{onset})", 8000)
        if lesion.onset_session:
            self.grid_view.scroll_to_visit(lesion.onset_session)

    # -- overlays ----------------------------------------------------------------------------------------
    def toggle_truth(self) -> None:
        """Show or hide the planted truth (demo)."""
        self._restyle(show_truth=not self.grid_view.style.show_truth)

    def toggle_raters(self) -> None:
        """Show or hide the raters' masks (review)."""
        self._restyle(show_raters=not self.grid_view.style.show_raters)

    def toggle_points(self) -> None:
        """Show or hide the microbleed point markers."""
        self._restyle(show_points=not self.grid_view.style.show_points)

    def toggle_fill(self) -> None:
        """Switch the overlays between outline and fill."""
        self._restyle(mode="fill" if self.grid_view.style.mode == "outline" else "outline")

    def opacity_down(self) -> None:
        """Make the overlays more transparent."""
        self._restyle(opacity=max(0.1, self.grid_view.style.opacity - OPACITY_STEP))

    def opacity_up(self) -> None:
        """Make the overlays more opaque."""
        self._restyle(opacity=min(1.0, self.grid_view.style.opacity + OPACITY_STEP))

    def _restyle(self, **changes) -> None:
        for name, value in changes.items():
            setattr(self.grid_view.style, name, value)
            if name in ("mode", "opacity", "show_truth"):
                self.session.settings.display[
                    {"mode": "overlay_mode", "opacity": "overlay_opacity"}.get(name, name)
                ] = value
        self.grid_view.refresh_overlays()

    def _apply_display_settings(self) -> None:
        display = self.session.settings.display
        style = self.grid_view.style
        style.mode, style.opacity = display["overlay_mode"], float(display["overlay_opacity"])
        style.show_truth = bool(display["show_truth"])
        for column_key, name in self.session.settings.colormaps.items():
            self.grid_view.set_colormap(column_key, name)

    def quit_window(self) -> None:
        """File -> Quit: close the window (its close event saves the rater's work and stops the background run)."""
        self.close()

    # -- importing a visit (app.dicom_import) -----------------------------------------------------------
    def import_dicom_visit(self) -> None:
        """File -> Import DICOM visit...: show the import dialog (the shown participant chosen)."""
        from app.dicom_import import ImportDicomDialog

        shown = self.presenter.participant.label if self.presenter.participant else None
        if self.import_dialog is None:
            self.import_dialog = ImportDicomDialog(self.study, shown, parent=self)
            self.import_dialog.imported.connect(self.reload_study)
        elif not self.import_dialog.runner.running:
            self.import_dialog.prefill(shown)
        self.import_dialog.show()
        self.import_dialog.raise_()
        self.import_dialog.activateWindow()

    def reload_study(self, participant: str, session: str | None = None) -> None:
        """Re-discover the study (a visit was added) and show ``participant`` in the browser."""
        from app.browser_model import study_kinds
        from processing.study import discover

        fresh = discover(self.study.root)
        self.study.participants = fresh.participants
        self.study.participants_table = fresh.participants_table
        self.presenter.kinds = study_kinds(self.study)
        self.show_participants(list(self.study.participants), participant)
        # opened anew, as when chosen: a visit dated earlier than the others becomes the first
        # visit, and with it the reference space; the background run takes the new visit too
        self._participant_chosen(participant)
        note = f" {session}" if session else ""
        self.statusBar().showMessage(f"Imported {participant}{note}.", 8000)

    # -- screenshots, layouts, help ---------------------------------------------------------------------------
    def screenshot_grid(self, target: str | Path | None = None) -> Path | None:
        """Save the grid as PNG (asks for a file name when none is given)."""
        return self._screenshot(self.grid_view.widget(), target, "grid.png")

    def screenshot_view(self, target: str | Path | None = None) -> Path | None:
        """Save the focused view (else the first) as PNG."""
        views = self.grid_view.views
        view = views.get(self.session.grid.focus) or next(iter(views.values()), None)
        return None if view is None else self._screenshot(view, target, "view.png")

    def _screenshot(self, widget, target, default_name: str) -> Path | None:
        from app.screenshot import save_widget_png

        if target is None:
            target, _ = QtWidgets.QFileDialog.getSaveFileName(
                self, "Save screenshot", default_name, "PNG (*.png)"
            )
            if not target:
                return None
        try:
            written = save_widget_png(widget, target)
        except FerretError as exc:
            self.statusBar().showMessage(exc.message(), 15000)
            return None
        self.statusBar().showMessage(f"Screenshot written to {written}", 8000)
        return written

    def save_layout_as(self, name: str | None = None) -> None:
        """Save the current columns and rows under a name (asks for it when none is given)."""
        if name is None:
            name, accepted = QtWidgets.QInputDialog.getText(self, "Save layout", "Layout name:")
            if not accepted or not name.strip():
                return
        self.session.save_layout(name)
        self.menus.rebuild_layouts()

    def show_help(self) -> None:
        """Show the shortcuts of the current mode."""
        from app.grid_actions import HelpDialog, help_text

        self.help_dialog = self.help_dialog or HelpDialog(self)
        self.help_dialog.text.setHtml(help_text(self))  # the shortcuts of the current mode
        self.help_dialog.show()
