"""An accepted candidate becomes a lesion of the rater: an A-CMI or a CMB, at the candidate's visit.

The grown region (:mod:`~processing.screening.grow`, voxels of the map's grid)
is carried into the rater's label grid through world coordinates (the same
voxels when the two grids agree, as they do for the reference grid), and
written as one new lesion in one journaled edit: the kind's type
(:mod:`~processing.screening.kinds`), visit = the candidate's visit, onset =
that visit too for new lesions (A-CMI, new CMB), origin ``screening``. Voxels already holding another
of the rater's lesions keep it (a decision never erases the rater's work).
When the peak voxel already holds a lesion, that lesion is adopted instead and
nothing is painted: the rater found it first, or an earlier accept of the same
candidate was cut off by a crash before its audit row (a screening lesion then
gets its type and onset set again).
"""

from __future__ import annotations

import numpy as np

from processing.annotations.labels import as_box
from processing.annotations.session import AnnotationSession
from processing.review.writing import creating

ORIGIN = "screening"
LESION_TYPE = "A-CMI"  # of lesions painted while screening, and of the A-CMI candidates


def to_label_grid(voxels: np.ndarray, affine: np.ndarray, grid) -> np.ndarray:
    """Return ``voxels`` (of the grid with ``affine``) as voxels of ``grid``, order kept, in bounds."""
    world = affine[:3, :3] @ voxels.T + affine[:3, 3:4]
    ijk = np.linalg.solve(grid.affine, np.vstack([world, np.ones(len(voxels))]))[:3].T
    ijk = np.rint(ijk).astype(int)
    inside = np.all((ijk >= 0) & (ijk < grid.shape), axis=1)
    _, first = np.unique(ijk[inside], axis=0, return_index=True)
    return ijk[inside][np.sort(first)]


def write_accepted(
    session: AnnotationSession,
    voxels: np.ndarray,
    visit: str,
    lesion_type: str = LESION_TYPE,
    *,
    onset: bool = True,
) -> tuple[int, bool]:
    """Write the region ``voxels`` (label grid, peak first) as a new ``lesion_type`` of ``visit``.

    ``onset``: the visit is the lesion's onset too (else the onset stays unset).

    Returns
    -------
    lesion_id : int
        The new lesion, or the one adopted at the peak.
    adopted : bool
        True when the peak already held a lesion (nothing painted).
    """
    labels = session.labels
    held = int(labels.data[tuple(voxels[0])])
    if held:
        record = next((r for r in session.store.lesions(deleted=True) if r.lesion_id == held), None)
        if record is not None and record.origin == ORIGIN:
            session.set_lesion_type(held, lesion_type)
            session.set_onset(held, visit if onset else None)
        return held, True
    low, high = voxels.min(axis=0), voxels.max(axis=0) + 1
    box = as_box(slice(int(a), int(b)) for a, b in zip(low, high, strict=True))
    block = labels.data[box].copy()
    local = tuple((voxels - low).T)
    new_id = labels.reserve_id()
    block[local] = np.where(block[local] == 0, new_id, block[local])
    with creating(session, lesion_type, visit, ORIGIN):
        labels.write(box, block, "screening-accept")
    session.set_lesion_type(new_id, lesion_type)
    session.set_onset(new_id, visit if onset else None)
    return new_id, False
