"""One rater rating one participant: storage, tools, lesion table and the current form.

:class:`RaterSession` is the app's single object for rating mode. It takes the
rater's write lock (:class:`~processing.annotations.RaterWorkspace`), opens that
rater's own annotations of the participant and nothing else (no other rater's
labels, participants.tsv without its clinical columns: blinding), and wires the
Qt-free models together:

- ``labels``: the one :class:`~processing.annotations.LabelVolume` every view
  paints, saved as the rater works (journal on stroke release, NIfTI checkpoint
  shortly after) by the underlying :class:`~processing.annotations.AnnotationSession`;
- ``toolbox``: tools, lesion selection, undo/redo;
- ``table``: the :class:`~viewers.state.tools.LesionTableModel`, refreshed after
  every stroke and rating; going to a lesion moves the shared cursor and selects it;
- ``form``: the :class:`~viewers.state.tools.RatingFormModel` of the selected
  lesion, whose every answer is on disk when the key press returns.

It needs no Qt: scripts and tests drive it like the widgets do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from processing.annotations import RaterWorkspace, load_schemas
from processing.annotations.cortex import cortex_inputs, cortex_mask
from processing.annotations.geometry import measure_lesions
from processing.annotations.labels import LabelEdit
from processing.annotations.relocation import relocate, unregistered_origin
from processing.annotations.rows import LesionRow, read_lesion_rows
from processing.annotations.session import AnnotationSession
from processing.registration import store as registration_store
from processing.spaces import reference as spaces
from viewers.state.cursor import WorldCursor
from viewers.state.events import EventEmitter
from viewers.state.tools import LesionTableModel, RatingFormModel, ToolBox

MODE = "rating"


class RaterSession:
    """Rating mode for ``rater`` on ``participant`` of the study at ``study_root``.

    Parameters
    ----------
    visit : str, optional
        The visit being screened (new lesions record it; an A-CMI's onset).
    lesion_type : str
        Type of the lesions painted next.
    reference_image : path, optional
        Defines the reference grid of a participant new to this rater
        (default: the first visit's DWI).
    cursor : WorldCursor, optional
        The views' shared cursor, which going to a lesion moves (default: a new
        one at the label grid's centre, for scripts without views).

    Raises
    ------
    FerretError
        Bad rater ID, another process holds this rater's lock, no reference
        space, unreadable stored annotations.
    """

    def __init__(
        self,
        study_root: str | Path,
        rater: str,
        participant: str,
        *,
        visit: str | None = None,
        lesion_type: str = "A-CMI",
        reference_image=None,
        cursor: WorldCursor | None = None,
        checkpoint_delay: float = 0.2,
    ):
        self.study_root, self.rater, self.participant = Path(study_root), rater, participant
        self.mode = MODE
        self.workspace = RaterWorkspace(study_root, rater)
        try:
            existing = (self.workspace.folder / participant).exists()
            grid = (
                None
                if existing
                else spaces.reference_grid(study_root, participant, reference_image)
            )
            self.annotation = self.workspace.open_session(
                participant,
                grid,
                lesion_type=lesion_type,
                visit=visit,
                checkpoint_delay=checkpoint_delay,
            )
        except BaseException:
            self.workspace.close()
            raise
        self._wire(cursor)

    @classmethod
    def around(
        cls,
        study_root: str | Path,
        rater: str,
        participant: str,
        workspace: RaterWorkspace,
        annotation: AnnotationSession,
        *,
        cursor: WorldCursor | None = None,
        mode: str = MODE,
    ) -> RaterSession:
        """Return a rating session over an annotation session opened elsewhere.

        The consensus session (:class:`~processing.consensus.session.ConsensusSession`)
        holds the consensus rater's lock and annotation session; this gives its
        labels the same tools, lesion table and form as a rater's own.
        :meth:`close` closes ``workspace`` (idempotent, as is its owner's close).
        ``mode`` names what the panel says it is (``"consensus of A and B"``).
        """
        self = cls.__new__(cls)
        self.study_root, self.rater, self.participant = Path(study_root), rater, participant
        self.mode = mode
        self.workspace, self.annotation = workspace, annotation
        self._wire(cursor)
        return self

    def _wire(self, cursor: WorldCursor | None) -> None:
        """Build the tools, table and form over :attr:`annotation` and listen to them."""
        self.labels = self.annotation.labels
        self.schemas = load_schemas(self.study_root)
        self.toolbox = ToolBox(self.labels)
        centre = self.labels.grid.voxel_to_world((np.array(self.labels.grid.shape) - 1) / 2)
        self.cursor = cursor or WorldCursor(centre)
        self._geometry = None
        self.relocation_deferred = False
        self._cortex: tuple[np.ndarray | None] | None = None
        self._atlas: tuple[np.ndarray | None] | None = None  # the MARS map, read once
        self.table = LesionTableModel(self.lesion_rows, self.schemas, self.cursor)
        self.form: RatingFormModel | None = None
        self.form_lesion_id: int | None = None
        self.changed = EventEmitter()
        self.labels.subscribe(self._on_edit)
        self.toolbox.stroke_started.connect(self._on_stroke)
        self.toolbox.selection.changed.connect(self._on_selection)
        self.table.changed.connect(self._on_table)

    # -- what the rater may see ------------------------------------------------------------
    def participant_table(self) -> list[dict[str, str]]:
        """participants.tsv without clinical columns (blinded)."""
        return self.workspace.participant_table()

    @property
    def visit(self) -> str | None:
        """The visit being screened (new lesions record it), or None."""
        return self.annotation.visit

    @property
    def lesion_type(self) -> str:
        """Type given to newly painted lesions."""
        return self.annotation.lesion_type

    def set_new_lesion_type(self, lesion_type: str) -> None:
        """Type of the lesions painted from now on."""
        self.annotation.lesion_type = lesion_type

    @property
    def cortex(self) -> np.ndarray | None:
        """The participant's cortex mask on the label grid (None without an R1 map); computed once."""
        if self._cortex is None:
            self._cortex = (cortex_mask(self.study_root, self.participant, self.labels.grid),)
        return self._cortex[0]

    def maps_arrived(self) -> bool:
        """Measure the cortex flag again once its maps exist (R1 and brain mask); True when it will.

        Called when new derivatives appear: lesions painted before the maps were
        computed get their ``in_cortex`` as soon as the maps arrive.
        """
        if self._cortex is not None and self._cortex[0] is not None:
            return False
        if cortex_inputs(self.study_root, self.participant) is None:
            return False
        self._cortex = self._geometry = None
        self.table.refresh()
        return True

    def lesion_rows(self) -> list[LesionRow]:
        """Every live lesion: metadata, measurements (cached until the labels change), ratings."""
        if self._geometry is None:
            cortex = self.cortex
            with self.labels.lock:
                self._geometry = measure_lesions(self.labels.data, self.labels.grid, cortex)
        return read_lesion_rows(self.annotation.store, self._geometry)

    def describe_at(self, world) -> str | None:
        """``"A-CMI 2 (yours)"``: the rater's lesion at a world point (reference mm), or None."""
        voxel = np.floor(
            self.labels.grid.world_to_voxel(np.asarray(world, dtype=float)) + 0.5
        ).astype(int)
        if np.any(voxel < 0) or np.any(voxel >= self.labels.grid.shape):
            return None
        lesion_id = int(self.labels.data[tuple(voxel)])
        if lesion_id == 0:
            return None
        row = self.table.row_of(
            lesion_id
        )  # the rows in memory (refreshed after every edit), not the database
        return f"{row['type'] if row else 'lesion'} {lesion_id} (yours)"

    # -- acting ------------------------------------------------------------------------------
    def select(self, lesion_id: int | None) -> None:
        """Select a lesion (its form opens); None closes the form."""
        self.toolbox.selection.select(lesion_id)

    def set_lesion_type(self, lesion_id: int, lesion_type: str) -> None:
        """Change a lesion's type; its form becomes that type's form."""
        self.annotation.set_lesion_type(lesion_id, lesion_type)
        self.table.refresh()
        if self.toolbox.selection.lesion_id == lesion_id:
            self._open_form(lesion_id)

    def set_onset(self, lesion_id: int, visit: str | None) -> None:
        """Change a lesion's onset visit (by default the visit of its first stroke)."""
        self.annotation.set_onset(lesion_id, visit)
        self.table.refresh()

    @property
    def visits(self) -> list[str]:
        """The participant's visits (``ses-YY``), for choosing an onset."""
        return spaces.visits_of(self.study_root, self.participant)

    def rate(self, lesion_id: int, field: str, value: str | None) -> None:
        """Store one rating field (on disk when this returns) and refresh the table."""
        self.annotation.set_rating(lesion_id, field, value)
        self.table.refresh()

    def relocate_registered(self, visits) -> list[int]:
        """Move the lesions painted on unregistered views whose registration has arrived.

        ``visits``: the participant's :class:`~processing.study.model.Visit` records.
        Returns the moved lesions' IDs (see :mod:`processing.annotations.relocation`).
        """
        self.relocation_deferred = self.labels.in_stroke
        if self.relocation_deferred:  # never inside the rater's stroke: again once it is committed
            return []
        by_session = {visit.session: visit for visit in visits}

        def transform_of(session: str, acquisition: str):
            visit = by_session.get(session)
            return None if visit is None else registration_store.ref_from(visit, acquisition)

        moved = relocate(self.annotation, transform_of)
        if moved:
            self.table.refresh()
        return moved

    def close(self) -> None:
        """Write everything, release the rater's lock (idempotent)."""
        if self.workspace.lock.held:
            self.toolbox.history.detach()
            self.labels.unsubscribe(self._on_edit)
            self.workspace.close()

    # -- observers -----------------------------------------------------------------------------
    def _on_stroke(self, visit=None, unregistered=None) -> None:
        if visit is not None:  # the row painted on: a lesion it creates records this visit (onset)
            self.annotation.visit = visit
        self.annotation.origin = unregistered_origin(unregistered)  # and how the view was placed

    def _on_edit(self, edit: LabelEdit) -> None:
        self._geometry = None
        self.annotation.mark_deleted([i for i in edit.changed_ids if not (edit.new == i).any()])
        self.table.refresh()
        selected = self.toolbox.selection.lesion_id
        if self.form is None and selected is not None:  # a new lesion has its row now
            self._open_form(selected)

    def atlas_suggestion(self, lesion_id: int) -> dict[str, str]:
        """Return the MARS answers the participant's registered atlas suggests for a lesion.

        Empty when the ``location`` step has not run, its map is damaged or on
        another grid, or the lesion lies on a boundary or outside every region.
        """
        from processing.errors import FerretError
        from processing.location.lookup import lesion_regions, suggested_ratings
        from processing.location.participant import load_participant_atlas

        if self._atlas is None:  # read once it is there (the background engine may write it)
            try:
                atlas, grid = load_participant_atlas(self.study_root, self.participant)
            except FerretError:
                return {}
            self._atlas = (atlas if grid.same_as(self.labels.grid) else None,)
        atlas = self._atlas[0]
        if atlas is None:
            return {}
        inside = self.labels.data == lesion_id
        if not inside.any():
            return {}
        region = lesion_regions(inside.astype(np.int32), atlas).get(1)
        return suggested_ratings(region)

    def _on_selection(self, lesion_id=None) -> None:
        if lesion_id != self.form_lesion_id or self.form is None:
            self._open_form(lesion_id)

    def _on_table(self, current=None) -> None:
        if current is not None and current != self.toolbox.selection.lesion_id:
            self.toolbox.selection.select(current)

    def _open_form(self, lesion_id: int | None) -> None:
        record = next(
            (r for r in self.annotation.store.lesions() if r.lesion_id == lesion_id), None
        )
        schema = self.schemas.get(record.type) if record is not None else None
        if schema is None:
            self.form = None
        else:
            values = self.annotation.store.ratings().get(lesion_id, {})
            self.form = RatingFormModel(
                schema,
                values,
                on_change=lambda f, v, i=lesion_id: self.rate(i, f, v),
                suggestions=self.atlas_suggestion(lesion_id) if record.type == "CMB" else None,
            )
        self.form_lesion_id = lesion_id if self.form is not None else None
        self.changed.emit(form=self.form, lesion_id=lesion_id)
