"""Consensus between raters: agreement figures and (later) fused consensus stores.

Qt-free. Reads every rater's annotations read-only through the review
workspace (:class:`processing.annotations.workspace.ReviewWorkspace`) and
compares them with :mod:`processing.matching`.

- :mod:`~processing.consensus.sources`: one rater's lesions of one participant,
  filtered by lesion type and visit.
- :mod:`~processing.consensus.pairs`: the agreement of two raters on one
  participant and the summary figures (per participant and pooled).
- :mod:`~processing.consensus.ratings`: kappa per categorical rating field.
- :mod:`~processing.consensus.report`: ``agreement_*.csv``, ``agreement.xlsx``
  and the volume figure (``ferret consensus agreement``).
"""
