"""Lesions painted on a view that was not registered yet, and moving them once it is.

Before ``ferret process --steps register`` has placed a visit, its images are
shown by the scanner's header alignment: the view's world is the visit's own
scanner world, which differs from the reference space by the head movement
between sessions (a few millimetres: more than a microinfarct). A stroke on
such a view paints what the rater sees, so its voxels are right *relative to
that image*, and wrong in the reference space by exactly the transform the
registration will find, ``T = ref_from_<acquisition>``.

Such a lesion records where it was painted in its ``origin``
(:func:`unregistered_origin`: ``painted-unregistered:<acquisition>`` with the
visit in its ``visit`` column). When that acquisition's transform exists,
:func:`relocate` moves its voxels by ``T`` (nearest neighbour on the label
grid, other lesions' voxels kept) as one journaled, undoable edit, and the
origin becomes ``painted`` again with an audit row: the mask then lies on the
same spot of the now registered image. The move is crash-safe: the origin
first records the centre before the move (``relocating:...``), so a kill
between the journaled voxels and the final origin is finished on the next
open, never moved twice. Painting on a registered view (or on
the reference acquisition itself, whose transform is the identity) needs
nothing of this.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from processing.annotations.labels import LabelVolume

PAINTED = "painted"
UNREGISTERED_PREFIX = "painted-unregistered:"
#: A move in progress: ``relocating:<acquisition>:<x>,<y>,<z>`` holds the lesion's centre (mm)
#: before the move, so a move cut short by a crash is finished, never applied twice.
RELOCATING_PREFIX = "relocating:"
RELOCATE_SOURCE = "relocate"


def unregistered_origin(acquisition: str | None) -> str:
    """Return the origin of a lesion painted on a view of ``acquisition`` without a transform.

    None: registered.
    """
    return PAINTED if acquisition is None else UNREGISTERED_PREFIX + acquisition


def unregistered_acquisition(origin: str | None) -> str | None:
    """Return the acquisition a lesion was painted on before its registration, or None."""
    if origin and origin.startswith(UNREGISTERED_PREFIX):
        return origin[len(UNREGISTERED_PREFIX) :] or None
    if origin and origin.startswith(RELOCATING_PREFIX):
        return origin[len(RELOCATING_PREFIX) :].rsplit(":", 1)[0] or None
    return None


def _centre(labels: LabelVolume, lesion_id: int) -> np.ndarray | None:
    with labels.lock:
        voxels = np.argwhere(labels.data == lesion_id)
    return labels.grid.voxel_to_world(voxels.mean(0)) if len(voxels) else None


def _moved_already(origin: str, centre: np.ndarray | None) -> bool:
    """Return True when a move recorded as started has reached the labels.

    That is, the lesion's centre is no longer the old one.
    """
    if centre is None:
        return True
    before = np.array([float(c) for c in origin.rsplit(":", 1)[1].split(",")])
    return bool(np.linalg.norm(centre - before) > 1e-3)


def moved_block(labels: LabelVolume, lesion_id: int, matrix: np.ndarray):
    """``(box, block)``.

    The labels of a box with lesion ``lesion_id`` moved by world transform ``matrix``.

    Nearest neighbour by inverse mapping (no holes under rotation); voxels of
    other lesions are never overwritten. None when the lesion has no voxels.
    """
    with labels.lock:
        return _moved_block(labels, lesion_id, matrix)


def _moved_block(labels: LabelVolume, lesion_id: int, matrix: np.ndarray):
    grid = labels.grid
    voxels = np.argwhere(labels.data == lesion_id)
    if len(voxels) == 0:
        return None
    voxel_move = np.linalg.inv(grid.affine) @ np.asarray(matrix, dtype=float) @ grid.affine
    corners = np.array([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)], dtype=float)
    low, high = voxels.min(0), voxels.max(0)
    box_corners = low + corners * (high - low)
    moved = box_corners @ voxel_move[:3, :3].T + voxel_move[:3, 3]
    start = np.maximum(np.minimum(low, np.floor(moved.min(0))).astype(int) - 1, 0)
    stop = np.minimum(np.maximum(high, np.ceil(moved.max(0))).astype(int) + 2, grid.shape)
    box = tuple(slice(int(a), int(b)) for a, b in zip(start, stop, strict=True))
    block = labels.data[box].copy()
    target = np.indices(block.shape).reshape(3, -1).T + start
    back = np.linalg.inv(voxel_move)
    source = np.floor(target @ back[:3, :3].T + back[:3, 3] + 0.5).astype(int)
    inside = np.all((source >= 0) & (source < grid.shape), axis=1)
    hits = np.zeros(len(target), bool)
    hits[inside] = labels.data[tuple(source[inside].T)] == lesion_id
    moved_here = hits.reshape(block.shape)
    block[block == lesion_id] = 0
    block[moved_here & (block == 0)] = lesion_id
    return box, block


def relocate(session, transform_of: Callable[[str, str], np.ndarray | None]) -> list[int]:
    """Move every lesion painted unregistered whose transform now exists; return their IDs.

    Parameters
    ----------
    session : AnnotationSession
        The rater's open session (its labels and store).
    transform_of : callable
        ``transform_of(visit, acquisition)``: ``ref_from_<acquisition>`` of that
        visit (4x4), or None while it is not registered.
    """
    moved = []
    for record in session.store.lesions():
        acquisition = unregistered_acquisition(record.origin)
        if acquisition is None or record.visit is None:
            continue
        matrix = transform_of(record.visit, acquisition)
        if matrix is None:
            continue
        centre = _centre(session.labels, record.lesion_id)
        if record.origin.startswith(RELOCATING_PREFIX):  # a move that a crash cut short
            if _moved_already(record.origin, centre):
                session.store.update_lesion(record.lesion_id, origin=PAINTED)
                moved.append(record.lesion_id)
                continue
        elif centre is not None:
            started = RELOCATING_PREFIX + acquisition + ":" + ",".join(f"{c:.4f}" for c in centre)
            session.store.update_lesion(record.lesion_id, origin=started)
        change = moved_block(session.labels, record.lesion_id, matrix)
        if change is not None:
            session.labels.write(*change, source=RELOCATE_SOURCE)
        session.store.update_lesion(record.lesion_id, origin=PAINTED)
        moved.append(record.lesion_id)
    return moved
