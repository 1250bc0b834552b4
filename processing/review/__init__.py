"""Walking a review queue: what consensus and screening sessions share (Qt-free).

A review session (:class:`~processing.consensus.session.ConsensusSession`,
:class:`~processing.screening.session.ScreeningSession`) takes one rater
through a fixed list of items and stores one decision per item in that rater's
store, each as one audit row that is the decision's commit mark.

- :mod:`~processing.review.events`: :class:`Notifier` and the named notifiers
  ``current``, ``decided`` and ``progress`` the app listens to.
- :mod:`~processing.review.walk`: :class:`QueueWalk`, the current item, next and
  previous over the undecided items (wrapping), going to any item, the decided
  set (read back from the audit log on open, so a reopened session resumes).
- :mod:`~processing.review.writing`: giving lesions created by a decision their
  type, visit and origin.
"""
