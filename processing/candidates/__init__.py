"""Candidates: places where something new appeared, for a rater to screen (Qt-free).

One machinery for every kind, a different :class:`~processing.candidates.settings.CandidateSettings`
per kind: new acute cortical microinfarcts (bright on both DWI traces, MD lower
or equal; :data:`~processing.candidates.settings.ACMI`) and new microbleeds
(dark on SWI, bright on R2*; :data:`~processing.candidates.settings.NEW_CMB`).

- :mod:`~processing.candidates.series`: one participant's reference-space maps
  at every visit, with the brain and cortex masks.
- :mod:`~processing.candidates.change`: a robust baseline per visit from the
  participant's other visits (leave-one-out median), a robust noise level
  (leave-one-out MAD, floored by its local median) and z-maps.
- :mod:`~processing.candidates.blobs`: multi-scale Laplacian-of-Gaussian blob
  detection (scikit-image) of compact foci in the combined z-map.
- :mod:`~processing.candidates.features`, :mod:`~processing.candidates.score`:
  per-candidate features (z on each channel, the confirming map's change,
  cortex, persistence, size) and one score that ranks them; what cannot be the
  lesion looked for is dropped or down-ranked, with the reason.
- :mod:`~processing.candidates.table`: the candidate CSV shared by every kind
  (``participant_id, session_id, kind, rank, score, x, y, z, diameter_mm,
  cortical``, then the features).
- :mod:`~processing.candidates.detect`: all of it for one participant.
"""
