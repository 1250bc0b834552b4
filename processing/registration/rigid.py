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
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np
import SimpleITK as sitk

from processing.errors import FerretError
from processing.progress import Progress, null_progress
from processing.registration import spaces
from processing.registration.qc import header_deviation, quality_flags
from processing.registration.threads import itk_threads


@dataclass(frozen=True)
class RegistrationParams:
    """Every setting that changes a registration's result (stored in sidecars).

    ``shrink_factors`` and ``smoothing_sigmas_mm`` give one pyramid level each.
    ``working_spacing_mm`` first resamples both images to at least that voxel
    size (after anti-alias smoothing): registration cost falls with the cube.
    ``mask_dilation_mm`` grows brain masks (in
    :func:`~processing.registration.pairing.register_pair_images`) so that the
    metric sees the brain's outline, where pairs of low tissue contrast carry
    most of their shared information.
    """

    transform: str = "rigid"
    bins: int = 32
    sampling_fraction: float = 0.25
    min_samples: int = 100_000
    seed: int = 20240601
    shrink_factors: tuple[int, ...] = (4, 2, 1)
    smoothing_sigmas_mm: tuple[float, ...] = (6.0, 3.0, 1.5)
    iterations: int = 200
    learning_rate: float = 2.0
    min_step: float = 1e-3
    initialiser: str = "best"
    working_spacing_mm: float | None = 1.5
    mask_dilation_mm: float = 4.0
    threads: int = 1
    poor_metric: float = -0.1
    max_shift_mm: float = 20.0
    max_rotation_deg: float = 15.0

    def as_dict(self) -> dict:
        """Plain dict (for JSON sidecars and cache keys)."""
        return {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(self).items()}


@dataclass
class RegistrationResult:
    """Outcome of one registration.

    Attributes
    ----------
    fixed_from_moving : ndarray (4, 4)
        RAS matrix mapping a point's coordinates in the moving image's world to
        the fixed image's world.
    metric : float
        Final Mattes MI (negative; closer to 0 is worse).
    iterations : int
        Optimizer iterations at the last level.
    flags : list of str
        QC flags (empty when nothing looks wrong).
    swapped, attempts, start
        Set by :func:`~processing.registration.pairing.register_pair_images`:
        whether fixed and moving were swapped (the matrix is still
        fixed_from_moving of the caller's pair), how many starts were tried,
        and the start kept.
    """

    fixed_from_moving: np.ndarray
    metric: float
    iterations: int
    stop_condition: str
    flags: list[str] = field(default_factory=list)
    header_shift_mm: float = 0.0
    header_rotation_deg: float = 0.0
    seconds: float = 0.0
    params: RegistrationParams = field(default_factory=RegistrationParams)
    swapped: bool = False
    attempts: int = 1
    start: str = ""

    @property
    def moving_from_fixed(self) -> np.ndarray:
        """The inverse matrix (fixed world -> moving world)."""
        return np.linalg.inv(self.fixed_from_moving)

    @property
    def direction(self) -> str:
        """The direction of :attr:`fixed_from_moving` in words."""
        return "maps RAS mm of the moving image's world to RAS mm of the fixed image's world"


Image = tuple[np.ndarray, np.ndarray]


def register_rigid(fixed_img: Image, moving_img: Image, *, fixed_mask: np.ndarray | None = None,
                   moving_mask: np.ndarray | None = None,
                   params: RegistrationParams = RegistrationParams(),
                   initial_fixed_from_moving: np.ndarray | None = None,
                   progress: Progress | None = None) -> RegistrationResult:
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
        return _register(fixed_img, moving_img, fixed_mask, moving_mask, params, initial_fixed_from_moving,
                         progress or null_progress())


def _register(fixed_img: Image, moving_img: Image, fixed_mask, moving_mask, params: RegistrationParams,
              initial_fixed_from_moving, progress: Progress) -> RegistrationResult:
    started = time.perf_counter()
    fixed = _prepare(fixed_img, fixed_mask, params.working_spacing_mm)
    moving = _prepare(moving_img, moving_mask, params.working_spacing_mm)
    method = _method(params, fixed, moving, initial_fixed_from_moving, progress)
    try:
        final = method.Execute(fixed[0], moving[0])
    except RuntimeError as exc:
        raise FerretError(f"registration failed ({str(exc).strip().splitlines()[-1]}).", None,
                          "check that both images show the same head and overlap after the header alignment.") from exc
    progress.check()
    moving_from_fixed = spaces.ras_from_lps_matrix(spaces.matrix_from_sitk_transform(final))
    fixed_from_moving = np.linalg.inv(moving_from_fixed)
    centre = mask_centre(fixed_img, fixed_mask)
    shift, angle = header_deviation(fixed_from_moving, centre)
    metric = float(method.GetMetricValue())
    result = RegistrationResult(
        fixed_from_moving=fixed_from_moving, metric=metric, iterations=int(method.GetOptimizerIteration()),
        stop_condition=method.GetOptimizerStopConditionDescription(), header_shift_mm=shift,
        header_rotation_deg=angle, seconds=time.perf_counter() - started, params=params,
        start=params.initialiser if initial_fixed_from_moving is None else "given")
    result.flags = quality_flags(metric, shift, angle, poor_metric=params.poor_metric,
                                 max_shift_mm=params.max_shift_mm, max_rotation_deg=params.max_rotation_deg)
    progress.update(1.0, "registration done")
    return result


def _prepare(image: Image, mask: np.ndarray | None, working_spacing: float | None):
    """SimpleITK float image and uint8 mask (intensities are not masked: no artificial edges)."""
    array, affine = image
    array = np.nan_to_num(np.asarray(array, dtype=np.float32))
    if array.ndim != 3 or min(array.shape) < 4:
        raise FerretError(f"cannot register an image of shape {array.shape}.", None,
                          "pass a 3D volume at least 4 voxels along each axis.")
    itk_image = spaces.image_to_sitk(array, affine)
    itk_mask = None
    if mask is not None:
        itk_mask = spaces.image_to_sitk(np.asarray(mask, dtype=np.uint8), affine)
        itk_mask.CopyInformation(itk_image)
    if working_spacing:
        itk_image, itk_mask = _coarsen(itk_image, itk_mask, working_spacing)
    return itk_image, itk_mask


def _coarsen(image: sitk.Image, mask: sitk.Image | None, spacing_mm: float):
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
        coarse_mask = sitk.Resample(mask, grid, sitk.Transform(), sitk.sitkNearestNeighbor, 0, sitk.sitkUInt8)
    return coarse, coarse_mask


def _method(params: RegistrationParams, fixed, moving, initial: np.ndarray | None,
            progress: Progress) -> sitk.ImageRegistrationMethod:
    method = _metric_method(params, fixed)
    if moving[1] is not None:
        method.SetMetricMovingMask(moving[1])
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsRegularStepGradientDescent(learningRate=params.learning_rate, minStep=params.min_step,
                                                    numberOfIterations=params.iterations, relaxationFactor=0.5,
                                                    gradientMagnitudeTolerance=1e-8)
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetShrinkFactorsPerLevel(list(params.shrink_factors))
    method.SetSmoothingSigmasPerLevel(list(params.smoothing_sigmas_mm))
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOn()
    method.SetInitialTransform(_initial_transform(params, fixed, moving, initial), inPlace=False)
    levels = len(params.shrink_factors)
    method.AddCommand(sitk.sitkMultiResolutionIterationEvent,
                      lambda: progress.update(method.GetCurrentLevel() / levels, "registering"))
    method.AddCommand(sitk.sitkIterationEvent, lambda: _stop_if_cancelled(method, progress))
    return method


def _metric_method(params: RegistrationParams, fixed, shrinks=None) -> sitk.ImageRegistrationMethod:
    """A registration method with the metric, sampling, seed, mask and thread count set.

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
    fractions = sampling_fractions(params, fixed, params.shrink_factors if shrinks is None else shrinks)
    method.SetMetricSamplingStrategy(method.RANDOM)  # off-grid points: no interpolation artefacts
    method.SetMetricSamplingPercentagePerLevel(fractions, params.seed)
    if fixed[1] is not None:
        method.SetMetricFixedMask(fixed[1])
    return method


def sampling_fractions(params: RegistrationParams, fixed, shrinks) -> list[float]:
    """Fraction of the fixed image's voxels sampled at each pyramid level."""
    image, mask = fixed
    voxels = float(np.count_nonzero(sitk.GetArrayViewFromImage(mask))) if mask is not None \
        else float(np.prod(image.GetSize()))
    return [float(min(1.0, max(params.sampling_fraction, params.min_samples * shrink**3 / max(voxels, 1.0))))
            for shrink in shrinks]


def _stop_if_cancelled(method: sitk.ImageRegistrationMethod, progress: Progress) -> None:
    if progress.cancelled:
        method.StopRegistration()


def _initial_transform(params: RegistrationParams, fixed, moving, initial: np.ndarray | None) -> sitk.Transform:
    """The start: a given matrix, the headers, the centres of mass, or the better of the two."""
    kinds = {"rigid": sitk.Euler3DTransform, "affine": lambda: sitk.AffineTransform(3)}
    if params.transform not in kinds:
        raise FerretError(f"unknown transform kind {params.transform!r}.", None, "use 'rigid' or 'affine'.")
    make = kinds[params.transform]
    if initial is not None:
        return _from_matrix(make(), initial, fixed[0])
    candidates = {
        "header": lambda: _from_matrix(make(), np.eye(4), fixed[0]),
        "moments": lambda: sitk.CenteredTransformInitializer(
            _masked(*fixed), _masked(*moving), make(), sitk.CenteredTransformInitializerFilter.MOMENTS),
    }
    if params.initialiser in candidates:
        return candidates[params.initialiser]()
    if params.initialiser != "best":
        raise FerretError(f"unknown initialiser {params.initialiser!r}.", None,
                          "use 'best', 'moments' or 'header'.")
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


def _from_matrix(transform: sitk.Transform, fixed_from_moving: np.ndarray, fixed: sitk.Image) -> sitk.Transform:
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


def mask_centre(image: Image, mask: np.ndarray | None) -> np.ndarray:
    """World centre of the mask (or of the image grid) of the fixed image."""
    array, affine = image
    if mask is not None and np.any(mask):
        index = np.argwhere(np.asarray(mask) > 0).mean(axis=0)
    else:
        index = (np.array(np.shape(array)[:3]) - 1) / 2.0
    return affine[:3, :3] @ index + affine[:3, 3]
