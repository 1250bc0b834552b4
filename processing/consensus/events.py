"""Named notifications of a consensus session, for the app to listen to.

The notifiers are those every review session shares
(:mod:`processing.review.events`); :class:`ConsensusEvents` names what each one
carries in a consensus session.

>>> seen = []
>>> events = ConsensusEvents()
>>> events.progress.subscribe(seen.append)
>>> events.progress.notify(3)
>>> seen
[3]
"""

from __future__ import annotations

from dataclasses import dataclass

from processing.review.events import Listener, Notifier, QueueEvents

__all__ = ["ConsensusEvents", "Listener", "Notifier"]


@dataclass(frozen=True)
class ConsensusEvents(QueueEvents):
    """The notifiers of a :class:`~processing.consensus.session.ConsensusSession`.

    Attributes
    ----------
    current : Notifier
        The item shown changed: called with the :class:`~processing.consensus.queue.QueueItem`
        (jump the grid to its ``visit``, ``centre`` and ``radius_mm``), or None when
        nothing is left.
    decided : Notifier
        A decision was stored: called with the
        :class:`~processing.consensus.decide.Decision` (redraw the consensus mask).
    progress : Notifier
        The counts changed: called with the :class:`~processing.consensus.session.Progress`.
    """
