"""A rating form built from a schema, over a Qt-free RatingFormModel.

Every field of the schema is one row: its label and, for a choice, one radio
button per option named with its key ("h  hyperintense"); for text, a line
edit. Rows whose ``when`` condition fails are hidden. The field with keyboard
focus is marked. The widget takes the keyboard itself and hands every key to
the model (:meth:`RatingFormModel.press`): option keys answer and move on,
Up/Down/Tab move, Delete clears, typing fills a text field and Enter stores it.
The mouse works too (a radio click or an edited text calls ``set_value``).
A suggested value of an unanswered field (the atlas's MARS region) is written
after the field's label, e.g. "MARS region  (atlas: lobar, Enter takes it)".

A consensus session marks the fields two raters answered differently
(``set_form(..., conflicts={field: "A: yes / B: no"})``): the field's label is
framed in :data:`CONFLICT_COLOUR` with a tooltip, and both answers are written
on a row under it; the field itself is left unanswered by them.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from viewers.state.tools.rating_form import RatingFormModel

_NAMED_KEYS = {
    QtCore.Qt.Key.Key_Down: "Down",
    QtCore.Qt.Key.Key_Up: "Up",
    QtCore.Qt.Key.Key_Tab: "Tab",
    QtCore.Qt.Key.Key_Backtab: "Shift+Tab",
    QtCore.Qt.Key.Key_Return: "Enter",
    QtCore.Qt.Key.Key_Enter: "Enter",
    QtCore.Qt.Key.Key_Delete: "Delete",
    QtCore.Qt.Key.Key_Backspace: "Backspace",
    QtCore.Qt.Key.Key_Escape: "Escape",
}
CURRENT_STYLE = "font-weight: bold; color: #ffb000;"
CONFLICT_COLOUR = "#ff5a5a"
CONFLICT_STYLE = f"border: 2px solid {CONFLICT_COLOUR}; padding: 1px;"
OPTIONS_A_LINE = 2  # radio buttons per line of a field (one a line when a label is long)
LONG_LABEL = 16  # characters


def key_name(event: QtGui.QKeyEvent) -> str | None:
    """Return the model's name of a key press: ``"Down"``, ``"Enter"``, ... or the character."""
    if (
        event.key() == QtCore.Qt.Key.Key_Tab
        and event.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier
    ):
        return "Shift+Tab"
    if event.key() in _NAMED_KEYS:
        return _NAMED_KEYS[event.key()]
    text = event.text()
    return text if len(text) == 1 and text.isprintable() else None


_COMMAND_MODIFIERS = (
    QtCore.Qt.KeyboardModifier.ControlModifier
    | QtCore.Qt.KeyboardModifier.AltModifier
    | QtCore.Qt.KeyboardModifier.MetaModifier
)


def _is_form_key(event: QtGui.QKeyEvent) -> bool:
    """Return True for a key the form handles, False for Ctrl/Alt commands and F-keys.

    The form handles typed characters, arrows, Tab, Enter and Delete.
    """
    return not event.modifiers() & _COMMAND_MODIFIERS and key_name(event) is not None


class RatingFormWidget(QtWidgets.QWidget):
    """Shows one :class:`RatingFormModel` at a time (:meth:`set_form`; None shows a hint)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.form: RatingFormModel | None = None
        self.title = QtWidgets.QLabel("Select a lesion to rate it.")
        self.title.setWordWrap(True)
        self.rows = QtWidgets.QFormLayout()
        self.rows.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.WrapLongRows)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self.rows)
        layout.addStretch(1)
        self.labels: dict[str, QtWidgets.QLabel] = {}
        self.choices: dict[str, QtWidgets.QButtonGroup] = {}
        self.texts: dict[str, QtWidgets.QLineEdit] = {}
        self.conflicts: dict[str, QtWidgets.QLabel] = {}

    def set_form(
        self,
        form: RatingFormModel | None,
        title: str = "",
        conflicts: dict[str, str] | None = None,
    ) -> None:
        """Show ``form`` (built from its schema), or nothing.

        ``conflicts``: ``{field_id: both answers}`` of the fields to mark.
        """
        if self.form is not None:
            self.form.changed.disconnect(self._on_form)
        self.form = form
        self._clear_rows()
        self.title.setText(title if form is not None else "Select a lesion to rate it.")
        if form is None:
            return
        for spec in form.schema.fields:
            label = QtWidgets.QLabel(spec.label)
            self.labels[spec.id] = label
            self.rows.addRow(label, self._editor(spec))
            if conflicts and spec.id in conflicts:
                self._mark(spec.id, conflicts[spec.id])
        form.changed.connect(self._on_form)
        self._on_form()

    # -- keyboard ------------------------------------------------------------------------
    def event(self, event) -> bool:
        """Take the form's keys before the window's shortcuts (see the comment)."""
        # The form's keys are the form's: a window shortcut on the same key (O, S, PgUp, ...)
        # must not take them (ShortcutOverride accepted -> Qt delivers the key here as a KeyPress)
        if (
            event.type() == QtCore.QEvent.Type.ShortcutOverride
            and self.form is not None
            and _is_form_key(event)
        ):
            event.accept()
            return True
        # Tab and Shift+Tab move between fields, not out of the form
        if (
            event.type() == QtCore.QEvent.Type.KeyPress
            and event.key() in (QtCore.Qt.Key.Key_Tab, QtCore.Qt.Key.Key_Backtab)
            and self.form is not None
        ):
            self.keyPressEvent(event)
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        """Pass a key to the form; a key it does not handle goes to the widget."""
        name = key_name(event)
        if self.form is None or name is None or not self.form.press(name):
            super().keyPressEvent(event)
            return
        self._on_form()

    # -- building --------------------------------------------------------------------------
    def _editor(self, spec) -> QtWidgets.QWidget:
        box = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        if spec.kind == "text":
            edit = QtWidgets.QLineEdit()
            edit.setFocusPolicy(QtCore.Qt.FocusPolicy.ClickFocus)
            edit.editingFinished.connect(lambda f=spec.id, e=edit: self._set(f, e.text() or None))
            self.texts[spec.id] = edit
            row.addWidget(edit)
            return box
        group = QtWidgets.QButtonGroup(box)
        options = QtWidgets.QGridLayout()  # two a line: four fit the annotation dock's width
        long = max(len(option.label) for option in spec.options) > LONG_LABEL
        a_line = 1 if long else OPTIONS_A_LINE
        for number, option in enumerate(spec.options):
            button = QtWidgets.QRadioButton(f"{option.key}  {option.label}")
            button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            group.addButton(button, number)
            options.addWidget(button, number // a_line, number % a_line)
        group.idClicked.connect(lambda n, s=spec: self._set(s.id, s.options[n].value))
        self.choices[spec.id] = group
        row.addLayout(options)
        row.addStretch(1)
        return box

    def _mark(self, field_id: str, answers: str) -> None:
        """Mark a field the raters answered differently; show both answers on a row under it."""
        text = QtWidgets.QLabel(answers)
        text.setWordWrap(True)
        text.setStyleSheet(f"color: {CONFLICT_COLOUR}; padding-left: 12px;")
        text.setToolTip("The raters answered differently; their answers are not filled in.")
        self.rows.addRow(text)
        self.conflicts[field_id] = text
        self.labels[field_id].setToolTip(f"The raters disagree: {answers}")

    def _set(self, field_id: str, value) -> None:
        if self.form is not None and self.form.values.get(field_id) != value:
            self.form.set_value(field_id, value)
        self.setFocus()

    def _clear_rows(self) -> None:
        while self.rows.rowCount():
            self.rows.removeRow(0)
        self.labels.clear()
        self.choices.clear()
        self.texts.clear()
        self.conflicts.clear()

    def _on_form(self, **_) -> None:
        form = self.form
        shown = {spec.id for spec in form.shown_fields()}
        for spec in form.schema.fields:
            self.rows.setRowVisible(self.labels[spec.id], spec.id in shown)
            if spec.id in self.conflicts:
                self.rows.setRowVisible(self.conflicts[spec.id], spec.id in shown)
            current = CURRENT_STYLE if spec.id == form.current_id else ""
            conflict = CONFLICT_STYLE if spec.id in self.conflicts else ""
            self.labels[spec.id].setStyleSheet(current + conflict)
            self.labels[spec.id].setText(self._label_text(spec))
            value = form.values.get(spec.id)
            if spec.id in self.texts:
                edit = self.texts[spec.id]
                text = (
                    form.draft
                    if spec.id == form.current_id and form.draft is not None
                    else value or ""
                )
                if edit.text() != text:
                    edit.setText(text)
            else:
                self._check(self.choices[spec.id], [o.value for o in spec.options], value)
        self._show_current()

    def _label_text(self, spec) -> str:
        """Return the field's label, with the suggestion of an unanswered field after it."""
        suggested = self.form.suggestion(spec.id) if self.form is not None else None
        if suggested is None:
            return spec.label
        shown = next((o.label for o in spec.options if o.value == suggested), suggested)
        return f"{spec.label}  (atlas: {shown}, Enter takes it)"

    def _show_current(self) -> None:
        """Scroll the enclosing scroll area (the annotation dock's) to the current field's row.

        Keys walk the fields below the dock's lower edge; the rater must see the
        field the next key answers.
        """
        label = self.labels.get(self.form.current_id) if self.form is not None else None
        area = self.parentWidget()
        while area is not None and not isinstance(area, QtWidgets.QScrollArea):
            area = area.parentWidget()
        if label is None or area is None:
            return
        self.layout().activate()  # rows just shown or hidden: place them before scrolling
        area.ensureWidgetVisible(label, 0, 8)

    @staticmethod
    def _check(group: QtWidgets.QButtonGroup, values: list[str], value) -> None:
        group.setExclusive(False)
        for number, option_value in enumerate(values):
            group.button(number).setChecked(value is not None and option_value == value)
        group.setExclusive(True)
