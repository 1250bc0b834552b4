"""A rating form as a model driven by key presses alone (no Qt).

The current field's option keys set its value and move on to the next shown
field (fields whose ``when`` condition fails are skipped). Navigation keys:
``Down``/``Tab`` next, ``Up``/``Shift+Tab`` previous, ``Delete`` clears a
choice. In a text field typed characters build a draft (starting from the
stored text), ``Backspace`` removes the last one, ``Enter``/``Tab`` stores it
and moves on (an emptied draft clears the field), ``Escape`` drops it.
Every stored value goes to ``on_change(field_id, value)`` at once (the session
writes it to disk before returning). An answer that hides other fields (e.g.
``excluded`` back to "no" hides ``exclusion_reason``) clears their stored values
too, each through ``on_change(field_id, None)``, so no stale answer survives.

A form may carry ``suggestions`` (``{field_id: value}``, e.g. the MARS region
the registered atlas finds for a microbleed): shown beside an unanswered
field, never stored by themselves; ``Enter`` on a suggested unanswered field
takes the suggestion (then moves on), an option key or a click overrides it.
The shown fields follow the suggestions too, so the suggested structure field
(``mars_lobe`` under a suggested ``lobar``) can be taken in turn.
"""

from __future__ import annotations

from collections.abc import Callable

from processing.annotations.schema import FieldSpec, RatingSchema
from viewers.state.events import EventEmitter

NEXT_KEYS = ("Down", "Tab")
PREVIOUS_KEYS = ("Up", "Shift+Tab")
CLEAR_KEYS = ("Delete", "Backspace")


class RatingFormModel:
    """The answers of one lesion's rating form and the field with keyboard focus."""

    def __init__(
        self,
        schema: RatingSchema,
        values: dict | None = None,
        on_change: Callable[[str, str | None], None] | None = None,
        suggestions: dict[str, str] | None = None,
    ):
        self.schema = schema
        self.values: dict[str, str] = dict(values or {})
        self.on_change = on_change
        self.suggestions: dict[str, str] = dict(suggestions or {})
        """Values suggested (not stored) for unanswered fields."""
        self.draft: str | None = None
        """Text being typed into the current text field; None when not editing."""
        self.changed = EventEmitter()
        shown = self.shown_fields()
        self.current_id = next((f.id for f in shown if f.id not in self.values), shown[0].id)

    def shown_fields(self) -> list[FieldSpec]:
        """Fields whose conditions hold for the current values (suggestions filling gaps)."""
        answers = {**self.suggestions, **self.values}
        return [spec for spec in self.schema.fields if spec.is_shown(answers)]

    def suggestion(self, field_id: str) -> str | None:
        """Return the suggested value of an unanswered field, else None."""
        return None if field_id in self.values else self.suggestions.get(field_id)

    @property
    def current(self) -> FieldSpec:
        """The field with keyboard focus."""
        return self.schema.field(self.current_id)

    @property
    def complete(self) -> bool:
        """True when every shown choice field has a value."""
        return all(spec.id in self.values for spec in self.shown_fields() if spec.kind == "choice")

    def press(self, key: str) -> bool:
        """Handle one key; return True when it did something."""
        if self.current.kind == "text":
            return self._press_text(key)
        if key == "Enter" and self.suggestion(self.current_id) is not None:
            self._store(self.current_id, self.suggestions[self.current_id])
            self._step(+1)
            return True
        if key in NEXT_KEYS or key == "Enter":
            return self._step(+1)
        if key in PREVIOUS_KEYS:
            return self._step(-1)
        if key in CLEAR_KEYS:
            return self._store(self.current_id, None)
        option = self.current.option_for_key(key) if len(key) == 1 else None
        if option is None:
            return False
        self._store(self.current_id, option.value)
        self._step(+1)
        return True

    def set_value(self, field_id: str, value: str | None) -> bool:
        """Store a value chosen with the mouse (an option value, a text, or None to clear).

        Raises
        ------
        KeyError
            Unknown field; ValueError when ``value`` is not one of a choice field's options.
        """
        spec = self.schema.field(field_id)
        if (
            spec.kind == "choice"
            and value is not None
            and value not in [o.value for o in spec.options]
        ):
            raise ValueError(f"{value!r} is not an option of {field_id!r}")
        self.current_id, self.draft = field_id, None
        return self._store(field_id, value or None)

    def type_text(self, text: str) -> None:
        """Press each character of ``text`` in turn (convenience for tests and paste)."""
        for char in text:
            self.press(char)

    def _press_text(self, key: str) -> bool:
        if key in ("Enter",) + NEXT_KEYS + PREVIOUS_KEYS:
            self._commit_draft()
            self._step(-1 if key in PREVIOUS_KEYS else +1)
            return True
        if key == "Escape":
            self.draft = None
            return True
        if key == "Backspace" or len(key) == 1:
            text = self.values.get(self.current_id, "") if self.draft is None else self.draft
            self.draft = text[:-1] if key == "Backspace" else text + key
            return True
        return False

    def _commit_draft(self) -> None:
        if self.draft is not None:
            self._store(self.current_id, self.draft or None)
        self.draft = None

    def _store(self, field_id: str, value: str | None) -> bool:
        if self.values.get(field_id) == value:
            return False
        if value is None:
            self.values.pop(field_id, None)
        else:
            self.values[field_id] = value
        if self.on_change is not None:
            self.on_change(field_id, value)
        self.changed.emit(field=field_id, value=value)
        self._clear_hidden()
        return True

    def _clear_hidden(self) -> None:
        """Clear the stored values of fields the current answers hide."""
        visible = self.schema.visible_values(self.values)
        for field_id in [f for f in self.values if f not in visible and f in self.schema.field_ids]:
            self.values.pop(field_id)
            if self.on_change is not None:
                self.on_change(field_id, None)
            self.changed.emit(field=field_id, value=None)

    def _step(self, direction: int) -> bool:
        ids = [spec.id for spec in self.shown_fields()]
        position = ids.index(self.current_id) if self.current_id in ids else 0
        target = min(max(position + direction, 0), len(ids) - 1)
        if ids[target] == self.current_id:
            return False
        self.current_id = ids[target]
        self.changed.emit(field=None, value=None)
        return True
