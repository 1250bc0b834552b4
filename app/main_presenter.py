"""The main window's presenter: study browsing and the image view, without Qt.

The presenter owns the shared display models (cursor, geometry, window) and
one :class:`~viewers.state.slice_view_model.SliceViewModel`; it tells a view
(any object with the methods of :class:`MainView`) what to show and reacts to
the user's choices. Tests drive it with a mock view.
"""

from __future__ import annotations

from typing import Protocol

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
from processing.study.model import Participant, Study, Visit
from viewers.state import ViewGeometry, WindowLevel, WorldCursor
from viewers.state.readout import cursor_readout
from viewers.state.slice_view_model import SliceViewModel
from viewers.state.volume import Volume, load_display_volume, load_volume_file


class MainView(Protocol):
    """What the presenter needs from the window."""

    def show_participants(self, labels: list[str], current: str) -> None: ...
    def show_visits(self, rows: list[VisitRow], kinds: list[str]) -> None: ...
    def mark_selection(self, session: str, kind: str) -> None: ...
    def set_image_title(self, text: str) -> None: ...
    def set_status(self, text: str) -> None: ...
    def show_error(self, text: str) -> None: ...


class MainPresenter:
    """Browse a study and show the selected acquisition.

    Parameters
    ----------
    view : MainView
    study : Study
    """

    def __init__(self, view: MainView, study: Study) -> None:
        self.view, self.study = view, study
        self.kinds = study_kinds(study)
        self.cursor, self.geometry, self.window = WorldCursor(), ViewGeometry(), WindowLevel()
        self.slice_model = SliceViewModel(self.cursor, self.geometry, self.window)
        self.participant: Participant | None = None
        self.selection: tuple[str, str] | None = None
        self.cursor.changed.connect(lambda position, source: self._update_status())

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
        """The user clicked a visit (``kind`` None) or a modality cell of the table."""
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
            volume = self._load(visit, kind)
        except FerretError as exc:
            self.view.show_error(exc.message())
            return
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
        self.view.set_image_title(f"{kind}  {visit.participant} {session}{weeks}  ({volume.label})")
        self._update_status()

    def set_orientation(self, orientation: str) -> None:
        """Look along another axis (all linked views follow)."""
        self.geometry.set_orientation(orientation)

    @staticmethod
    def _load(visit: Visit, kind: str) -> Volume:
        if kind in visit.acquisitions:
            return load_display_volume(visit.acquisitions[kind])
        return load_volume_file(visit_maps(visit)[kind], kind)

    def _visit(self, session: str) -> Visit:
        return self.participant.visit(session)

    def _update_status(self) -> None:
        self.view.set_status(cursor_readout(self.slice_model.volume, self.cursor.position))
