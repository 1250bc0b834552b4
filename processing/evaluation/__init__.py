"""Detection metrics of one lesion source against another (``ferret cmb evaluate``).

Qt-free. Any two rater stores of a study can be compared: rater against
rater, a model's imported predictions against a consensus, accepted
candidates against the phantom's truth. The lesion matching is the consensus
agreement's (:mod:`processing.matching`, :mod:`processing.consensus.sources`,
:mod:`processing.consensus.pairs`), with a centre-distance or an overlap hit
criterion.

- :mod:`~processing.evaluation.study`: loading both sources per participant
  and matching them (:func:`evaluate_study`).
- :mod:`~processing.evaluation.detection`: hits, misses, false positives,
  sensitivity, precision, F1 and Dice per case; pooled figures with the
  bootstrap interval of the mean Dice and the limits of agreement of counts.
- :mod:`~processing.evaluation.report`: the CSV tables, the workbook and the
  count figure (:func:`write_evaluation`).
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.evaluation.report import write_evaluation
    from processing.evaluation.study import Evaluation, evaluate_study

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {"write_evaluation": "report", "Evaluation": "study", "evaluate_study": "study"},
)

__all__ = ["Evaluation", "evaluate_study", "write_evaluation"]
