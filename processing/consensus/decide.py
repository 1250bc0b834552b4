"""Applying one decision of a consensus session to the consensus rater's annotations.

Rules: ``accept-a`` / ``accept-b`` (the first / second rater's source
voxels), ``union``, ``intersection``, ``reject`` (nothing) and ``edited`` (the
lesion was painted into the consensus by hand; its voxels stay as painted).
Except for ``edited``, a decision settles the item's footprint (the voxels of
its source lesions): the chosen voxels become one new consensus lesion and
every other footprint voxel is cleared, in one journaled edit (so a consensus
started by ``ferret consensus build`` is overwritten there, and a decision
interrupted by a kill is settled again cleanly). Consensus lesions left without
voxels are marked deleted.

The new lesion's records: type, onset visit and ratings where the raters agree;
for ``accept-*`` the chosen rater's values win. Last, one audit row
``consensus_decision`` (its ``field`` the item ID) records the decider, the
source lesions, the rule and the lesions written: it is the decision's commit
mark, so an item without it is offered again on reopen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from processing.annotations.labels import LabelVolume
from processing.annotations.session import AnnotationSession
from processing.consensus.carry import carry_sources
from processing.consensus.prefill import Prefill, prefill_of
from processing.consensus.queue import QueueItem, footprints
from processing.consensus.sources import RaterLesions
from processing.errors import FerretError
from processing.review.writing import creating

RULES = ("accept-a", "accept-b", "union", "intersection", "reject", "edited")
DECISION_ACTION = "consensus_decision"


@dataclass(frozen=True)
class Decision:
    """A stored decision: the item, the rule, who decided and the consensus lesions written."""

    item_id: str
    rule: str
    decider: str
    lesions: tuple[int, ...]
    sources: dict[str, tuple[int, ...]]


def allowed_rules(item: QueueItem) -> tuple[str, ...]:
    """Return the rules that make sense for ``item`` (no intersection, nor the absent side)."""
    if item.kind == "only-a":
        return ("accept-a", "union", "reject", "edited")
    if item.kind == "only-b":
        return ("accept-b", "union", "reject", "edited")
    return RULES


def apply_decision(
    session: AnnotationSession,
    item: QueueItem,
    rule: str,
    sources: dict[str, RaterLesions],
    decider: str,
    lesion_ids=None,
    *,
    auto: bool = False,
) -> Decision:
    """Write ``rule``'s outcome for ``item`` into the consensus ``session`` and audit it."""
    if rule not in allowed_rules(item):
        raise FerretError(
            f"rule {rule!r} does not apply to a {item.kind} item.",
            None,
            f"use one of: {', '.join(allowed_rules(item))}.",
        )
    if rule == "edited":
        written = _adopt_edited(session, item, sources, lesion_ids)
    else:
        written = _write_rule(session, item, rule, sources)
    session.store.log_event(
        DECISION_ACTION,
        lesion_id=written[0] if len(written) == 1 else None,
        field=item.item_id,
        before={"kind": item.kind, "sources": {r: list(i) for r, i in item.sources.items()}},
        after={
            "rule": rule,
            "decider": decider,
            "auto": auto,
            "lesions": list(written),
            "undecided": sorted(item.prefill.conflicts)
            if rule not in ("accept-a", "accept-b")
            else [],
        },
    )
    return Decision(item.item_id, rule, decider, tuple(written), dict(item.sources))


def _write_rule(
    session: AnnotationSession, item: QueueItem, rule: str, sources: dict[str, RaterLesions]
) -> list[int]:
    in_a, in_b = footprints(item, sources).values()
    chosen = {
        "accept-a": in_a,
        "accept-b": in_b,
        "union": in_a | in_b,
        "intersection": in_a & in_b,
        "reject": np.zeros_like(in_a),
    }[rule]
    if rule == "intersection" and not chosen.any():
        raise FerretError("the two raters' lesions share no voxel.", None, "choose another rule.")
    labels = session.labels
    block = labels.data[item.box].copy()
    replaced = set(np.unique(block[in_a | in_b]).tolist()) - {0}
    block[in_a | in_b] = 0
    new_id = labels.reserve_id() if chosen.any() else None
    record = _record(item, rule, sources)
    if new_id is not None:
        block[chosen] = new_id
    with creating(session, record.type, item.visit, f"consensus-{rule}"):
        labels.write(item.box, block, f"consensus-{rule}")
    session.mark_deleted(sorted(replaced))
    if new_id is None:
        return []
    _set_records(session, new_id, record, overwrite=True)
    return [new_id]


def item_lesions(
    labels: LabelVolume, item: QueueItem, sources: dict[str, RaterLesions]
) -> list[int]:
    """Return the consensus lesions with voxels in ``item``'s footprint, in ID order."""
    in_a, in_b = footprints(item, sources).values()
    with labels.lock:
        found = np.unique(labels.data[item.box][in_a | in_b])
    return [int(i) for i in found if i != 0]


def _adopt_edited(
    session: AnnotationSession, item: QueueItem, sources: dict[str, RaterLesions], lesion_ids
) -> list[int]:
    """Return the consensus lesions painted for ``item``: given, else those in its footprint."""
    if lesion_ids is None:
        lesion_ids = item_lesions(session.labels, item, sources)
    present = set(session.labels.ids())
    ids = sorted(int(i) for i in lesion_ids if int(i) in present)
    if not ids:
        raise FerretError(
            "no consensus lesion was painted for this item.",
            None,
            "paint the lesion into the consensus first, or choose another rule.",
        )
    for lesion_id in ids:
        _set_records(session, lesion_id, item.prefill, overwrite=False)
    return ids


def _record(item: QueueItem, rule: str, sources: dict[str, RaterLesions]) -> Prefill:
    """Agreed values; for ``accept-*`` with the chosen rater's own values over them."""
    if rule not in ("accept-a", "accept-b"):
        return item.prefill
    rater = item.raters[0 if rule == "accept-a" else 1]
    own = prefill_of(carry_sources(0, {rater: list(item.sources[rater])}, sources))
    agreed = {k: v for k, v in item.prefill.values.items() if k not in own.conflicts}
    return Prefill({**agreed, **own.values}, own.conflicts, own.type)


def _set_records(
    session: AnnotationSession, lesion_id: int, record: Prefill, overwrite: bool
) -> None:
    stored = next((r for r in session.store.lesions() if r.lesion_id == lesion_id), None)
    if overwrite or stored is None or stored.onset_visit is None:
        session.set_onset(lesion_id, record.onset_visit)
    if overwrite:
        session.set_lesion_type(lesion_id, record.type)
    rated = session.store.ratings().get(lesion_id, {})
    for field_id, value in record.ratings().items():
        if overwrite or field_id not in rated:
            session.set_rating(lesion_id, field_id, value)
