"""Where an acquisition's images lie in the participant's reference space.

The registration chain (:mod:`processing.registration.chain`) writes one
composed transform per acquisition and visit,
``derivatives/ferret/sub-XX/ses-YY/xfm/sub-XX_ses-YY_from-<acq>_to-ref_mode-image_xfm.txt``,
whose JSON sidecar holds ``MatrixRAS`` = ``ref_from_<acq>`` (4x4, RAS mm of the
acquisition's world to RAS mm of the reference), read back by the registration
package's :func:`processing.registration.store.ref_from`; this module turns its
answer into a :class:`Placement` that says why an image is not registered.

A view shows an image with voxel -> world affine ``A`` by slicing it with the
display affine ``T @ A`` (:func:`display_affine`): no volume is resampled.
Without a transform the identity is used (the scanner's header alignment) and
the view is marked "not registered".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from processing.registration import store
from processing.study.model import Visit
from viewers.state.volume import Volume

REFERENCE = "ref"


@dataclass(frozen=True)
class Placement:
    """The ``ref_from_acquisition`` matrix of one acquisition and whether it is a registration.

    Attributes
    ----------
    matrix : ndarray (4, 4)
        RAS mm of the acquisition's world -> RAS mm of the reference space.
    registered : bool
        False when no transform exists (identity: header alignment only).
    note : str
        Why it is not registered (empty when registered).
    """

    matrix: np.ndarray
    registered: bool
    note: str = ""

    def display_affine(self, affine: np.ndarray) -> np.ndarray:
        """Return the voxel -> reference affine of an image with voxel -> world ``affine``."""
        return display_affine(self.matrix, affine)

    def place(
        self, volume: Volume, modality: str | None = None, label: str | None = None
    ) -> Volume:
        """Return ``volume`` in the reference space: the same voxels, the display affine."""
        return Volume(
            volume.data,
            self.display_affine(volume.affine),
            volume.modality if modality is None else modality,
            volume.label if label is None else label,
            volume.window,
        )


def display_affine(ref_from_acquisition: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """``T @ A``: voxels of an image straight into the reference space."""
    return np.asarray(ref_from_acquisition, dtype=float) @ np.asarray(affine, dtype=float)


def transform_path(visit: Visit, acquisition_key: str) -> Path:
    """Path of the composed ``from-<acq>_to-ref`` transform of a visit's acquisition."""
    return store.xfm_path(visit, acquisition_key, REFERENCE)


def placement_of(visit: Visit, acquisition_key: str | None) -> Placement:
    """Return the placement of an acquisition in the reference space (identity when unregistered).

    Never raises: a missing or unreadable transform gives the identity with a
    note saying why, so the image is still shown (marked).
    """
    if acquisition_key is None:
        return Placement(np.eye(4), False, "no acquisition")
    if not store.sidecar_of(transform_path(visit, acquisition_key)).is_file():
        return Placement(np.eye(4), False, "not registered")
    matrix = store.ref_from(visit, acquisition_key)
    if matrix is None:
        return Placement(np.eye(4), False, "transform unreadable")
    return Placement(matrix, True)
