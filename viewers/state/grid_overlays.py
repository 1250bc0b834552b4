"""Overlays and lesions of the participant grid, as its overlay mode allows (blinding, issue 6).

``"view"`` shows the demo's planted truth and no rater's labels; ``"rating"``
shows neither (a rater sees only their own mask, which the annotation overlay
draws, and never the truth); ``"review"`` shows every rater's labels and the
truth (chosen explicitly, never while rating); ``"consensus"`` shows the labels
of the two compared raters only (:attr:`GridOverlaySet.compared`) and no truth:
the consensus mask itself is drawn by the annotation overlay, as a rater's own.

:class:`GridOverlaySet` is the part of :class:`~viewers.state.grid.GridModel`
that knows this: a participant and a mode in; the truth, the raters' layers and
lesions, and each cell's truth layer (loaded through the grid's loader and
placer) out. In rating mode the rater's own labels are not a layer (the
annotation overlay draws them); :attr:`GridOverlaySet.own_labels` lets the
read-out name them too.
"""

from __future__ import annotations

from collections.abc import Callable

from processing.study.model import Participant
from viewers.state.grid_cell import GridCell
from viewers.state.grid_placer import CellPlacer
from viewers.state.loader import VolumeLoader
from viewers.state.overlays import TRUTH_COLOUR, LabelLayer, Lesion, rater_layers
from viewers.state.placement import Placement
from viewers.state.truth_overlay import (
    POINT_TYPES,
    lesion_names,
    load_participant_truth,
    truth_lesions,
    truth_map_path,
)
from viewers.state.volume import Volume

#: See the module docstring.
OVERLAY_MODES = ("view", "rating", "review", "consensus")

#: ``describe(world) -> str | None``: the rater's own lesion at a world point.
Describe = Callable[..., "str | None"]


class GridOverlaySet:
    """The layers and lesions a grid may show in its overlay mode.

    Parameters
    ----------
    mode : str
        One of :data:`OVERLAY_MODES`.
    loader : VolumeLoader
        Reads each cell's truth labels in the background.
    placer : CellPlacer
        Places those labels like the cell's image.
    """

    def __init__(self, mode: str, loader: VolumeLoader, placer: CellPlacer) -> None:
        check_overlay_mode(mode)
        self.mode, self.loader, self.placer = mode, loader, placer
        self.truth = None
        self.layers: list[LabelLayer] = []
        self.lesions: list[Lesion] = []
        self.own_labels: Describe | None = None
        #: The raters a ``"consensus"`` grid compares (A, B), shown in that order.
        self.compared: tuple[str, ...] = ()

    def read(self, participant: Participant, placement: Callable[[str, str], Placement]) -> None:
        """Read the truth and raters' layers and lesions the mode allows (blinding)."""
        study_root = participant.visits[0].study_root if participant.visits else None
        self.truth, self.layers = None, []
        rater_lesions: list[Lesion] = []
        if study_root is not None and self.mode in ("view", "review"):
            self.truth = load_participant_truth(study_root, participant.label)
        if study_root is not None and self.mode == "review":
            self.layers, rater_lesions = rater_layers(study_root, participant.label)
        if study_root is not None and self.mode == "consensus" and self.compared:
            self.layers, rater_lesions = rater_layers(
                study_root, participant.label, self.compared, compared=True
            )
        truth: list[Lesion] = (
            truth_lesions(self.truth, participant, placement) if self.truth is not None else []
        )
        self.lesions = rater_lesions + truth

    def add_to(self, cell: GridCell, on_layer: Callable[[GridCell, LabelLayer], None]) -> None:
        """Give ``cell`` the raters' layers now and request its truth layer.

        ``on_layer(cell, layer)`` receives the truth layer when it is loaded
        (the grid adds it if the cell is still shown).
        """
        for layer in self.layers:
            cell.add_layer(layer)
        truth_path = truth_map_path(self.truth, cell.visit.session, cell.source.acquisition)
        if truth_path is None or not cell.source.loadable:
            return
        truth = self.truth

        def arrived(volume: Volume | None, _error: str | None) -> None:
            if volume is None or self.truth is not truth:
                return  # unreadable, or a request made before an overlay-mode switch
            placed = self.placer.placed(cell.placement, volume, "labels", "truth")
            names = lesion_names(truth)
            on_layer(cell, LabelLayer("truth", placed, TRUTH_COLOUR, names, {cell.visit.session}))

        options = self.placer.preparation(cell.placement, order=0)
        self.loader.request(truth_path, 0, "labels", arrived, **options)

    def lesions_at(self, world, cell: GridCell | None) -> list[str]:
        """Return the lesions at ``world``: the rater's, then ``cell``'s layers (truth, raters)."""
        own = self.own_labels(world) if self.own_labels is not None else None
        found = [own] if own else []
        if cell is not None:
            found += [text for text in cell.lesions_at(world) if text not in found]
        return found

    def point_markers(self) -> list[Lesion]:
        """Return the lesions drawn as points (microbleeds)."""
        return [lesion for lesion in self.lesions if lesion.type in POINT_TYPES]


def check_overlay_mode(mode: str) -> None:
    """Raise a ValueError unless ``mode`` is one of :data:`OVERLAY_MODES`."""
    if mode not in OVERLAY_MODES:
        raise ValueError(f"overlay mode must be one of {OVERLAY_MODES}, not {mode!r}")
