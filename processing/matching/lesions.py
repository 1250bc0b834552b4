"""Per-lesion measurements of a label volume, in one pass over its non-zero voxels.

:class:`LesionTable` holds, for every lesion ID present, its voxel count, the
centre of its voxel centres in RAS millimetres and its volume in mm3. The
affine follows nibabel's convention (``affine @ [i, j, k, 1]`` is the RAS centre
of voxel ``[i, j, k]``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

CONNECTIVITY_26 = np.ones((3, 3, 3), dtype=bool)


def label_components(mask: np.ndarray) -> np.ndarray:
    """Label the 26-connected components of a binary mask (``int32``, 1..n, 0 background)."""
    labels, _ = ndimage.label(np.asarray(mask) > 0, structure=CONNECTIVITY_26)
    return labels.astype(np.int32, copy=False)


def keep_lesions(labels: np.ndarray, lesion_ids) -> np.ndarray:
    """Return a copy of ``labels`` with every lesion not in ``lesion_ids`` set to 0."""
    labels = np.asarray(labels)
    kept = np.isin(labels, np.fromiter(lesion_ids, dtype=np.int64))
    return np.where(kept, labels, 0).astype(labels.dtype, copy=False)


@dataclass(frozen=True)
class LesionTable:
    """The lesions of one label volume.

    Attributes
    ----------
    ids : ndarray of int, shape (n,)
        Lesion IDs present, ascending.
    voxels : ndarray of int, shape (n,)
        Voxel count per lesion.
    centres : ndarray of float, shape (n, 3)
        Mean RAS position (mm) of each lesion's voxel centres.
    voxel_volume : float
        Volume of one voxel in mm3.
    """

    ids: np.ndarray
    voxels: np.ndarray
    centres: np.ndarray
    voxel_volume: float

    @classmethod
    def from_labels(cls, labels: np.ndarray, affine: np.ndarray) -> LesionTable:
        """Measure every lesion of ``labels`` (integers, 0 background) on ``affine``'s grid."""
        labels = np.asarray(labels)
        flat = np.flatnonzero(labels)
        values = labels.reshape(-1)[flat].astype(np.int64)
        ids, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
        ijk = np.stack(np.unravel_index(flat, labels.shape), axis=1).astype(float)
        sums = (
            np.stack(
                [
                    np.bincount(inverse, weights=ijk[:, axis], minlength=len(ids))
                    for axis in range(3)
                ],
                axis=1,
            )
            if len(ids)
            else np.zeros((0, 3))
        )
        mean_ijk = sums / np.maximum(counts, 1)[:, None]
        affine = np.asarray(affine, dtype=float)
        centres = mean_ijk @ affine[:3, :3].T + affine[:3, 3]
        volume = float(abs(np.linalg.det(affine[:3, :3])))
        return cls(ids=ids, voxels=counts.astype(np.int64), centres=centres, voxel_volume=volume)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def volumes_mm3(self) -> np.ndarray:
        """Volume of each lesion in mm3."""
        return self.voxels * self.voxel_volume

    def index_of(self, lesion_id: int) -> int:
        """Row of ``lesion_id`` in this table (KeyError when absent)."""
        row = int(np.searchsorted(self.ids, lesion_id))
        if row >= len(self.ids) or self.ids[row] != lesion_id:
            raise KeyError(lesion_id)
        return row
