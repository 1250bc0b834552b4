"""Both images of a registration on the working grid, with their grown brain masks there.

Registration runs on a grid of ``RegistrationParams.working_spacing_mm``
(1.5 mm): :func:`working_image` smooths and resamples an image there with the
same SimpleITK filters :func:`~processing.registration.rigid_setup.prepare_image`
uses, so the registration sees the same intensities as before. The brain
mask is carried there by nearest neighbour and then grown by
``mask_dilation_mm`` with a Euclidean distance transform *on the working
grid*. Growing it at the scan's own resolution cost more than the
optimisation on full-scale data: 4.6 of a link's 14.6 CPU seconds for a
0.85 mm MP2RAGE and FLAIR (``bench/pipeline.py``), the distance transform of
13 million voxels, twice per link, for a mask that is then sampled at 1.5 mm.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from processing.errors import FerretError
from processing.registration import spaces
from processing.registration.rigid_params import Image, RegistrationParams
from processing.registration.rigid_setup import coarsened
from processing.registration.threads import itk_threads


def working_pair(
    image: Image, mask: np.ndarray, params: RegistrationParams
) -> tuple[Image, np.ndarray]:
    """Return ``image`` and its grown brain ``mask`` on the working grid of ``params``.

    Without a working spacing (or when the image is already as coarse) the
    image is kept and the mask is grown on its own grid; ``mask_grid="image"``
    grows it on the image's grid before carrying it over (the former way).
    """
    array, affine = image
    if params.mask_grid not in ("working", "image"):
        raise FerretError(
            f"unknown mask grid {params.mask_grid!r}.", None, "use 'working' or 'image'."
        )
    if params.mask_grid == "image":
        mask = dilate_mask(mask, affine, params.mask_dilation_mm)
    if params.working_spacing_mm:
        with itk_threads(params.threads):
            itk_image = spaces.image_to_sitk(np.nan_to_num(np.asarray(array, np.float32)), affine)
            itk_mask = spaces.image_to_sitk(np.asarray(mask, dtype=np.uint8), affine)
            itk_mask.CopyInformation(itk_image)
            itk_image, itk_mask = coarsened(itk_image, itk_mask, params.working_spacing_mm)
        array, affine = spaces.sitk_to_image(itk_image)
        mask = spaces.sitk_to_image(itk_mask)[0] > 0
    if params.mask_grid == "working":
        mask = dilate_mask(mask, affine, params.mask_dilation_mm)
    return (array, affine), mask


def dilate_mask(mask: np.ndarray, affine: np.ndarray, distance_mm: float) -> np.ndarray:
    """Grow a boolean mask by ``distance_mm`` (Euclidean, anisotropic voxels handled)."""
    mask = np.asarray(mask, dtype=bool)
    if distance_mm <= 0 or not mask.any():
        return mask
    zooms = np.linalg.norm(np.asarray(affine)[:3, :3], axis=0)
    return ndimage.distance_transform_edt(~mask, sampling=zooms) <= distance_mm
