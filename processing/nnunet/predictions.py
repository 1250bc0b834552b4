"""Reading an nnU-Net v2 predictions folder: one foreground mask per case, on the case's grid.

nnU-Net writes ``<case>.nii.gz`` (the label map, in the input image's geometry)
and, with ``--save_probabilities``, ``<case>.npz`` whose key ``probabilities``
holds ``(classes, z, y, x)``: the SimpleITK array order of the input image
(``nnunetv2/inference/export_prediction.py``; the exported ``dataset.json``
pins the SimpleITK reader), i.e. the NIfTI voxel axes reversed. The foreground
here is class 1 (``CMB``): label 1, or probability of class 1 at least the threshold.
Every check runs before anything is imported: a prediction of an unknown case,
a case without a prediction, a case whose visit is not in the study, and a
prediction not on its case's grid are refused with the file named.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.fileio import load_nifti
from processing.nnunet.cases import GRE_KEY, Case
from processing.registration.chain_plan import header_grid
from processing.spaces.grid import Grid
from processing.spaces.reference import grid_of_image
from processing.study.model import Study

ENDING = ".nii.gz"
FOREGROUND = 1


@dataclass
class Prediction:
    """One case's predicted foreground on its native grid."""

    case: Case
    mask: np.ndarray
    grid: Grid


def read_predictions(
    study: Study,
    folder: str | Path,
    cases: dict[str, Case],
    *,
    probabilities: bool = False,
    threshold: float = 0.5,
) -> list[Prediction]:
    """Return every case's foreground mask from a predictions folder, sorted by case ID.

    Raises
    ------
    FerretError
        No prediction in the folder, an unknown case ID, a mapped case without
        a prediction (or its ``.npz``), a case not in the study, a prediction
        off its case's grid, or a threshold outside (0, 1).
    """
    folder = Path(folder)
    if not 0.0 < threshold < 1.0:
        raise FerretError(f"--threshold {threshold} is not a probability.", None, "use 0 < t < 1.")
    found = {p.name[: -len(ENDING)]: p for p in sorted(folder.glob(f"*{ENDING}"))}
    if not found:
        raise FerretError(
            f"no {ENDING} prediction in this folder.", folder, "give nnU-Net's output folder."
        )
    _check_ids(found, cases, folder)
    return [
        _read_case(study, cases[name], path, probabilities, threshold)
        for name, path in found.items()
    ]


def case_grid(study: Study, case: Case) -> Grid:
    """Return the grid of the case's image (``image`` of cases.tsv, else the visit's GRE)."""
    participant = study.participants.get(case.participant)
    sessions = [v.session for v in participant.visits] if participant else []
    if case.session not in sessions:
        raise FerretError(
            f"case {case.case_id}: {case.participant} {case.session} is not in this study.",
            study.root,
            "use the cases.tsv exported from this study.",
        )
    if case.image:
        return grid_of_image(study.root / case.image)
    visit = participant.visit(case.session)  # type: ignore[union-attr]
    if GRE_KEY not in visit.acquisitions:
        raise FerretError(f"case {case.case_id}: the visit has no GRE images.", visit.path)
    return header_grid(visit, GRE_KEY)


def _check_ids(found: dict[str, Path], cases: dict[str, Case], folder: Path) -> None:
    unknown = sorted(set(found) - set(cases))
    if unknown:
        raise FerretError(
            f"prediction {unknown[0]}{ENDING} is of a case the map does not list "
            f"({len(unknown)} unknown in all).",
            folder,
            "give the cases.tsv of the dataset these predictions were made from (--map).",
        )
    missing = sorted(set(cases) - set(found))
    if missing:
        raise FerretError(
            f"case {missing[0]} of the map has no prediction ({len(missing)} missing in all).",
            folder,
            "predict every case of the map, or give a map of only the cases predicted.",
        )


def _read_case(
    study: Study, case: Case, path: Path, probabilities: bool, threshold: float
) -> Prediction:
    grid = case_grid(study, case)
    data, affine, _ = load_nifti(path, dtype=None)
    data = np.asarray(data)
    if not grid.same_as(Grid(data.shape, affine), atol=1e-3) or data.ndim != 3:
        raise FerretError(
            f"case {case.case_id}: the prediction (shape {data.shape}) is not on the grid of "
            f"its image (shape {grid.shape}, {case.image or GRE_KEY}).",
            path,
            "predict on the images exported for this case, unresampled.",
        )
    if not probabilities:
        return Prediction(case, data == FOREGROUND, grid)
    return Prediction(case, _thresholded(path, grid, threshold, case), grid)


def _thresholded(path: Path, grid: Grid, threshold: float, case: Case) -> np.ndarray:
    npz = path.with_name(path.name[: -len(ENDING)] + ".npz")
    try:
        with np.load(npz) as archive:
            stack = np.asarray(archive["probabilities"])
    except (OSError, KeyError, ValueError) as exc:
        raise FerretError(
            f"case {case.case_id}: no readable probabilities ({exc}).",
            npz,
            "run nnU-Net with --save_probabilities, or import without --probabilities.",
        ) from None
    expected = tuple(grid.shape[::-1])
    if stack.ndim != 4 or stack.shape[0] <= FOREGROUND or stack.shape[1:] != expected:
        raise FerretError(
            f"case {case.case_id}: probabilities of shape {stack.shape}, expected "
            f"(classes >= 2, {', '.join(map(str, expected))}) (z, y, x).",
            npz,
            "give nnU-Net's own .npz of this case.",
        )
    return stack[FOREGROUND].transpose(2, 1, 0) >= threshold
