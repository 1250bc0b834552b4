"""Rigid (or affine) registration of two 3D images with SimpleITK.

Mattes mutual information (multi-modal), random metric sampling with a FIXED
seed (SimpleITK seeds from the clock otherwise, so results would change from
run to run), a multi-resolution pyramid, gradient descent with scales from
physical shifts (regular-step gradient descent: the step halves whenever
the direction reverses, which stops the oscillation plain gradient descent shows
on noisy sampled metrics), initialised from the headers and the centres of mass of the
masked images (``CenteredTransformInitializer`` with ``MOMENTS``).

Images are ``(array, affine)`` pairs in nibabel order and RAS; the result is
a 4x4 RAS matrix ``fixed_from_moving`` (moving world -> fixed world).

The settings and the result are in :mod:`~processing.registration.rigid_params`,
the SimpleITK method set-up in :mod:`~processing.registration.rigid_setup`;
both are re-exported here.
"""

from __future__ import annotations

import time

import numpy as np

from processing.errors import FerretError
from processing.progress import Progress, null_progress
from processing.registration import spaces
from processing.registration.qc import header_deviation, quality_flags
from processing.registration.rigid_params import (
    DEFAULT_PARAMS,
    Image,
    RegistrationParams,
    RegistrationResult,
)
from processing.registration.rigid_setup import (
    prepare_image,
    registration_method,
    sampling_fractions,
)
from processing.registration.threads import itk_threads

__all__ = [
    "Image",
    "RegistrationParams",
    "RegistrationResult",
    "register_rigid",
    "mask_centre",
    "sampling_fractions",
]


def register_rigid(
    fixed_img: Image,
    moving_img: Image,
    *,
    fixed_mask: np.ndarray | None = None,
    moving_mask: np.ndarray | None = None,
    params: RegistrationParams = DEFAULT_PARAMS,
    initial_fixed_from_moving: np.ndarray | None = None,
    progress: Progress | None = None,
) -> RegistrationResult:
    """Register ``moving_img`` to ``fixed_img`` (rigid, 6 DOF; affine as an option).

    Parameters
    ----------
    fixed_img, moving_img : (array, affine)
        3D arrays with their RAS affines.
    fixed_mask, moving_mask : bool ndarray, optional
        Brain masks on the images' grids; the metric is evaluated inside them
        and the centres of mass are computed from the masked intensities.
    params : RegistrationParams
        Settings (transform kind, pyramid, sampling, seed, QC thresholds).
    initial_fixed_from_moving : ndarray (4, 4), optional
        A starting RAS matrix instead of the header + centre-of-mass start.
    progress : Progress, optional
        Receives a fraction per pyramid level; cancellation is honoured.

    ITK's global thread count is pinned to ``params.threads`` meanwhile
    (:func:`~processing.registration.threads.itk_threads`): reproducible results.
    """
    with itk_threads(params.threads):
        return _register(
            fixed_img,
            moving_img,
            fixed_mask,
            moving_mask,
            params,
            initial_fixed_from_moving,
            progress or null_progress(),
        )


def _register(
    fixed_img: Image,
    moving_img: Image,
    fixed_mask,
    moving_mask,
    params: RegistrationParams,
    initial_fixed_from_moving,
    progress: Progress,
) -> RegistrationResult:
    started = time.perf_counter()
    fixed = prepare_image(fixed_img, fixed_mask, params.working_spacing_mm)
    moving = prepare_image(moving_img, moving_mask, params.working_spacing_mm)
    method = registration_method(params, fixed, moving, initial_fixed_from_moving, progress)
    try:
        final = method.Execute(fixed[0], moving[0])
    except RuntimeError as exc:
        raise FerretError(
            f"registration failed ({str(exc).strip().splitlines()[-1]}).",
            None,
            "check that both images show the same head and overlap after the header alignment.",
        ) from exc
    progress.check()
    moving_from_fixed = spaces.ras_from_lps_matrix(spaces.matrix_from_sitk_transform(final))
    fixed_from_moving = np.linalg.inv(moving_from_fixed)
    centre = mask_centre(fixed_img, fixed_mask)
    shift, angle = header_deviation(fixed_from_moving, centre)
    metric = float(method.GetMetricValue())
    result = RegistrationResult(
        fixed_from_moving=fixed_from_moving,
        metric=metric,
        iterations=int(method.GetOptimizerIteration()),
        stop_condition=method.GetOptimizerStopConditionDescription(),
        header_shift_mm=shift,
        header_rotation_deg=angle,
        seconds=time.perf_counter() - started,
        params=params,
        start=params.initialiser if initial_fixed_from_moving is None else "given",
    )
    result.flags = quality_flags(
        metric,
        shift,
        angle,
        poor_metric=params.poor_metric,
        max_shift_mm=params.max_shift_mm,
        max_rotation_deg=params.max_rotation_deg,
    )
    progress.update(1.0, "registration done")
    return result


def mask_centre(image: Image, mask: np.ndarray | None) -> np.ndarray:
    """World centre of the mask (or of the image grid) of the fixed image."""
    array, affine = image
    if mask is not None and np.any(mask):
        index = np.argwhere(np.asarray(mask) > 0).mean(axis=0)
    else:
        index = (np.array(np.shape(array)[:3]) - 1) / 2.0
    return affine[:3, :3] @ index + affine[:3, 3]
