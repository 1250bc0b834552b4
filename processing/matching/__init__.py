"""Lesion matching between two or more sources (raters, a model, candidates, truth).

Qt-free. Sources are label volumes on one reference grid (one integer per
lesion, 0 background) or binary masks, whose 26-connected components become
the lesions (:func:`~processing.matching.lesions.label_components`).

- :mod:`~processing.matching.lesions`: per-lesion voxel counts, centres (RAS mm)
  and volumes, computed in one pass.
- :mod:`~processing.matching.overlap`: overlap pairing. Two lesions pair when
  they share a voxel; one to one by maximising the total Dice (Hungarian
  assignment, per group of mutually overlapping lesions); a lesion overlapping
  two or more of the other source is named a split or a merge.
- :mod:`~processing.matching.distance`: distance pairing of point-like lesions
  (microbleeds, candidates): centre distance in mm below a tolerance, one to
  one, nearest first or by the optimal (Hungarian) assignment.
- :mod:`~processing.matching.clusters`: lesions of three or more sources that
  belong together (for Fleiss' kappa).
- :mod:`~processing.matching.agreement`: voxel Dice, lesion-wise detection
  (sensitivity, precision, F1), per-pair Dice median [IQR], Cohen's and Fleiss'
  kappa (statsmodels), Bland-Altman limits of volumes.
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.matching.distance import match_by_distance
    from processing.matching.lesions import LesionTable, label_components
    from processing.matching.overlap import match_by_overlap
    from processing.matching.result import Matching, Pair

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "match_by_distance": "distance",
        "LesionTable": "lesions",
        "label_components": "lesions",
        "match_by_overlap": "overlap",
        "Matching": "result",
        "Pair": "result",
    },
)

__all__ = [
    "LesionTable",
    "Matching",
    "Pair",
    "label_components",
    "match_by_distance",
    "match_by_overlap",
]
