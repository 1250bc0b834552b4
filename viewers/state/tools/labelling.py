"""Which lesion ID a stroke paints, and how a footprint is written.

Rules (stable IDs):
- after "new lesion" the stroke takes a never-used ID;
- a stroke touching or adjacent to (one voxel) existing lesions extends the
  selected one if it is among them, else the one it touches most;
- a stroke touching nothing starts a new lesion.
Painting never overwrites another lesion's voxels (``preserve_others``), so one
lesion's edit never changes another's ID or shape.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from processing.annotations.labels import LabelVolume
from viewers.state.tools.events import LesionSelection


def choose_label(labels: LabelVolume, selection: LesionSelection, box, mask: np.ndarray) -> int:
    """Return the ID a stroke starting with footprint ``mask`` in ``box`` paints.

    The ID is selected too.
    """
    if selection.new_lesion:
        lesion_id = labels.reserve_id()
    else:
        touched = _touched_ids(labels, box, mask)
        if selection.lesion_id in touched:
            lesion_id = selection.lesion_id
        elif touched:
            lesion_id = max(touched, key=lambda i: touched[i])
        else:
            lesion_id = labels.reserve_id()
    selection.select(lesion_id)
    return lesion_id


def _touched_ids(labels: LabelVolume, box, mask: np.ndarray) -> dict[int, int]:
    """``{id: voxels}`` of lesions under the footprint grown by one voxel."""
    grown_box = tuple(
        slice(max(s.start - 1, 0), min(s.stop + 1, n))
        for s, n in zip(box, labels.data.shape, strict=True)
    )
    grown = np.zeros([s.stop - s.start for s in grown_box], bool)
    grown[
        tuple(
            slice(s.start - g.start, s.stop - g.start) for s, g in zip(box, grown_box, strict=True)
        )
    ] = mask
    grown = ndimage.binary_dilation(grown, structure=np.ones((3, 3, 3), bool))
    values = labels.data[grown_box][grown]
    ids, counts = np.unique(values[values != 0], return_counts=True)
    return {int(i): int(c) for i, c in zip(ids, counts, strict=True)}


def paint(
    labels: LabelVolume,
    box,
    mask: np.ndarray,
    value: int,
    *,
    only: int | None = None,
    preserve_others: bool = True,
    source: str = "paint",
) -> None:
    """Write ``value`` where ``mask`` is set.

    ``only`` restricts the write to voxels holding that value (erasing one
    lesion); ``preserve_others`` keeps voxels of other lesions untouched.
    """
    block = labels.data[box].copy()
    target = mask.copy()
    if only is not None:
        target &= block == only
    elif preserve_others and value != 0:
        target &= (block == 0) | (block == value)
    block[target] = value
    labels.write(box, block, source)
