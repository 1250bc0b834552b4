"""Location of microbleeds: the MARS atlas registered to each participant (Qt-free).

- :mod:`~processing.location.regions`: the 13 MARS regions, their groups
  (lobar, deep, infratentorial) and the CMB form's values for each.
- :mod:`~processing.location.atlas`: the shipped MARS map (MNI152 grid) and
  the ICBM152 2009a T1 template of the nilearn wheel (no download).
- :mod:`~processing.location.register`: the template registered to the
  participant's T1-like image (SimpleITK: similarity, affine, B-spline).
- :mod:`~processing.location.carry`: the atlas's labels carried onto the
  participant's grid, nearest neighbour.
- :mod:`~processing.location.participant`: which image is registered, and the
  atlas step's output ``derivatives/ferret/sub-XX/atlas/sub-XX_space-ref_mars.nii.gz``.
- :mod:`~processing.location.lookup`: a lesion's region (the rule) and where it
  came from (the rater's form, else the atlas).
- :mod:`~processing.location.counts`: microbleed counts per participant and visit.
"""
