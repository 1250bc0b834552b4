"""Atlas labels carried onto a participant's grid by nearest neighbour.

A voxel of the participant's grid takes the label found at the MNI point its
centre maps to (:class:`~processing.location.register.TemplateTransform`);
points outside the atlas get 0. Nothing is interpolated, so every output
value is one of the atlas's region numbers.
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from processing.location.atlas import Volume
from processing.registration.spaces import image_to_sitk, sitk_to_image
from processing.spaces.grid import Grid


def labels_on_grid(atlas: Volume, grid: Grid, transform: sitk.Transform) -> np.ndarray:
    """Return the atlas's labels on ``grid`` (uint8, shape ``grid.shape``).

    Parameters
    ----------
    atlas : Volume
        Region numbers on their MNI grid.
    grid : Grid
        The participant's grid (shape, RAS affine).
    transform : sitk.Transform
        Participant LPS points -> MNI LPS points.
    """
    source = image_to_sitk(np.asarray(atlas.data, dtype=np.uint8), atlas.affine)
    target = image_to_sitk(np.zeros(grid.shape, dtype=np.uint8), grid.affine)
    carried = sitk.Resample(source, target, transform, sitk.sitkNearestNeighbor, 0, sitk.sitkUInt8)
    return sitk_to_image(carried)[0].astype(np.uint8)
