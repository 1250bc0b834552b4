"""The SimpleITK set-up of a rigid (or affine) registration (used by :mod:`~processing.registration.rigid`).

* :func:`prepare_image`: the SimpleITK float image and uint8 mask of an
  ``(array, affine)`` pair, coarsened to the working spacing.
* :func:`registration_method`: an ``ImageRegistrationMethod`` with Mattes
  mutual information, random sampling with a FIXED seed, the multi-resolution
  pyramid, regular-step gradient descent, progress and cancellation, and the
  start (:func:`_initial_transform`: a given matrix, the headers, the centres
  of mass, or the better of the two).
* :func:`sampling_fractions`: the fraction of voxels sampled per pyramid level.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import SimpleITK as sitk

from processing.errors import FerretError
from processing.progress import Progress
from processing.registration import spaces
from processing.registration.rigid_params import Image, RegistrationParams

Settable = sitk.Euler3DTransform | sitk.AffineTransform  # the kinds whose centre and matrix are set


def prepare_image(image: Image, mask: np.ndarray | None, working_spacing: float | None):
    """SimpleITK float image and uint8 mask (intensities are not masked: no artificial edges)."""
    array, affine = image
    array = np.nan_to_num(np.asarray(array, dtype=np.float32))
    if array.ndim != 3 or min(array.shape) < 4:
        raise FerretError(
            f"cannot register an image of shape {array.shape}.",
            None,
            "pass a 3D volume at least 4 voxels along each axis.",
        )
    itk_image = spaces.image_to_sitk(array, affine)
    itk_mask = None
    if mask is not None:
        itk_mask = spaces.image_to_sitk(np.asarray(mask, dtype=np.uint8), affine)
        itk_mask.CopyInformation(itk_image)
    if working_spacing:
        itk_image, itk_mask = coarsened(itk_image, itk_mask, working_spacing)
    return itk_image, itk_mask


def coarsened(image: sitk.Image, mask: sitk.Image | None, spacing_mm: float):
    """Smooth and resample to voxels of at least ``spacing_mm`` (no-op if already coarser)."""
    old_spacing = np.array(image.GetSpacing())
    new_spacing = np.maximum(old_spacing, spacing_mm)
    if np.allclose(new_spacing, old_spacing):
        return image, mask
    sigmas = np.sqrt(np.maximum(new_spacing**2 - old_spacing**2, 0.0)) / 2.355
    smooth = sitk.SmoothingRecursiveGaussian(image, [float(max(s, 1e-3)) for s in sigmas])
    size = np.round(np.array(image.GetSize()) * old_spacing / new_spacing).astype(int)
    grid = sitk.Image([int(max(n, 4)) for n in size], sitk.sitkFloat32)
    grid.SetSpacing(tuple(float(s) for s in new_spacing))
    grid.SetDirection(image.GetDirection())
    offset = (new_spacing - old_spacing) / 2.0
    origin = np.array(image.GetOrigin()) + np.array(image.GetDirection()).reshape(3, 3) @ offset
    grid.SetOrigin(tuple(origin))
    coarse = sitk.Resample(smooth, grid, sitk.Transform(), sitk.sitkLinear, 0.0, sitk.sitkFloat32)
    coarse_mask = None
    if mask is not None:
        coarse_mask = sitk.Resample(
            mask, grid, sitk.Transform(), sitk.sitkNearestNeighbor, 0, sitk.sitkUInt8
        )
    return coarse, coarse_mask


def registration_method(
    params: RegistrationParams, fixed, moving, initial: np.ndarray | None, progress: Progress
) -> sitk.ImageRegistrationMethod:
    """Return the registration method of ``params``.

    It starts from ``initial`` or the images and reports to ``progress``.
    """
    method = _metric_method(params, fixed)
    if moving[1] is not None:
        method.SetMetricMovingMask(moving[1])
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsRegularStepGradientDescent(
        learningRate=params.learning_rate,
        minStep=params.min_step,
        numberOfIterations=params.iterations,
        relaxationFactor=0.5,
        gradientMagnitudeTolerance=1e-8,
    )
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetShrinkFactorsPerLevel(list(params.shrink_factors))
    method.SetSmoothingSigmasPerLevel(list(params.smoothing_sigmas_mm))
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOn()
    method.SetInitialTransform(_initial_transform(params, fixed, moving, initial), inPlace=False)
    levels = len(params.shrink_factors)
    method.AddCommand(
        sitk.sitkMultiResolutionIterationEvent,
        lambda: progress.update(method.GetCurrentLevel() / levels, "registering"),
    )
    method.AddCommand(sitk.sitkIterationEvent, lambda: _stop_if_cancelled(method, progress))
    return method


def _metric_method(params: RegistrationParams, fixed, shrinks=None) -> sitk.ImageRegistrationMethod:
    """Return a registration method with the metric, sampling, seed, mask and thread count set.

    Sampling uses the fixed seed and, per level (``shrinks``), the larger of
    ``sampling_fraction`` and what gives ``min_samples`` inside the fixed mask
    (small or coarse images get every voxel: on the tiny phantom's 2.5 x 2.5 x
    5 mm spin echo, 25 % sampling left links up to 0.44 mm off, all voxels
    0.18 mm). Points are always drawn at random (ITK jitters them off the
    voxel centres): sampling every voxel centre of two grids of equal spacing
    biased FLAIR -> MP2RAGE links by interpolation artefacts (0.3 -> 0.6 mm).
    The thread count is fixed too (default 1): ITK splits the
    samples among threads, so a different thread count gives a (slightly)
    different result.
    """
    method = sitk.ImageRegistrationMethod()
    method.SetNumberOfThreads(params.threads)
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=params.bins)
    fractions = sampling_fractions(
        params, fixed, params.shrink_factors if shrinks is None else shrinks
    )
    method.SetMetricSamplingStrategy(method.RANDOM)  # off-grid points: no interpolation artefacts
    method.SetMetricSamplingPercentagePerLevel(fractions, params.seed)
    if fixed[1] is not None:
        method.SetMetricFixedMask(fixed[1])
    return method


def sampling_fractions(params: RegistrationParams, fixed, shrinks) -> list[float]:
    """Fraction of the fixed image's voxels sampled at each pyramid level."""
    image, mask = fixed
    voxels = (
        float(np.count_nonzero(sitk.GetArrayViewFromImage(mask)))
        if mask is not None
        else float(np.prod(image.GetSize()))
    )
    return [
        float(
            min(
                1.0,
                max(params.sampling_fraction, params.min_samples * shrink**3 / max(voxels, 1.0)),
            )
        )
        for shrink in shrinks
    ]


def _stop_if_cancelled(method: sitk.ImageRegistrationMethod, progress: Progress) -> None:
    if progress.cancelled:
        method.StopRegistration()


def _initial_transform(
    params: RegistrationParams, fixed, moving, initial: np.ndarray | None
) -> sitk.Transform:
    """Return the start.

    A given matrix, the headers, the centres of mass, or the better of the two.
    """
    kinds: dict[str, Callable[[], Settable]] = {
        "rigid": sitk.Euler3DTransform,
        "affine": lambda: sitk.AffineTransform(3),
    }
    if params.transform not in kinds:
        raise FerretError(
            f"unknown transform kind {params.transform!r}.", None, "use 'rigid' or 'affine'."
        )
    make = kinds[params.transform]
    if initial is not None:
        return _from_matrix(make(), initial, fixed[0])
    candidates = {
        "header": lambda: _from_matrix(make(), np.eye(4), fixed[0]),
        "moments": lambda: sitk.CenteredTransformInitializer(
            _masked(*fixed),
            _masked(*moving),
            make(),
            sitk.CenteredTransformInitializerFilter.MOMENTS,
        ),
    }
    if params.initialiser in candidates:
        return candidates[params.initialiser]()
    if params.initialiser != "best":
        raise FerretError(
            f"unknown initialiser {params.initialiser!r}.",
            None,
            "use 'best', 'moments' or 'header'.",
        )
    starts = [make_start() for make_start in candidates.values()]
    return min(starts, key=lambda start: _metric_at(params, fixed, moving, start))


def _masked(image: sitk.Image, mask: sitk.Image | None) -> sitk.Image:
    return image if mask is None else sitk.Mask(image, mask)


def _metric_at(params: RegistrationParams, fixed, moving, transform: sitk.Transform) -> float:
    """Mattes MI of the two images under ``transform`` (same sampling and seed as the run)."""
    method = _metric_method(params, fixed, params.shrink_factors[:1])
    method.SetInterpolator(sitk.sitkLinear)
    method.SetInitialTransform(transform, inPlace=False)
    shrink = params.shrink_factors[0]
    sigma = params.smoothing_sigmas_mm[0]
    method.SetShrinkFactorsPerLevel([shrink])
    method.SetSmoothingSigmasPerLevel([sigma])
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOn()
    return float(method.MetricEvaluate(fixed[0], moving[0]))


def _from_matrix(transform: Settable, fixed_from_moving: np.ndarray, fixed: sitk.Image) -> Settable:
    """Set ``transform`` (ITK: fixed -> moving, LPS) from a RAS fixed_from_moving matrix."""
    lps = spaces.lps_from_ras_matrix(np.linalg.inv(fixed_from_moving))
    centre = fixed.TransformContinuousIndexToPhysicalPoint([(n - 1) / 2.0 for n in fixed.GetSize()])
    transform.SetCenter(centre)
    if isinstance(transform, sitk.Euler3DTransform):
        transform.SetMatrix(tuple(_nearest_rotation(lps[:3, :3]).ravel()))
    else:
        transform.SetMatrix(tuple(lps[:3, :3].ravel()))
    centre = np.array(centre)
    transform.SetTranslation(tuple(lps[:3, :3] @ centre + lps[:3, 3] - centre))
    return transform


def _nearest_rotation(linear: np.ndarray) -> np.ndarray:
    u, _, vt = np.linalg.svd(linear)
    return u @ vt
