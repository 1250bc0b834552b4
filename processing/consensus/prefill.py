"""What the rating form shows for a queue item: the agreed values and both answers of the rest.

Keys follow :mod:`processing.consensus.carry`: ``type``, ``onset_visit`` and
``rating:<field>`` for each rating field. A value is agreed when every rater
that answered gives the same one (a field only one rater answered is carried
over from that rater, as ``ferret consensus build`` does); it conflicts when
answers differ, and then each rater's answer is shown (several distinct answers
of one rater, possible in a split, joined by `` / ``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from processing.consensus.carry import CarriedLesion

RATING = "rating:"


@dataclass(frozen=True)
class Prefill:
    """The form's starting values for one item.

    Attributes
    ----------
    values : dict of str to str
        Agreed values (``type``, ``onset_visit``, ``rating:<field>``).
    conflicts : dict of str to dict of str to str
        ``{key: {rater: answer}}`` of every key the raters answered differently.
    fallback_type : str
        The type a lesion gets when the raters' types conflict (the most frequent,
        the first rater's on a tie): the store needs one.
    """

    values: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, dict[str, str]] = field(default_factory=dict)
    fallback_type: str = "other"

    @property
    def type(self) -> str:
        """The agreed type, else :attr:`fallback_type`."""
        return self.values.get("type", self.fallback_type)

    @property
    def onset_visit(self) -> str | None:
        """The agreed onset visit (None when unanswered or conflicting)."""
        return self.values.get("onset_visit")

    def ratings(self) -> dict[str, str]:
        """Agreed rating fields, ``{field: value}``."""
        return {k[len(RATING) :]: v for k, v in self.values.items() if k.startswith(RATING)}

    def conflicting_fields(self) -> list[str]:
        """Rating fields whose answers differ (for marking them on the form)."""
        return [k[len(RATING) :] for k in self.conflicts if k.startswith(RATING)]


def prefill_of(carried: CarriedLesion) -> Prefill:
    """Return the prefill of a record carried over from the raters' source lesions."""
    values: dict[str, str] = {}
    if "type" not in carried.conflicts:
        values["type"] = carried.type
    if carried.onset_visit is not None:
        values["onset_visit"] = carried.onset_visit
    values.update({f"{RATING}{k}": v for k, v in carried.ratings.items()})
    conflicts = {
        what: {rater: " / ".join(map(str, answers)) for rater, answers in by_rater.items()}
        for what, by_rater in carried.conflicts.items()
    }
    return Prefill(values, conflicts, carried.type)
