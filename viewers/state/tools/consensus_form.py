"""The rating form of a consensus queue item: agreed answers filled in, conflicts marked (no Qt).

:class:`ItemForm` wraps a :class:`~viewers.state.tools.rating_form.RatingFormModel`
of the item's lesion type. It starts from the consensus lesion's stored answers
when the item already has one (decided, or made by ``ferret consensus build``),
else from the raters' agreed answers
(:attr:`~processing.consensus.prefill.Prefill.values`); a conflicting field is
never filled from either rater: it is marked, with both answers
(:meth:`ItemForm.conflict_text`, ``"A: hyperintense / B: isointense"``).

Answers given before the item is decided have no lesion to go to: they are
kept (:attr:`ItemForm.pending`) and written to the lesions the decision makes
(:meth:`ItemForm.apply`), over whatever the decision carried over. Once the
lesion exists, answers go straight to it through ``rate``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from processing.annotations.schema import RatingSchema
from processing.consensus.prefill import RATING, Prefill
from viewers.state.tools.rating_form import RatingFormModel

#: ``rate(lesion_id, field_id, value)``: store one answer of a consensus lesion.
Rate = Callable[[int, str, "str | None"], None]


def answer_text(answers: dict[str, str], label_of: Callable[[str], str] = str) -> str:
    """Return each rater's answer, ``"A: yes / B: no"`` (shown as ``label_of(value)``)."""
    return " / ".join(f"{rater}: {label_of(answer)}" for rater, answer in answers.items())


class ItemForm:
    """The form of one queue item's consensus lesion (see the module docstring).

    Parameters
    ----------
    item_id : str
        The queue item.
    schema : RatingSchema
        The form of the lesion's type.
    prefill : Prefill
        The item's agreed values and conflicts.
    lesion_id : int, optional
        The item's consensus lesion, when it exists.
    stored : dict, optional
        That lesion's stored answers (they replace the agreed ones).
    rate : callable, optional
        Stores an answer of an existing lesion.
    """

    def __init__(
        self,
        item_id: str,
        schema: RatingSchema,
        prefill: Prefill,
        *,
        lesion_id: int | None = None,
        stored: dict[str, str] | None = None,
        rate: Rate | None = None,
    ) -> None:
        self.item_id, self.schema, self.prefill = item_id, schema, prefill
        self.lesion_id, self.rate = lesion_id, rate
        self.pending: dict[str, str | None] = {}
        values = prefill.ratings() if lesion_id is None else dict(stored or {})
        self.form = RatingFormModel(schema, schema.visible_values(values), self._answered)

    @property
    def conflicts(self) -> dict[str, str]:
        """``{field_id: both answers}`` of this form's fields the raters answered differently."""
        return {
            field_id: self.conflict_text(field_id)
            for field_id in self.prefill.conflicting_fields()
            if field_id in self.schema.field_ids
        }

    def conflict_text(self, field_id: str) -> str:
        """Both raters' answers of a rating field, by their option labels."""
        spec = self.schema.field(field_id)
        labels = {option.value: option.label for option in spec.options}
        answers = self.prefill.conflicts[f"{RATING}{field_id}"]
        return answer_text(answers, lambda value: labels.get(value, value))

    def header_conflicts(self) -> list[str]:
        """``"type: A: A-CMI / B: C-CMI"`` for the lesion's type and onset when they conflict."""
        return [
            f"{what.replace('_', ' ')}: {answer_text(self.prefill.conflicts[what])}"
            for what in ("type", "onset_visit")
            if what in self.prefill.conflicts
        ]

    def apply(self, lesion_ids: Iterable[int], rate: Rate) -> None:
        """Write the answers given before the decision to the lesions it made."""
        for lesion_id in lesion_ids:
            for field_id, value in self.pending.items():
                rate(lesion_id, field_id, value)
        self.pending.clear()

    def _answered(self, field_id: str, value: str | None) -> None:
        if self.lesion_id is not None and self.rate is not None:
            self.rate(self.lesion_id, field_id, value)
        else:
            self.pending[field_id] = value
