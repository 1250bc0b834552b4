"""Consensus between raters: agreement figures, fused consensus stores, consensus sessions.

Qt-free. Reads every rater's annotations read-only through the review
workspace (:class:`processing.annotations.workspace.ReviewWorkspace`) and
compares them with :mod:`processing.matching`. A consensus is written as a
rater of its own (default ID ``consensus``) through the normal rating storage.

- :mod:`~processing.consensus.sources`: one rater's lesions of one participant,
  filtered by lesion type and visit.
- :mod:`~processing.consensus.pairs`: the agreement of two raters on one
  participant and the summary figures (per participant and pooled).
- :mod:`~processing.consensus.ratings`: kappa per categorical rating field.
- :mod:`~processing.consensus.report`: ``agreement_*.csv``, ``agreement.xlsx``
  and the volume figure (``ferret consensus agreement``).
- :mod:`~processing.consensus.fusion`, :mod:`~processing.consensus.carry`,
  :mod:`~processing.consensus.build`: voxel-wise fusion and the records carried
  over where raters agree (``ferret consensus build``).
- :mod:`~processing.consensus.queue`, :mod:`~processing.consensus.prefill`: the
  disagreement queue of two raters (only-A, only-B, split, merged, low Dice,
  differing ratings) and what the rating form shows for each item.
- :mod:`~processing.consensus.decide`, :mod:`~processing.consensus.session`,
  :mod:`~processing.consensus.events`: :class:`ConsensusSession`, deciding the
  queue into the consensus rater (accept A/B, union, intersection, reject,
  edited), journaled and audited, with named events for the app.
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.consensus.decide import RULES, Decision
    from processing.consensus.events import ConsensusEvents, Notifier
    from processing.consensus.prefill import Prefill
    from processing.consensus.queue import KINDS, QueueItem, build_queue
    from processing.consensus.session import ConsensusSession, Progress

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "RULES": "decide",
        "Decision": "decide",
        "ConsensusEvents": "events",
        "Notifier": "events",
        "Prefill": "prefill",
        "KINDS": "queue",
        "QueueItem": "queue",
        "build_queue": "queue",
        "ConsensusSession": "session",
        "Progress": "session",
    },
)

__all__ = [
    "RULES",
    "ConsensusEvents",
    "ConsensusSession",
    "Decision",
    "KINDS",
    "Notifier",
    "Prefill",
    "Progress",
    "QueueItem",
    "build_queue",
]
