"""The lesion table as a model: rows, sorting, filtering, going to a lesion, stepping.

Rows are the dicts of :meth:`processing.annotations.AnnotationSession.lesions`
(id, type, visit, onset, centre, volume, diameter, cortex, ratings, warning).
A row is *rated* when its form (the schema of its type) has every shown choice
field answered. Selecting a row moves the one world cursor to the lesion's
centre, so every view goes there. Keys: ``PageDown``/``PageUp`` step to the
next/previous lesion, ``Ctrl+PageDown`` to the next unrated one.
"""

from __future__ import annotations

from collections.abc import Callable

from processing.annotations.schema import RatingSchema
from viewers.state.events import EventEmitter

COLUMNS = (
    "lesion_id",
    "type",
    "visit",
    "onset_visit",
    "volume_mm3",
    "diameter_mm",
    "in_cortex",
    "rated",
)


class LesionTableModel:
    """Sorted, filtered lesion rows with a current row.

    Parameters
    ----------
    load_rows : callable
        Returns the current list of lesion dicts (called by :meth:`refresh`).
    schemas : dict
        Rating schemas by lesion type (to decide what "rated" means).
    cursor : WorldCursor, optional
        Moved to a lesion's centre when it becomes current.
    """

    def __init__(
        self, load_rows: Callable[[], list[dict]], schemas: dict[str, RatingSchema], cursor=None
    ):
        self.load_rows, self.schemas, self.cursor = load_rows, schemas, cursor
        self.sort_column, self.descending = "lesion_id", False
        self.type_filter: str | None = None
        self.text_filter = ""
        self.unrated_only = False
        self.current_id: int | None = None
        self.changed = EventEmitter()
        self._all: list[dict] = []
        self.refresh()

    # -- contents ------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the rows (after an edit or a rating)."""
        self._all = [dict(row, rated=self.is_rated(row)) for row in self.load_rows()]
        self.changed.emit(current=self.current_id)

    def is_rated(self, row: dict) -> bool:
        """Return True when every shown choice field of the row's schema has a value."""
        schema = self.schemas.get(row["type"])
        if schema is None:
            return False
        ratings = row.get("ratings", {})
        return all(
            spec.id in ratings
            for spec in schema.fields
            if spec.kind == "choice" and spec.is_shown(ratings)
        )

    @property
    def rows(self) -> list[dict]:
        """Rows after filtering, in sort order."""
        rows = [row for row in self._all if self._passes(row)]
        return sorted(
            rows, key=lambda r: _sort_key(r.get(self.sort_column)), reverse=self.descending
        )

    def _passes(self, row: dict) -> bool:
        if self.type_filter and row["type"] != self.type_filter:
            return False
        if self.unrated_only and row["rated"]:
            return False
        if self.text_filter:
            haystack = " ".join(str(v) for v in row.values()).lower()
            return self.text_filter.lower() in haystack
        return True

    # -- sorting and filtering ---------------------------------------------------------
    def sort_by(self, column: str, descending: bool = False) -> None:
        """Sort by a column of :data:`COLUMNS`."""
        if column not in COLUMNS:
            raise KeyError(column)
        self.sort_column, self.descending = column, descending
        self.changed.emit(current=self.current_id)

    def set_filter(
        self, *, lesion_type: str | None = None, text: str = "", unrated_only: bool = False
    ) -> None:
        """Show only one type, rows containing ``text``, and/or unrated rows."""
        self.type_filter, self.text_filter, self.unrated_only = lesion_type, text, unrated_only
        self.changed.emit(current=self.current_id)

    def row_of(self, lesion_id: int | None) -> dict | None:
        """Return a lesion's row whatever the filters (None when unknown)."""
        return next((r for r in self._all if r["lesion_id"] == lesion_id), None)

    # -- navigation ------------------------------------------------------------------
    def go_to(self, lesion_id: int) -> dict:
        """Make a lesion current and move the cursor to its centre (KeyError if unknown)."""
        row = self.row_of(lesion_id)
        if row is None:
            raise KeyError(lesion_id)
        self.current_id = lesion_id
        if self.cursor is not None:
            self.cursor.set_position(row["centre"], source=self)
        self.changed.emit(current=lesion_id)
        return row

    def next(self, step: int = 1) -> dict | None:
        """Go to the next (``step=-1``: previous) shown row; None when there is none."""
        rows = self.rows
        if not rows:
            return None
        ids = [r["lesion_id"] for r in rows]
        if self.current_id in ids:
            position = ids.index(self.current_id) + step
        else:
            position = 0 if step > 0 else len(ids) - 1
        if not 0 <= position < len(ids):
            return None
        return self.go_to(ids[position])

    def next_unrated(self) -> dict | None:
        """Go to the first unrated shown row after the current one (wrapping around)."""
        ids = [r["lesion_id"] for r in self.rows]
        unrated = {r["lesion_id"] for r in self.rows if not r["rated"]}
        start = ids.index(self.current_id) + 1 if self.current_id in ids else 0
        for lesion_id in ids[start:] + ids[:start]:
            if lesion_id in unrated:
                return self.go_to(lesion_id)
        return None

    def press(self, key: str) -> bool:
        """Keyboard navigation; True when the key was used."""
        actions = {
            "PageDown": lambda: self.next(1),
            "PageUp": lambda: self.next(-1),
            "Ctrl+PageDown": self.next_unrated,
        }
        if key not in actions:
            return False
        actions[key]()
        return True


def _sort_key(value):
    """None sorts first; numbers and text each in their natural order."""
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float, bool)):
        return (1, value)
    return (2, str(value))
