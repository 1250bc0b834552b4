"""``ferret cmb evaluate``: the tables and figure of a detection evaluation.

Writes into ``DIR``:

- ``evaluation_cases.csv``: one row per participant
  (:data:`~processing.evaluation.detection.CASE_COLUMNS`);
- ``evaluation_summary.csv``: one row per pooled metric with ``value``,
  ``ci_low``, ``ci_high`` and ``method``
  (:func:`~processing.evaluation.detection.summary_records`), with a JSON
  provenance sidecar ``evaluation_summary.json``;
- ``evaluation_lesions.csv``: one row per pair or unpaired lesion, the columns
  of ``agreement_lesions.csv`` (:mod:`processing.consensus.pairs`; A is the
  reference, B the test) plus ``outcome``: ``hit`` (a one-to-one pair),
  ``miss`` (a reference lesion in no pair), ``false-positive`` (a test lesion
  in no pair), each lesion counted on its first row only, or ``overlap`` (a
  further overlap of a split or merge whose lesions are counted elsewhere), so
  the outcomes add up to the counts of ``evaluation_cases.csv``;
- ``evaluation.xlsx``: the three tables as sheets ``summary``, ``cases``, ``lesions``;
- ``evaluation_counts.{png,svg,pdf}``: per-participant lesion counts, test
  against reference with the identity line, and their Bland-Altman plot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from processing.annotations.spreadsheet import write_csv, write_xlsx
from processing.consensus import pairs as pair_tables
from processing.consensus.report import bland_altman_panel
from processing.evaluation import detection
from processing.evaluation.study import Evaluation
from processing.figures.output import new_figure, save_figure
from processing.fileio import write_provenance

LESION_COLUMNS = (*pair_tables.LESION_COLUMNS, "outcome")


def lesion_records(evaluation: Evaluation) -> list[dict]:
    """Every matching row of every case, with its outcome."""
    records = []
    for case in evaluation.cases:
        outcomes = _outcomes(case.matching.rows)
        for outcome, record in zip(outcomes, pair_tables.lesion_records(case, []), strict=True):
            record["outcome"] = outcome
            records.append(record)
    return records


def write_evaluation(evaluation: Evaluation, out: str | Path, seed: int = 0) -> list[Path]:
    """Write the tables, the workbook and the figure into ``out``; return the files written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sheets = {
        "summary": (
            list(detection.SUMMARY_COLUMNS),
            detection.summary_records(evaluation.cases, seed),
        ),
        "cases": (
            list(detection.CASE_COLUMNS),
            [detection.case_record(c) for c in evaluation.cases],
        ),
        "lesions": (list(LESION_COLUMNS), lesion_records(evaluation)),
    }
    written = [
        write_csv(out / f"evaluation_{name}.csv", columns, records)
        for name, (columns, records) in sheets.items()
    ]
    written.append(write_xlsx(out / "evaluation.xlsx", sheets))
    written.append(_provenance(evaluation, out / "evaluation_summary.csv", seed))
    written += save_figure(count_figure(evaluation), out / "evaluation_counts")
    return written


def count_figure(evaluation: Evaluation):
    """Per-participant counts (test against reference) and their Bland-Altman plot.

    In the count panel a point's area and label give how many participants share it.
    """
    pairs = np.array([detection.counts(case)[:2] for case in evaluation.cases], dtype=float)
    reference, test = pairs[:, 0], pairs[:, 1]
    figure = new_figure(9.0, 4.0)
    scatter, differences = figure.subplots(1, 2)
    top = max(float(pairs.max()), 1.0) * 1.08
    scatter.plot([0, top], [0, top], color="0.6", linewidth=1, linestyle="--")
    points, multiplicity = np.unique(pairs, axis=0, return_counts=True)
    scatter.scatter(points[:, 0], points[:, 1], s=18 * multiplicity, alpha=0.7)
    for (x, y), n in zip(points, multiplicity, strict=True):
        if n > 1:  # counts are integers: participants with the same pair share a point
            scatter.annotate(f"{n}", (x, y), xytext=(5, 4), textcoords="offset points", fontsize=8)
    for axis in (scatter.xaxis, scatter.yaxis, differences.yaxis):
        axis.set_major_locator(MaxNLocator(integer=True))
    scatter.set_xlim(-0.5, top)
    scatter.set_ylim(-0.5, top)
    scatter.set_xlabel(f"lesions per participant, {evaluation.reference}")
    scatter.set_ylabel(f"lesions per participant, {evaluation.test}")
    scatter.set_title("count agreement", fontsize=10)
    bland_altman_panel(differences, test, reference)
    differences.set_title(f"{evaluation.test} - {evaluation.reference}", fontsize=10)
    differences.set_xlabel("mean count of both")
    differences.set_ylabel("count difference")
    return figure


def _outcomes(rows) -> list[str]:
    """Outcome of each matching row; every unpaired lesion is counted once."""
    paired_a = {row.a for row in rows if row.assigned}
    paired_b = {row.b for row in rows if row.assigned}
    counted: set = set()
    outcomes = []
    for row in rows:
        if row.assigned:
            outcomes.append("hit")
        elif row.b is not None and row.b not in paired_b and ("b", row.b) not in counted:
            counted.add(("b", row.b))
            outcomes.append("false-positive")
        elif row.a is not None and row.a not in paired_a and ("a", row.a) not in counted:
            counted.add(("a", row.a))
            outcomes.append("miss")
        else:
            outcomes.append("overlap")
    return outcomes


def _provenance(evaluation: Evaluation, target: Path, seed: int) -> Path:
    criterion = (
        f"centre distance <= {evaluation.distance_mm} mm, optimal one-to-one assignment"
        if evaluation.criterion == "distance"
        else "overlap of at least one voxel, one to one by maximal Dice"
    )
    return write_provenance(
        target,
        "lesion-wise detection of a test rater against a reference rater",
        {
            "reference": evaluation.reference,
            "test": evaluation.test,
            "criterion": criterion,
            "type": evaluation.selection.lesion_type,
            "visit": evaluation.selection.visit,
            "bootstrap_samples": detection.BOOTSTRAP_SAMPLES,
            "seed": seed,
        },
        [],
        Notes=evaluation.notes,
    )
