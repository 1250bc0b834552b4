"""Which columns (modalities) and rows (visits) the grid shows, in which order.

A :class:`GridLayout` is the rater's choice: column order, hidden columns,
hidden visits, and whether visits run down (rows, the default) or across
(``visits_across``: one column per visit, one row per modality, so ten visits
of three modalities fit a 1920 x 1080 screen at tiles of 180 px). It is
plain data with events, saved under a name in the settings
(:mod:`viewers.state.settings`) and restored from a dict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from viewers.state.columns import COLUMNS, DEFAULT_COLUMNS
from viewers.state.events import EventEmitter, EventGroup


class LayoutEvents(EventGroup):
    """What changed in a :class:`GridLayout` (each emitted without arguments)."""

    columns: EventEmitter
    rows: EventEmitter


class GridLayout:
    """Column order and visibility, hidden visits.

    Parameters
    ----------
    columns : sequence of str
        Column keys in display order (unknown keys are dropped).
    hidden_columns, hidden_rows : iterable of str
        Column keys and session labels not shown.
    visits_across : bool
        Visits as the grid's columns and modalities as its rows.

    Attributes
    ----------
    events : LayoutEvents
        ``columns`` (shown columns, their order or the placement changed) and
        ``rows`` (shown visits changed), each emitted after its change.
    """

    def __init__(
        self,
        columns: Sequence[str] = DEFAULT_COLUMNS,
        hidden_columns: Iterable[str] = (),
        hidden_rows: Iterable[str] = (),
        visits_across: bool = False,
    ) -> None:
        self.columns = [key for key in dict.fromkeys(columns) if key in COLUMNS]
        self.hidden_columns = {key for key in hidden_columns if key in self.columns}
        self.hidden_rows = set(hidden_rows)
        self.visits_across = bool(visits_across)
        self.events = LayoutEvents()

    def visible_columns(self) -> list[str]:
        """Keys of the shown columns, in order."""
        return [key for key in self.columns if key not in self.hidden_columns]

    def visible_rows(self, sessions: Sequence[str]) -> list[str]:
        """Return the shown sessions among ``sessions`` (chronological order kept)."""
        return [s for s in sessions if s not in self.hidden_rows]

    def set_column_visible(self, key: str, visible: bool) -> None:
        """Show or hide a column; a column not in the layout yet is appended when shown."""
        if key not in COLUMNS:
            raise KeyError(f"unknown column {key!r}; known: {', '.join(COLUMNS)}")
        if key not in self.columns:
            if not visible:
                return
            self.columns.append(key)
        elif visible == (key not in self.hidden_columns):
            return
        (self.hidden_columns.discard if visible else self.hidden_columns.add)(key)
        self.events.columns.emit()

    def move_column(self, key: str, steps: int) -> None:
        """Move a column ``steps`` places right (negative: left), clipped to the ends."""
        old = self.columns.index(key)
        new = min(max(old + int(steps), 0), len(self.columns) - 1)
        if new != old:
            self.columns.insert(new, self.columns.pop(old))
            self.events.columns.emit()

    def set_columns(self, keys: Sequence[str]) -> None:
        """Show exactly ``keys``, in this order (others hidden, kept at the end)."""
        keys = [key for key in dict.fromkeys(keys) if key in COLUMNS]
        self.columns = keys + [key for key in self.columns if key not in keys]
        self.hidden_columns = set(self.columns) - set(keys)
        self.events.columns.emit()

    def set_row_visible(self, session: str, visible: bool) -> None:
        """Show or hide a visit."""
        if visible == (session not in self.hidden_rows):
            return
        (self.hidden_rows.discard if visible else self.hidden_rows.add)(session)
        self.events.rows.emit()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the settings file)."""
        return {
            "columns": list(self.columns),
            "hidden_columns": sorted(self.hidden_columns),
            "hidden_rows": sorted(self.hidden_rows),
            "visits_across": self.visits_across,
        }

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> GridLayout:
        """Rebuild from :meth:`to_dict` output; missing or wrong fields fall back to defaults."""
        columns = record.get("columns") if isinstance(record, dict) else None
        if not isinstance(columns, list) or not columns:
            columns = list(DEFAULT_COLUMNS)
        across = record.get("visits_across") is True if isinstance(record, dict) else False
        return cls(
            [str(c) for c in columns],
            _strings(record, "hidden_columns"),
            _strings(record, "hidden_rows"),
            across,
        )

    def assign(self, other: GridLayout) -> None:
        """Take over another layout's choices with ONE ``columns`` event.

        ``other`` is a named layout or a preset.

        Columns, rows and orientation change together, so the grid rebuilds once.
        """
        self.columns, self.hidden_columns = list(other.columns), set(other.hidden_columns)
        self.hidden_rows = set(other.hidden_rows)
        self.visits_across = other.visits_across
        self.events.columns.emit()


def _strings(record: Any, field: str) -> list[str]:
    values = record.get(field, []) if isinstance(record, dict) else []
    return [str(v) for v in values] if isinstance(values, list) else []
