"""``ferret consensus queue``: one participant's disagreement queue as a table, read-only.

Nothing is locked or written in the study: the raters are read in review
mode, the consensus rater (if it has a store of the participant) only to mark
the items already decided. Columns (:data:`QUEUE_COLUMNS`): ``item_id``,
``participant_id``, ``kind``, ``rater_A``, ``lesions_A``, ``rater_B``,
``lesions_B`` (IDs joined by spaces), ``visit``, ``centre_x_mm``,
``centre_y_mm``, ``centre_z_mm`` (RAS), ``radius_mm``, ``dice``, ``differs``
(the conflicting keys, ``type``, ``onset_visit``, ``rating:<field>``) and
``decided``.
"""

from __future__ import annotations

from pathlib import Path

from processing.annotations.workspace import ReviewWorkspace, rater_folder, read_only_store
from processing.consensus.queue import DICE_THRESHOLD, QueueItem, build_queue
from processing.consensus.session import decided_item_ids
from processing.consensus.sources import check_same_grid, load_rater_lesions

QUEUE_COLUMNS = [
    "item_id",
    "participant_id",
    "kind",
    "rater_A",
    "lesions_A",
    "rater_B",
    "lesions_B",
    "visit",
    "centre_x_mm",
    "centre_y_mm",
    "centre_z_mm",
    "radius_mm",
    "dice",
    "differs",
    "decided",
]


def participant_queue(
    study_root: str | Path,
    raters: list[str],
    participant: str,
    *,
    into: str = "consensus",
    dice_threshold: float = DICE_THRESHOLD,
) -> list[dict]:
    """Return the queue records of two raters on ``participant`` (see the module overview)."""
    review = ReviewWorkspace(study_root)
    first, second = (load_rater_lesions(review, r, participant) for r in raters)
    check_same_grid(first, second, review)
    decided: set[str] = set()
    if (rater_folder(study_root, into) / participant).is_dir():
        with read_only_store(study_root, into, participant) as store:
            decided = decided_item_ids(store)
    return [
        queue_record(item, item.item_id in decided)
        for item in build_queue(first, second, dice_threshold)
    ]


def queue_record(item: QueueItem, decided: bool) -> dict:
    """Return one item as a row of :data:`QUEUE_COLUMNS`."""
    (rater_a, ids_a), (rater_b, ids_b) = item.sources.items()
    x, y, z = item.centre
    return {
        "item_id": item.item_id,
        "participant_id": item.participant,
        "kind": item.kind,
        "rater_A": rater_a,
        "lesions_A": " ".join(map(str, ids_a)),
        "rater_B": rater_b,
        "lesions_B": " ".join(map(str, ids_b)),
        "visit": item.visit,
        "centre_x_mm": round(x, 3),
        "centre_y_mm": round(y, 3),
        "centre_z_mm": round(z, 3),
        "radius_mm": round(item.radius_mm, 3),
        "dice": None if item.dice is None else round(item.dice, 6),
        "differs": " ".join(item.prefill.conflicts),
        "decided": decided,
    }
