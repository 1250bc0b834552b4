"""Explicit lesion edits beyond painting: delete, merge, split, label components.

Each function writes through :meth:`LabelVolume.write`, so undo and storage
see it like any stroke. IDs stay stable: merging keeps the first ID, splitting
keeps the ID on the largest part and gives the other parts new IDs.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from processing.annotations.labels import LabelEdit, LabelVolume

#: Voxels touching by a face, an edge or a corner belong to the same lesion.
CONNECTIVITY = ndimage.generate_binary_structure(3, 3)


def lesion_box(volume: LabelVolume, lesion_id: int):
    """Bounding box (tuple of slices) of one lesion, or None when it has no voxels."""
    found = ndimage.find_objects((volume.data == lesion_id).astype(np.int8))
    return found[0] if found and found[0] is not None else None


def delete_lesion(volume: LabelVolume, lesion_id: int) -> LabelEdit | None:
    """Erase every voxel of ``lesion_id``."""
    box = lesion_box(volume, lesion_id)
    if box is None:
        return None
    block = volume.data[box].copy()
    block[block == lesion_id] = 0
    return volume.write(box, block, "delete")


def merge_lesions(volume: LabelVolume, keep: int, others: list[int]) -> LabelEdit | None:
    """Relabel the lesions ``others`` as ``keep``."""
    mask = np.isin(volume.data, [o for o in others if o != keep])
    if not mask.any():
        return None
    box = ndimage.find_objects(mask.astype(np.int8))[0]
    block = volume.data[box].copy()
    block[mask[box]] = keep
    return volume.write(box, block, "merge")


def split_lesion(volume: LabelVolume, lesion_id: int) -> tuple[LabelEdit | None, list[int]]:
    """Give each disconnected part of a lesion its own ID; the largest keeps ``lesion_id``.

    Returns
    -------
    edit, new_ids
        The edit (None when the lesion is in one piece) and the IDs created.
    """
    box = lesion_box(volume, lesion_id)
    if box is None:
        return None, []
    block = volume.data[box].copy()
    parts, count = ndimage.label(block == lesion_id, structure=CONNECTIVITY)
    if count < 2:
        return None, []
    sizes = ndimage.sum_labels(np.ones_like(parts), parts, index=np.arange(1, count + 1))
    order = np.argsort(-sizes, kind="stable") + 1
    new_ids = []
    for part in order[1:]:
        new_id = volume.reserve_id()
        block[parts == part] = new_id
        new_ids.append(new_id)
    return volume.write(box, block, "split"), new_ids


def components_as_lesions(
    mask: np.ndarray, volume: LabelVolume
) -> tuple[LabelEdit | None, list[int]]:
    """Add each connected component of a binary ``mask`` as a new lesion.

    Voxels already labelled keep their lesion (an import never overwrites a
    rater's existing lesions). Returns the edit and the new IDs in component order.
    """
    parts, count = ndimage.label(np.asarray(mask) > 0, structure=CONNECTIVITY)
    free = volume.data == 0
    new_data = volume.data.copy()
    new_ids = []
    for part, box in enumerate(ndimage.find_objects(parts), start=1):
        voxels = (parts[box] == part) & free[box]
        if not voxels.any():
            continue
        new_id = volume.reserve_id()
        new_data[box][voxels] = new_id
        new_ids.append(new_id)
    if not new_ids:
        return None, []
    box = ndimage.find_objects((new_data != volume.data).astype(np.int8))[0]
    return volume.write(box, new_data[box], "import"), new_ids
