"""Overlays and lesions of the participant grid, as its overlay mode allows (blinding, issue 6).

``"view"`` shows the demo's planted truth and no rater's labels; ``"rating"``
shows neither (a rater sees only their own mask, which the annotation overlay
draws, and never the truth); ``"review"`` shows every rater's labels and the
truth (consensus; chosen explicitly, never while rating).

:class:`GridOverlays` is a part of :class:`~viewers.state.grid.GridModel`
(a mixin using its participant, cells, loader and events): it reads the
truth and the raters' layers and lesions, adds them to each cell, and answers
which lesions lie under the cursor. In rating mode the rater's own labels are
not a layer (the annotation overlay draws them); :meth:`GridOverlays.show_own_labels`
lets the read-out name them too.
"""

from __future__ import annotations

from collections.abc import Callable

from viewers.state.grid_cell import GridCell
from viewers.state.overlays import TRUTH_COLOUR, LabelLayer, Lesion, rater_layers
from viewers.state.truth_overlay import (
    POINT_TYPES,
    lesion_names,
    load_participant_truth,
    truth_lesions,
    truth_map_path,
)
from viewers.state.volume import Volume

#: See the module docstring.
OVERLAY_MODES = ("view", "rating", "review")


class GridOverlays:
    """Overlay-mode switching, overlay reading and lesion read-outs of :class:`~viewers.state.grid.GridModel`."""

    def set_overlay_mode(self, mode: str) -> None:
        """Switch between ``"view"``, ``"rating"`` and ``"review"``: overlays and lesions are re-read."""
        check_overlay_mode(mode)
        if mode == self.overlay_mode:
            return
        self.overlay_mode = mode
        if self.participant is None:
            return
        self._read_overlays()
        for cell in self.cells.values():
            cell.clear_layers()
            self._add_overlays(cell)
            self.changed.emit(what="cell", key=cell.key)
        self.changed.emit(what="lesions")

    def show_own_labels(self, describe: Callable | None) -> None:
        """Name the rater's own lesions in the read-out: ``describe(world) -> str | None`` (None: stop).

        Emits ``what="own-labels"``, as the caller should after every edit of those labels.
        """
        self.own_labels = describe
        self.changed.emit(what="own-labels")

    def lesions_at_cursor(self) -> list[str]:
        """Lesions under the cursor: the rater's own, then the focused cell's layers (truth, raters)."""
        if self.focus is None or self.focus not in self.cells:
            candidates = list(self.cells.values())[:1]
        else:
            candidates = [self.cells[self.focus]]
        own = self.own_labels(self.cursor.position) if self.own_labels is not None else None
        found = [own] if own else []
        for cell in candidates:
            found += [text for text in cell.lesions_at(self.cursor.position) if text not in found]
        return found

    def point_markers(self) -> list[Lesion]:
        """Lesions drawn as points (microbleeds)."""
        return [lesion for lesion in self.lesions if lesion.type in POINT_TYPES]

    def _read_overlays(self) -> None:
        """Truth and raters' layers and lesions allowed by the overlay mode (blinding)."""
        participant = self.participant
        study_root = participant.visits[0].study_root if participant.visits else None
        showing_truth = study_root is not None and self.overlay_mode != "rating"
        self.truth = (
            load_participant_truth(study_root, participant.label) if showing_truth else None
        )
        reviewing = study_root is not None and self.overlay_mode == "review"
        self.layers, rater_lesions = (
            rater_layers(study_root, participant.label) if reviewing else ([], [])
        )
        self.lesions = rater_lesions + (
            truth_lesions(self.truth, participant, self.placement) if self.truth is not None else []
        )

    def _add_overlays(self, cell: GridCell) -> None:
        for layer in self.layers:
            cell.add_layer(layer)
        truth_path = truth_map_path(self.truth, cell.visit.session, cell.source.acquisition)
        if truth_path is not None and cell.source.loadable:
            self.loader.request(
                truth_path,
                0,
                "labels",
                lambda volume, error, c=cell: self._truth_arrived(c, volume),
                **self._preparation(cell.placement, order=0),
            )

    def _truth_arrived(self, cell: GridCell, volume: Volume | None) -> None:
        if volume is None or self.cells.get(cell.key) is not cell or self.truth is None:
            return
        if any(layer.name == "truth" for layer in cell.layers):
            return  # a request made before an overlay-mode switch
        placed = self._placed(cell, volume, "labels", "truth")
        cell.add_layer(
            LabelLayer(
                "truth", placed, TRUTH_COLOUR, lesion_names(self.truth), {cell.visit.session}
            )
        )
        self.changed.emit(what="cell", key=cell.key)


def check_overlay_mode(mode: str) -> None:
    """Raise a ValueError unless ``mode`` is one of :data:`OVERLAY_MODES`."""
    if mode not in OVERLAY_MODES:
        raise ValueError(f"overlay mode must be one of {OVERLAY_MODES}, not {mode!r}")
