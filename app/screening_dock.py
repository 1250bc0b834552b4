"""The screening dock: progress line, the queue list, and the walk and decision buttons and keys.

:class:`ScreeningPanel` listens to a :class:`~processing.screening.session.ScreeningSession`
(``events.current``, ``.decided``, ``.progress``) and calls it, one button and
one key per row of :data:`SCREENING_KEYS`: Enter accepts (in the visit-by-visit
walk: marks the visit screened; a microbleed as definite), Shift+Enter accepts
a microbleed as possible (anything else as Enter does), Delete rejects, N goes
to the next undecided item. The issue asked for P for the previous one; P already shows or hides the
point markers (:mod:`app.grid_actions`), so the previous item is Shift+N, as in
the consensus dock. The keys belong to the image views (:mod:`app.review_keys`):
Enter and Delete in the rating form stay the form's. When the session reloads
its queue (``events.reloaded``: a rewritten candidate table), the list is
filled again and the row shown stays selected.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from app.review_keys import bind_keys, key_text, unbind_keys
from processing.errors import FerretError
from processing.screening.items import ScreeningItem

#: (keys, button text, "next" / "previous" or the decision)
SCREENING_KEYS = (
    (("Return", "Enter"), "Accept", "accept"),
    (("Shift+Return", "Shift+Enter"), "Accept as possible", "possible"),
    (("Delete",), "Reject", "reject"),
    (("N",), "Next", "next"),
    (("Shift+N",), "Previous", "previous"),
)
WALK = ("next", "previous")


def item_text(item: ScreeningItem, state: str) -> str:
    """One row: ``"[+] A-CMI 1  ses-02  score 9.00  2.0 mm"`` (``+`` accepted, ``-`` rejected)."""
    mark = {"accepted": "[+]", "decided": "[-]", "open": "[ ]"}[state]
    if not item.is_candidate:
        return f"{'[x]' if state != 'open' else '[ ]'} visit {item.visit}"
    score = "-" if item.score is None else f"{item.score:.2f}"
    return (
        f"{mark} {item.label} {item.rank}  {item.visit}  score {score}  {item.diameter_mm:.1f} mm"
    )


class ScreeningPanel(QtWidgets.QWidget):
    """Progress, the queue list and the buttons of one screening session.

    Parameters
    ----------
    screening : ScreeningSession
    views : list of QWidget
        The image views the keys belong to.
    intercept : callable, optional
        Called before Enter accepts; True means the key was used otherwise
        (an open polygon was closed) and nothing is decided.
    home : QWidget, optional
        Given the keyboard focus after a row of the list is chosen, so that the
        keys work on at once (default: the first view).
    """

    def __init__(self, screening, views, intercept=None, home=None, parent=None) -> None:
        super().__init__(parent)
        self.screening, self.intercept, self._views = screening, intercept, list(views)
        self.home = home or (self._views[0] if self._views else None)
        self.setAccessibleName("screening queue")
        self.progress = QtWidgets.QLabel(str(screening.progress))
        self.list = QtWidgets.QListWidget()
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)  # the row clicked is the one decided next
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        column = QtWidgets.QVBoxLayout(self)
        column.addWidget(self.progress)
        column.addWidget(self.list)
        column.addLayout(self._buttons(screening))
        column.addWidget(self.message)
        self.actions_by_name = bind_keys(self, self._views, SCREENING_KEYS, self.act, "Screening")
        self._fill()
        screening.events.current.subscribe(self._current)
        screening.events.decided.subscribe(self._decided)
        screening.events.progress.subscribe(self._progress)
        screening.events.reloaded.subscribe(self._reloaded)

    def _buttons(self, screening) -> QtWidgets.QGridLayout:
        grid = QtWidgets.QGridLayout()
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        visits = bool(screening.items) and not screening.items[0].is_candidate
        for number, (keys, text, name) in enumerate(SCREENING_KEYS):
            label = "Screened" if visits and name == "accept" else text
            button = QtWidgets.QPushButton(f"{label} ({key_text(keys)})")
            button.clicked.connect(lambda _=False, n=name: self.act(n))
            button.setEnabled(not (visits and name in ("reject", "possible")))
            grid.addWidget(button, number // 2, number % 2)
            self.buttons[name] = button
        return grid

    def act(self, name: str) -> None:
        """Walk (``next``, ``previous``) or decide the current item (``accept``, ``possible``, ``reject``).

        ``possible`` accepts a microbleed as possible (anything else as ``accept`` does).
        """
        if name in WALK:
            getattr(self.screening, name)()
            return
        item = self.screening.current
        if item is None:
            self.message.setText("No item shown: N goes to the next undecided one.")
            return
        certainty = "possible" if name == "possible" else None
        name = "accept" if name == "possible" else name
        decision = "screened" if name == "accept" and not item.is_candidate else name
        if decision not in self.screening.choices(item):
            self.message.setText(f"A visit is not rejected: Enter marks {item.visit} screened.")
            return
        if decision == "accept" and self.intercept is not None and self.intercept():
            return
        try:
            self.screening.decide(item, decision, certainty=certainty)
        except FerretError as error:
            self.message.setText(str(error))

    def detach(self) -> None:
        """Stop listening and take the keys off the views."""
        events = self.screening.events
        events.current.unsubscribe(self._current)
        events.decided.unsubscribe(self._decided)
        events.progress.unsubscribe(self._progress)
        events.reloaded.unsubscribe(self._reloaded)
        unbind_keys(self._views, self.actions_by_name)

    # -- listeners ---------------------------------------------------------------------------
    def _state(self, item: ScreeningItem) -> str:
        if item.item_id in self.screening.accepted:
            return "accepted"
        return "decided" if item.item_id in self.screening.decided else "open"

    def _fill(self) -> None:
        self.list.clear()
        for item in self.screening.items:
            row = QtWidgets.QListWidgetItem(item_text(item, self._state(item)))
            row.setData(QtCore.Qt.ItemDataRole.UserRole, item.item_id)
            row.setToolTip(item.describe())
            self.list.addItem(row)

    def _current(self, item: ScreeningItem | None) -> None:
        self.message.clear()
        if item is None:
            self.list.clearSelection()
            self.message.setText("Every item is reviewed.")
            return
        self.list.setCurrentRow(self.screening.walk.index(item))

    def _decided(self, decision) -> None:
        item = self.screening.item(decision.item_id)
        self.list.item(self.screening.walk.index(item)).setText(item_text(item, self._state(item)))

    def _reloaded(self, summary) -> None:
        self._fill()
        self.message.setText(f"The queue was read again: {summary}.")
        if summary.current_kept and self.screening.current is not None:
            self.list.setCurrentRow(self.screening.walk.index(self.screening.current))

    def _progress(self, progress) -> None:
        self.progress.setText(str(progress))

    def _activated(self, entry: QtWidgets.QListWidgetItem) -> None:
        self.screening.go_to(entry.data(QtCore.Qt.ItemDataRole.UserRole))
        if self.home is not None:
            self.home.setFocus()
