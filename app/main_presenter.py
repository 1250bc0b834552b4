"""The main window's presenter: study browsing and the image view, without Qt.

The presenter shows one acquisition or computed map in one
:class:`~viewers.state.slice_view_model.SliceViewModel` over the cursor and
geometry it is given (the main window gives the grid's: every view of the
window reads one cursor and one geometry) and a window of its own. The image
is placed in the participant's reference space like a grid cell
(:mod:`viewers.state.placement`, no resampling), so the shared cursor points
at the same anatomy in the single view and in the grid. It tells a view (any
object with the methods of :class:`MainView`) what to show and reacts to the
user's choices. Tests drive it with a mock view.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from app.browser_model import (
    VisitRow,
    default_kind,
    find_participant,
    has_image,
    study_kinds,
    visit_maps,
    visit_rows,
)
from processing.errors import FerretError
from processing.registration.outputs import source_key
from processing.study.model import Participant, Study, Visit
from viewers.state import ViewGeometry, WindowLevel, WorldCursor
from viewers.state.placement import Placement, placement_of
from viewers.state.readout import cursor_readout
from viewers.state.slice_view_model import SliceViewModel
from viewers.state.volume import Volume, load_display_volume, load_volume_file

#: The entity of a derived map written into the reference space (already placed).
REFERENCE_ENTITY = "space-ref"


class MainView(Protocol):
    """What the presenter needs from the window."""

    def show_participants(self, labels: list[str], current: str) -> None:
        """List the study's participants, ``current`` chosen."""

    def show_visits(self, rows: list[VisitRow], kinds: list[str]) -> None:
        """List the participant's visits and which kinds each has."""

    def mark_selection(self, session: str, kind: str) -> None:
        """Mark the shown visit and kind."""

    def set_image_title(self, text: str) -> None:
        """Show ``text`` above the image."""

    def set_status(self, text: str) -> None:
        """Show ``text`` as the cursor read-out."""

    def show_error(self, text: str) -> None:
        """Say why an image cannot be shown."""


class MainPresenter:
    """Browse a study and show the selected acquisition.

    Parameters
    ----------
    view : MainView
    study : Study
    cursor : WorldCursor
        The shared cursor (the main window's grid's).
    geometry : ViewGeometry
        The shared orientation, zoom and pan (the grid's).

    Attributes
    ----------
    owns_status : bool
        Whether the cursor read-out of the status bar is this view's (the main
        window gives it to the tab shown; see :meth:`set_owns_status`).
    """

    def __init__(
        self, view: MainView, study: Study, cursor: WorldCursor, geometry: ViewGeometry
    ) -> None:
        self.view, self.study = view, study
        self.kinds = study_kinds(study)
        self.cursor, self.geometry, self.window = cursor, geometry, WindowLevel()
        self.slice_model = SliceViewModel(self.cursor, self.geometry, self.window)
        self.participant: Participant | None = None
        self.selection: tuple[str, str] | None = None
        self.placement: Placement | None = None
        self.owns_status = True
        self.cursor.changed.connect(self._on_cursor)

    def start(self, participant: str | None = None) -> None:
        """Show the participant list and open ``participant`` (default: the first)."""
        chosen = find_participant(self.study, participant)
        self.view.show_participants(list(self.study.participants), chosen.label)
        self.select_participant(chosen.label)

    def select_participant(self, label: str) -> None:
        """List the participant's visits and show their first visit."""
        self.participant = find_participant(self.study, label)
        self.view.show_visits(visit_rows(self.participant, self.kinds), self.kinds)
        previous_kind = self.selection[1] if self.selection else None
        self.selection = None
        for visit in self.participant.visits:
            kind = default_kind(visit, previous_kind)
            if kind:
                self.select_acquisition(visit.session, kind)
                return
        self.slice_model.set_volume(None)
        self.view.set_image_title(f"{label}: no images")

    def select_cell(self, session: str, kind: str | None) -> None:
        """Show what the user clicked: a visit (``kind`` None) or a modality cell of the table."""
        visit = self._visit(session)
        wanted = kind or (self.selection[1] if self.selection else None)
        chosen = (
            wanted
            if wanted and has_image(visit, wanted)
            else (None if kind else default_kind(visit))
        )
        if chosen is None:
            self.view.set_status(f"{visit.prefix}: no {kind} at this visit")
            return
        self.select_acquisition(session, chosen)

    def select_acquisition(self, session: str, kind: str) -> None:
        """Load and show the display volume of one acquisition or computed map."""
        visit = self._visit(session)
        try:
            volume, placement = self._load(visit, kind)
        except FerretError as exc:
            self.view.show_error(exc.message())
            return
        self.placement = placement
        keep_cursor = self.slice_model.volume is not None and volume.voxel_at(self.cursor.position)
        self.slice_model.set_volume(volume)
        if not keep_cursor:
            self.cursor.set_position(volume.centre)
        self.selection = (session, kind)
        self.view.mark_selection(session, kind)
        weeks = (
            f", week {visit.weeks_since_baseline:.1f}"
            if visit.weeks_since_baseline is not None
            else ""
        )
        title = f"{kind}  {visit.participant} {session}{weeks}  ({volume.label})"
        self.view.set_image_title(title + placement_mark(placement))
        self._update_status()

    def set_orientation(self, orientation: str) -> None:
        """Look along another axis (all linked views follow)."""
        self.geometry.set_orientation(orientation)

    def set_owns_status(self, owns: bool) -> None:
        """Write the cursor read-out from now on (True) or leave the status bar to another view."""
        self.owns_status = owns
        self._update_status()

    def readout(self) -> str:
        """Describe the cursor: RAS mm, the shown image's own voxel and its value."""
        volume = self.slice_model.volume
        return cursor_readout(None if volume is None else volume.native, self.cursor.position)

    @staticmethod
    def _load(visit: Visit, kind: str) -> tuple[Volume, Placement]:
        """Read ``kind`` at ``visit`` placed in the reference space, with its placement.

        Only the affine changes (the view slices an oblique affine itself), so
        the placed volume holds the image's own voxels: read-outs at the cursor
        give the image's own voxel index and value.
        """
        if kind in visit.acquisitions:
            native = load_display_volume(visit.acquisitions[kind])
            placement = placement_of(visit, kind)
        else:
            path = visit_maps(visit)[kind]
            native = load_volume_file(path, kind)
            placement = map_placement(visit, path)
        return placement.place(native), placement

    def _visit(self, session: str) -> Visit:
        return self.participant.visit(session)

    def _on_cursor(self, position=None, source=None) -> None:
        self._update_status()

    def _update_status(self) -> None:
        if self.owns_status:
            self.view.set_status(self.readout())


def placement_mark(placement: Placement) -> str:
    """Mark a title ``"  [not registered]"`` (with another reason if any); empty when registered."""
    if placement.registered:
        return ""
    note = placement.note or "not registered"
    return f"  [{note if note == 'not registered' else 'not registered: ' + note}]"


def map_placement(visit: Visit, path) -> Placement:
    """Place a derived map as a grid cell does: by its acquisition (identity for ``space-ref``)."""
    if REFERENCE_ENTITY in path.name.split(".")[0].split("_"):
        return Placement(np.eye(4), True)
    return placement_of(visit, source_key(visit, path))
