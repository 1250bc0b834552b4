"""The annotation dock's contents: who rates what, tools, lesion table, the selected lesion's form.

:class:`AnnotationPanel` assembles the widgets of :mod:`viewers.widgets.annotation`
over one :class:`~app.annotation.rater_session.RaterSession`; it holds no state
of its own. The lesion type box sets the type of the selected lesion (and of
the lesions painted next).
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from app.annotation.rater_session import RaterSession
from processing.annotations.schema import LESION_TYPES
from viewers.state.tools.label_slice import MaskStyle
from viewers.widgets.annotation.lesion_table import LesionTableWidget
from viewers.widgets.annotation.rating_form import RatingFormWidget
from viewers.widgets.annotation.tool_panel import ToolPanel, undo_actions


class AnnotationPanel(QtWidgets.QWidget):
    """Tools, lesions and rating of one rater session."""

    def __init__(self, session: RaterSession, controller, style: MaskStyle, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        header = QtWidgets.QLabel(
            f"Rater {session.rater} - {session.participant}"
            f"{' - ' + session.visit if session.visit else ''} - "
            + ("rating (blinded)" if session.mode == "rating" else session.mode)
        )
        header.setStyleSheet("font-weight: bold;")
        self.tools = ToolPanel(session.toolbox, controller, style)
        self.undo_action, self.redo_action = undo_actions(session.toolbox, self)
        self.addActions([self.undo_action, self.redo_action])
        self.type_box = QtWidgets.QComboBox()
        self.type_box.addItems(list(LESION_TYPES))
        self.type_box.setCurrentText(session.lesion_type)
        self.type_box.activated.connect(lambda _: self._set_type(self.type_box.currentText()))
        self.onset_box = QtWidgets.QComboBox()
        self.onset_box.addItems(["(none)"] + session.visits)
        self.onset_box.setToolTip(
            "Onset visit of the selected lesion (by default the row of its first stroke)"
        )
        self.onset_box.activated.connect(lambda _: self._set_onset(self.onset_box.currentText()))
        self.table = LesionTableWidget(session.table)
        self.form = RatingFormWidget()
        splitter = self.splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        splitter.addWidget(scroll)
        type_row = QtWidgets.QHBoxLayout()
        type_row.addWidget(QtWidgets.QLabel("Lesion type"))
        type_row.addWidget(self.type_box, 1)
        type_row.addWidget(QtWidgets.QLabel("onset"))
        type_row.addWidget(self.onset_box, 1)
        controls = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(controls)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(header)
        column.addWidget(self.tools)
        column.addLayout(type_row)
        column.addStretch(0)
        self.controls = controls
        self.box = QtWidgets.QBoxLayout(QtWidgets.QBoxLayout.Direction.TopToBottom, self)
        self.box.addWidget(controls)
        self.box.addWidget(splitter, 1)
        session.changed.connect(self._on_session)

    def set_wide(self, wide: bool) -> None:
        """Place tools, lesion table and rating form side by side or stacked.

        Side by side in a dock under the grid, stacked in a dock beside it.
        """
        orientation, direction = QtCore.Qt.Orientation, QtWidgets.QBoxLayout.Direction
        self.splitter.setOrientation(orientation.Horizontal if wide else orientation.Vertical)
        self.box.setDirection(direction.LeftToRight if wide else direction.TopToBottom)
        self.controls.setMaximumWidth(420 if wide else 16777215)
        self.splitter.setSizes(
            [330, 700] if wide else [300, 300]
        )  # the form gets the room it needs

    def _set_type(self, lesion_type: str) -> None:
        self.session.set_new_lesion_type(lesion_type)
        if self.session.form_lesion_id is not None:
            self.session.set_lesion_type(self.session.form_lesion_id, lesion_type)

    def _set_onset(self, visit: str) -> None:
        if self.session.form_lesion_id is not None:
            self.session.set_onset(
                self.session.form_lesion_id, None if visit == "(none)" else visit
            )

    def _on_session(self, form=None, lesion_id=None) -> None:
        if form is None:
            self.form.set_form(None)
            return
        row = next((r for r in self.session.table.rows if r["lesion_id"] == lesion_id), {})
        self.type_box.setCurrentText(row.get("type", self.session.lesion_type))
        self.onset_box.setCurrentText(row.get("onset_visit") or "(none)")
        onset = f" - onset {row['onset_visit']}" if row.get("onset_visit") else ""
        warning = f"\n{row['warning']}" if row.get("warning") else ""
        self.form.set_form(form, f"Lesion {lesion_id} - {form.schema.title}{onset}{warning}")
