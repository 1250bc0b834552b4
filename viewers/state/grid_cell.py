"""One cell of the grid: a visit x modality view, its source and its state."""

from __future__ import annotations

from dataclasses import dataclass, field

from processing.study.model import Visit
from viewers.state.columns import CellSource, Column
from viewers.state.overlays import LabelLayer, MaskSlicer
from viewers.state.placement import Placement
from viewers.state.slice_view_model import SliceViewModel

#: Marks shown in a cell's corner, by source status.
STATUS_BADGES = {
    "raw": "raw (map not computed)",
    "computing": "being computed",
    "missing": "missing",
}


@dataclass(eq=False)
class GridCell:
    """The state of one view of the grid.

    Attributes
    ----------
    visit : Visit
    column : Column
    view : SliceViewModel
        Shares the grid's cursor and geometry and its column's window.
    source : CellSource
        Which file it shows (or why none).
    placement : Placement
        Its ``ref_from_acquisition`` transform.
    state : str
        ``"loading"``, ``"shown"``, ``"empty"`` (nothing to show) or ``"error"``.
    error : str
    layers : list of LabelLayer
        Overlays placed on this view (truth of this visit, raters' labels).
    """

    visit: Visit
    column: Column
    view: SliceViewModel
    source: CellSource
    placement: Placement
    state: str = "loading"
    error: str = ""
    layers: list[LabelLayer] = field(default_factory=list)
    slicers: list[MaskSlicer] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        """``(session, column key)``."""
        return self.visit.session, self.column.key

    def add_layer(self, layer: LabelLayer) -> None:
        """Overlay a label layer on this view."""
        self.layers.append(layer)
        self.slicers.append(MaskSlicer(layer, self.view.max_side))

    def clear_layers(self) -> None:
        """Take every overlay off this view (the overlay mode changed)."""
        self.layers.clear()
        self.slicers.clear()

    def badges(self) -> list[str]:
        """Return what the view must say of itself (missing, raw fallback, not registered, ...)."""
        marks = []
        if self.source.status in STATUS_BADGES:
            marks.append(STATUS_BADGES[self.source.status])
        if self.source.loadable and not self.placement.registered:
            marks.append(self.placement.note or "not registered")
        if self.state == "loading":
            marks.append("loading")
        if self.state == "error":
            marks.append(f"error: {self.error}")
        return marks

    def titles(self) -> list[str]:
        """Corner texts, longest first: ``"SWI  ses-03  [marks]"``, then without the visit.

        The grid's row (or column) header names the visit, so a narrow tile drops it first.
        """
        marks = self.badges()
        tail = f"  [{'; '.join(marks)}]" if marks else ""
        return [f"{self.column.title}  {self.visit.session}{tail}", f"{self.column.title}{tail}"]

    def lesions_at(self, world) -> list[str]:
        """Descriptions of the lesions of every layer at a world point."""
        found = [layer.describe_at(world) for layer in self.layers]
        return [text for text in found if text]
