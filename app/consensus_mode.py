"""Consensus mode of the main window (issue 14 item 3), wiring only.

``ferret open STUDY --consensus A,B [--rater C]``: the grid shows raters A's
and B's labels, and no one else's nor the truth (``overlay_mode="consensus"``,
:mod:`viewers.state.grid_overlays`); a
:class:`~processing.consensus.session.ConsensusSession` of the shown
participant decides their disagreements into C (default ``consensus``), whose
labels are drawn and painted like a rater's own (the annotation tools over a
:meth:`RaterSession.around <app.annotation.RaterSession.around>` of the
session's labels), and whose time courses the analysis dock
(:mod:`app.analysis`) shows and recomputes after each decision. The queue
dock (:mod:`app.consensus_dock`) walks the items: each new current item moves
the grid to its centre, zoomed to its radius, at its visit, and lesions
painted from then on get its agreed type and visit.
The annotation dock's rating form shows the item's consensus lesion
(:class:`~viewers.state.tools.consensus_form.ItemForm`): pre-filled where the
raters agree, the conflicting fields marked with both answers; answers given
before the item is decided are written to the lesion its decision makes.
Review mode stays off here as in rating mode. A damaged consensus store is
not opened (nor rebuilt): a person is asked as in rating mode (restore the
newest backup, open without the session, quit); the command line ends with
the one-line error.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtWidgets

from app.annotation import RaterSession
from app.consensus_dock import QueuePanel
from app.rating_mode import RatingMode
from processing.consensus.decide import item_lesions
from processing.consensus.queue import QueueItem
from processing.consensus.session import ConsensusSession
from viewers.state.compared import CONSENSUS_OPACITY
from viewers.state.overlays import COMPARED_COLOURS, Lesion
from viewers.state.tools.consensus_form import ItemForm
from viewers.state.tools.label_slice import MaskStyle


class ConsensusMode(RatingMode):
    """The consensus state of one main window.

    Parameters
    ----------
    window : MainWindow
    raters : sequence of str
        The two raters compared, A first.
    into : str
        The consensus rater (its lock is held while a participant is open).
    interactive : bool
        A person uses the window (errors on switching participant go to the status bar).
    """

    def __init__(
        self, window, raters: Sequence[str], into: str = "consensus", *, interactive: bool = False
    ) -> None:
        super().__init__(window, into, None, interactive=interactive)
        self.raters = tuple(raters)
        self.consensus: ConsensusSession | None = None
        self.queue: QueuePanel | None = None
        self.dock: QtWidgets.QDockWidget | None = None
        self.item_form: ItemForm | None = None

    def open(self, participant) -> None:
        """Start (or restart) the consensus session on ``participant``."""
        self.close()
        from app.annotation import attach_annotation

        window, grid = self.window, self.window.session.grid
        # a damaged consensus store is never rebuilt: the person chooses (rating mode's dialog)
        consensus = self._open_review(
            participant.label,
            lambda: ConsensusSession(
                window.study.root, participant.label, self.raters, into=self.rater
            ),
            "No consensus session for",
        )
        if consensus is None:
            return
        self.consensus = consensus
        session = RaterSession.around(
            window.study.root,
            consensus.workspace.rater,
            participant.label,
            consensus.workspace,
            consensus.annotation,
            cursor=grid.cursor,
            mode=f"consensus of {' and '.join(consensus.sources)}",
        )
        # the raters' layers are outlined, their overlap filled (viewers.state.compared)
        style = MaskStyle(
            mode="fill", opacity=CONSENSUS_OPACITY, colour=COMPARED_COLOURS["consensus"]
        )
        self.annotation = attach_annotation(window, session, style, skip=[window.slice_view])
        grid.show_own_labels(session.describe_at)
        session.labels.subscribe(self._own_labels_edited)
        self.queue = QueuePanel(consensus, [window.grid_view])
        self.dock = QtWidgets.QDockWidget("Consensus queue", window)
        self.dock.setObjectName("consensus-dock")
        self.dock.setWidget(self.queue)
        window.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        consensus.events.current.subscribe(self._show_item)
        consensus.events.decided.subscribe(self._decided)
        from app.analysis import attach_analysis

        # the time courses of the consensus as decided so far, recomputed after every decision
        self.analysis = attach_analysis(window, window.study, session)
        consensus.next()

    def _not_opened(self, label: str) -> str:
        """Return what the status bar says when the person chose to open ``label`` without the session."""
        return (
            f"No consensus session for {label}: the annotations of {self.rater} are damaged "
            "(ferret annotate recover lists the ways back)."
        )

    def _show_item(self, item: QueueItem | None) -> None:
        """Move the grid to the item (centre, zoom, visit); painting takes its type and visit."""
        if item is None:
            self._form_after_the_last()
            self.window.statusBar().showMessage("Every item of the queue is decided.", 8000)
            return
        assert self.consensus is not None
        self.consensus.prepare_edit(item)
        self.window.go_to_lesion(
            Lesion(item.item_id, item.kind, np.asarray(item.centre), item.radius_mm, item.visit)
        )
        self._show_form(item)
        self.window.statusBar().showMessage(item.describe(), 8000)

    def _show_form(self, item: QueueItem) -> None:
        """Open the rating form of the item's consensus lesion (or of the lesion to be)."""
        assert self.consensus is not None and self.annotation is not None
        session, widget = self.annotation.session, self.annotation.panel.form
        found = item_lesions(self.consensus.labels, item, self.consensus.sources)
        lesion_id = found[0] if found else None
        session.select(lesion_id)  # the lesion the tools act on (None closes its form)
        row = session.table.row_of(lesion_id) if lesion_id is not None else None
        schema = session.schemas.get(row["type"] if row else item.prefill.type)
        if schema is None:
            self.item_form = None
            return
        stored = session.annotation.store.ratings().get(lesion_id, {}) if lesion_id else {}
        self.item_form = ItemForm(
            item.item_id,
            schema,
            item.prefill,
            lesion_id=lesion_id,
            stored=stored,
            rate=session.rate,
        )
        where = (
            f"consensus lesion {lesion_id}"
            if lesion_id is not None
            else "not decided yet: answers go to the lesion it makes"
        )
        title = "\n".join(
            [f"{item.kind} - {schema.title}", where] + self.item_form.header_conflicts()
        )
        widget.set_form(self.item_form.form, title, self.item_form.conflicts)

    def _form_after_the_last(self) -> None:
        """After the last decision, show the form of the lesion it made (or none), not the item's.

        The item's form would keep collecting answers for "the lesion it makes"
        after the lesion was made, and they would never be stored.
        """
        shown, self.item_form = self.item_form, None
        if shown is None or self.consensus is None or self.annotation is None:
            return
        item = self.consensus.item(shown.item_id)
        if item_lesions(self.consensus.labels, item, self.consensus.sources):
            self._show_form(item)  # "consensus lesion N": answers go straight to it
        else:
            self.annotation.session.select(None)
            self.annotation.panel.form.set_form(None)

    def _decided(self, decision=None) -> None:
        """Store the answers given before the decision; forget the undo steps.

        A decision is stored and audited: Ctrl+Z must not undo it.
        """
        if self.annotation is None:
            return
        form, session = self.item_form, self.annotation.session
        if form is not None and decision is not None and form.item_id == decision.item_id:
            form.apply(decision.lesions, session.rate)
        session.toolbox.history.clear()
        session.table.refresh()  # the decision wrote lesion records

    def close(self) -> None:
        """Take the dock down, write everything and release the consensus lock (idempotent)."""
        self.take_down_queue()
        consensus, self.consensus = self.consensus, None
        self.item_form = None
        if consensus is not None:
            consensus.events.current.unsubscribe(self._show_item)
            consensus.events.decided.unsubscribe(self._decided)
        super().close()
        if consensus is not None:
            consensus.close()
