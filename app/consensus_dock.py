"""The consensus session's dock: legend, progress line, the disagreement queue and its keys.

:class:`QueuePanel` listens to a :class:`~processing.consensus.session.ConsensusSession`
(``events.current``, ``.decided``, ``.progress``) and calls it: one button and
one key per entry of :data:`CONSENSUS_KEYS`. The keys belong to the image
views, like every plain key of :mod:`app.grid_actions` (none of which they
reuse): letters typed into the rating form stay answers. The issue asked for
N / P; P already shows or hides the point markers, so the previous item is
Shift+N, as the previous lesion is Shift+L.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from app.consensus_legend import Legend
from app.review_keys import bind_keys, unbind_keys
from processing.consensus.queue import QueueItem
from processing.errors import FerretError

#: (key, button text, ``"next"`` / ``"previous"`` or the decision rule)
CONSENSUS_KEYS = (
    ("N", "Next item", "next"),
    ("Shift+N", "Previous item", "previous"),
    ("1", "Accept A", "accept-a"),
    ("2", "Accept B", "accept-b"),
    ("U", "Union", "union"),
    ("I", "Intersection", "intersection"),
    ("X", "Reject", "reject"),
    ("E", "Keep what was painted (edited)", "edited"),
)
WALK = ("next", "previous")


def item_text(item: QueueItem, decided: bool) -> str:
    """One row of the queue list: ``"[x] split  ses-01  Dice 0.71"``."""
    dice = "-" if item.dice is None else f"{item.dice:.2f}"
    return f"{'[x]' if decided else '[ ]'} {item.kind}  {item.visit or '-'}  Dice {dice}"


class QueuePanel(QtWidgets.QWidget):
    """Legend, progress, the queue list and the walk and decision buttons of one session."""

    def __init__(self, consensus, views, parent=None) -> None:
        super().__init__(parent)
        self.consensus = consensus
        self.setAccessibleName("consensus queue")
        self.legend = Legend(consensus.sources, consensus.workspace.rater)
        self.progress = QtWidgets.QLabel(str(consensus.progress))
        self.list = QtWidgets.QListWidget()
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)  # the row clicked is the one decided next
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        column = QtWidgets.QVBoxLayout(self)
        for widget in (self.legend, self.progress, self.list):
            column.addWidget(widget)
        grid = QtWidgets.QGridLayout()
        for number, (key, text, rule) in enumerate(CONSENSUS_KEYS):
            button = QtWidgets.QPushButton(f"{text} ({key})")
            button.clicked.connect(lambda _=False, r=rule: self.act(r))
            grid.addWidget(button, number // 2, number % 2)
            self.buttons[rule] = button
        self._views = list(views)
        rows = [((key,), text, rule) for key, text, rule in CONSENSUS_KEYS]
        self.actions_by_rule = bind_keys(self, self._views, rows, self.act, "Consensus")
        column.addLayout(grid)
        column.addWidget(self.message)
        self._fill()
        consensus.events.current.subscribe(self._current)
        consensus.events.decided.subscribe(self._decided)
        consensus.events.progress.subscribe(self._progress)

    def act(self, rule: str) -> None:
        """Walk the queue (``next``, ``previous``) or decide the current item by ``rule``."""
        if rule in WALK:
            getattr(self.consensus, rule)()
            return
        item = self.consensus.current
        if item is None:
            self.message.setText("No item shown: N goes to the next undecided one.")
            return
        try:
            self.consensus.decide(item, rule)
        except FerretError as error:
            self.message.setText(str(error))

    def detach(self) -> None:
        """Stop listening and take the keys off the views."""
        events = self.consensus.events
        events.current.unsubscribe(self._current)
        events.decided.unsubscribe(self._decided)
        events.progress.unsubscribe(self._progress)
        unbind_keys(self._views, self.actions_by_rule)

    # -- listeners ---------------------------------------------------------------------------
    def _fill(self) -> None:
        self.list.clear()
        for item in self.consensus.items:
            row = QtWidgets.QListWidgetItem(item_text(item, item.item_id in self.consensus.decided))
            row.setData(QtCore.Qt.ItemDataRole.UserRole, item.item_id)
            row.setToolTip(item.describe())
            self.list.addItem(row)

    def _current(self, item: QueueItem | None) -> None:
        self.message.clear()
        if item is None:
            self.list.clearSelection()
            self.message.setText("Every item is decided.")
            return
        self.list.setCurrentRow(self.consensus.items.index(item))
        allowed = set(self.consensus.rules(item))
        for rule, button in self.buttons.items():
            button.setEnabled(rule in WALK or rule in allowed)

    def _decided(self, decision) -> None:
        for row in range(self.list.count()):
            entry = self.list.item(row)
            if entry.data(QtCore.Qt.ItemDataRole.UserRole) == decision.item_id:
                entry.setText(item_text(self.consensus.item(decision.item_id), True))

    def _progress(self, progress) -> None:
        self.progress.setText(str(progress))

    def _activated(self, entry: QtWidgets.QListWidgetItem) -> None:
        """Go to the row's item and give the keys back to the views (1, U, ... decide it)."""
        self.consensus.go_to(entry.data(QtCore.Qt.ItemDataRole.UserRole))
        if self._views:
            self._views[0].setFocus()
