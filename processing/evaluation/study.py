"""Evaluate a test rater against a reference rater over a study (read-only).

Both sources are rater stores of the study (a model's imported predictions, a
consensus and the candidates a rater accepted are raters too), read through
:class:`~processing.annotations.workspace.ReviewWorkspace` and filtered with
:class:`~processing.consensus.sources.LesionFilter` like the consensus
agreement. Participants not annotated by both are left out and named in
:attr:`Evaluation.notes`.

Hit criteria: ``distance`` pairs lesion centres at most ``distance_mm`` apart
by the optimal one-to-one assignment (``match_by_distance(method="hungarian")``);
``overlap`` pairs lesions sharing a voxel, one to one by maximal Dice
(``match_by_overlap``, as ``ferret consensus agreement``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from processing.annotations.workspace import ReviewWorkspace
from processing.consensus import pairs as pair_tables
from processing.consensus.sources import (
    LesionFilter,
    RaterLesions,
    check_same_grid,
    common_participants,
    load_rater_lesions,
)
from processing.errors import FerretError
from processing.matching import LesionTable, match_by_distance

CRITERIA = ("distance", "overlap")
#: The default selection: microbleeds of every visit.
MICROBLEEDS = LesionFilter("CMB")


@dataclass
class Evaluation:
    """Every case (participant) of a test source matched against a reference."""

    reference: str
    test: str
    criterion: str
    distance_mm: float | None
    selection: LesionFilter
    cases: list[pair_tables.PairAgreement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def evaluate_study(
    study_root: str | Path,
    reference: str,
    test: str,
    selection: LesionFilter = MICROBLEEDS,
    criterion: str = "distance",
    distance_mm: float = 5.0,
) -> Evaluation:
    """Match ``test``'s lesions against ``reference``'s on every participant both annotated.

    Raises
    ------
    FerretError
        For one source given twice, an unknown rater, no participant in common,
        a bad criterion or distance, or a reference without lesions of the type.
    """
    _check_request(reference, test, criterion, distance_mm)
    review = ReviewWorkspace(study_root)
    common, partial = common_participants(review, [reference, test])
    if not common:
        raise FerretError(
            f"no participant was annotated by both {reference} and {test}.",
            review.study_root / "derivatives",
            "check the rater IDs (ferret-annotations/rater-<ID>).",
        )
    evaluation = Evaluation(
        reference, test, criterion, distance_mm if criterion == "distance" else None, selection
    )
    evaluation.notes += [
        f"{p}: left out, not annotated by {', '.join(missing)}" for p, missing in partial.items()
    ]
    for participant in common:
        ref = load_rater_lesions(review, reference, participant, selection)
        other = load_rater_lesions(review, test, participant, selection)
        check_same_grid(ref, other, review)
        evaluation.cases.append(_match(ref, other, criterion, distance_mm))
    _check_reference_lesions(evaluation, review)
    return evaluation


def _match(
    ref: RaterLesions, test: RaterLesions, criterion: str, distance_mm: float
) -> pair_tables.PairAgreement:
    if criterion == "overlap":
        return pair_tables.compare(ref, test)
    table_ref = LesionTable.from_labels(ref.labels, ref.affine)
    table_test = LesionTable.from_labels(test.labels, test.affine)
    matching = match_by_distance(table_ref, table_test, distance_mm, method="hungarian")
    return pair_tables.compare(ref, test, matching)


def _check_request(reference: str, test: str, criterion: str, distance_mm: float) -> None:
    if reference == test:
        raise FerretError(
            f"the reference and the test are the same rater ({reference}).",
            fix="compare two different raters.",
        )
    if criterion not in CRITERIA:
        raise FerretError(f"unknown hit criterion {criterion!r}.", fix=f"use one of {CRITERIA}.")
    if not distance_mm > 0:
        raise FerretError(
            f"the hit distance must be positive, not {distance_mm} mm.", fix="use e.g. 5."
        )


def _check_reference_lesions(evaluation: Evaluation, review: ReviewWorkspace) -> None:
    if any(len(case.matching.table_a) for case in evaluation.cases):
        return
    kind = evaluation.selection.lesion_type or "any"
    visit = f" at {evaluation.selection.visit}" if evaluation.selection.visit else ""
    raise FerretError(
        f"the reference {evaluation.reference} has no lesions of type {kind}{visit} in the "
        f"{len(evaluation.cases)} participant(s) both raters annotated.",
        review.study_root / "derivatives",
        "choose the lesion type (--type) the reference rated, or another reference.",
    )
