"""Registration of the MNI T1 template to a participant's T1-like image (SimpleITK).

The participant's image is the *fixed* image and the template the *moving*
one, so the result maps participant points to MNI points: exactly what pulling
the atlas's labels onto the participant's grid needs
(:func:`processing.location.carry.labels_on_grid`).

Stages, each multi-resolution, Mattes mutual information (the participant's
image may be a UNIT1 or an R1 map: the intensities need not match the
template's), random sampling with a fixed seed, both images masked:

1. a similarity transform (rotation, translation, one scale) started from the
   brains' centres of mass;
2. a full affine transform;
3. a B-spline (free-form) deformation on a coarse control grid
   (:attr:`TemplateSettings.bspline_spacing_mm`), refined once, gradient
   descent with line search, on images of voxels up to
   :attr:`TemplateSettings.deformable_max_mm` only; kept only when it improves
   the metric (else, or when it fails, the affine result is kept, with a note).

The fixed image is coarsened to :attr:`TemplateSettings.working_mm` first:
lobe-level location needs no finer registration, and the labels are then
carried onto the participant's full grid. The real-data test
(``tests/processing/test_location_real.py``) measures what each stage gives.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import SimpleITK as sitk

from processing.errors import FerretError
from processing.progress import Progress, null_progress
from processing.registration.rigid_setup import prepare_image
from processing.registration.threads import itk_threads


@dataclass(frozen=True)
class TemplateSettings:
    """Settings of the template registration (every one keys the atlas job's cache).

    Attributes
    ----------
    deformable : bool
        Run the B-spline stage after the affine ones.
    deformable_max_mm : float
        ... but only on images whose voxels are at most this size: a B-spline
        fitted to a few thousand coarse voxels (the tiny and small phantoms'
        3-4 mm grids) runs off to a degenerate mapping that the metric rewards.
    working_mm : float
        Voxel size the participant's image is coarsened to for registering.
    bins : int
        Histogram bins of the Mattes metric.
    sampling : float
        Fraction of the fixed image's (masked) voxels sampled, with ``seed``.
    seed : int
        The metric's sampling seed, not 0 (SimpleITK's 0 means "from the clock").
    pyramid_mm, smooth_mm : tuple
        The affine stages' pyramid: the voxel size aimed at per level (the
        shrink factor is that over the working voxel size, at least 1) and
        the smoothing sigmas (mm).
    affine_iterations : int
        Iterations per level of each affine stage.
    bspline_spacing_mm : float
        Control-point spacing of the B-spline grid at its finest level.
    bspline_iterations : int
        Gradient-descent iterations per level of the B-spline stage.
    threads : int
        ITK threads (1: ITK's threaded metric sums are not bit-reproducible
        otherwise, and a rerun after a crash must give the clean run's output;
        the engine runs participants' atlas jobs in parallel instead).
    """

    deformable: bool = True
    deformable_max_mm: float = 2.5
    working_mm: float = 2.0
    bins: int = 32
    sampling: float = 0.25
    seed: int = 1
    pyramid_mm: tuple[float, ...] = (8.0, 4.0, 2.0)
    smooth_mm: tuple[float, ...] = (4.0, 2.0, 1.0)
    affine_iterations: int = 100
    bspline_spacing_mm: float = 30.0
    bspline_iterations: int = 40
    threads: int = 1

    def as_dict(self) -> dict:
        """Return the settings as JSON-friendly values."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TemplateSettings:
        """Return the settings :meth:`as_dict` gave (lists back to tuples)."""
        converted: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in values.items()
        }
        return cls(**converted)


@dataclass
class TemplateTransform:
    """Result: participant world -> MNI world, as a SimpleITK transform (LPS inside).

    Attributes
    ----------
    transform : sitk.Transform
        Maps fixed (participant) LPS points to moving (template) LPS points.
    affine_ras : ndarray (4, 4)
        The affine part alone, ``mni_from_participant`` in RAS mm.
    metrics : dict
        The final metric value of each stage (lower is better).
    seconds : float
        Time taken.
    notes : list of str
        What did not go as planned (a B-spline stage that failed or did not
        improve the metric: the affine result is kept).
    """

    transform: sitk.Transform
    affine_ras: np.ndarray
    metrics: dict = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def register_template(
    fixed: tuple[np.ndarray, np.ndarray],
    fixed_mask: np.ndarray,
    template: tuple[np.ndarray, np.ndarray],
    template_mask: np.ndarray,
    settings: TemplateSettings | None = None,
    progress: Progress | None = None,
) -> TemplateTransform:
    """Register the template to the participant's image; see the module docstring.

    Parameters
    ----------
    fixed, template : (array, affine)
        The participant's T1-like image and the template, RAS affines.
    fixed_mask, template_mask : ndarray of bool
        Their brain masks (same shapes as the images).
    """
    from processing.registration.spaces import matrix_from_sitk_transform, ras_from_lps_matrix

    settings, progress = settings or TemplateSettings(), progress or null_progress()
    start = time.perf_counter()
    if not np.any(fixed_mask):
        raise FerretError(
            "the participant's brain mask is empty.", None, "check the image's brain mask."
        )
    with itk_threads(settings.threads):
        image, mask = prepare_image(fixed, fixed_mask, settings.working_mm)
        moving, moving_mask = prepare_image(template, template_mask, None)
        metrics: dict[str, float] = {}
        stages = 3 if settings.deformable else 2
        images = (image, mask, moving, moving_mask)
        similarity = _initial_similarity(*images)
        progress.update(0.0, "registering the MNI template (similarity)")
        metrics["similarity"] = _linear_stage(images, similarity, settings, progress, "similarity")
        progress.check()
        progress.update(1 / stages, "registering the MNI template (affine)")
        affine = _as_affine(similarity)
        metrics["affine"] = _linear_stage(images, affine, settings, progress, "affine")
        result: sitk.Transform = affine
        notes: list[str] = []
        coarse = float(max(spaces_of(fixed[1]))) > settings.deformable_max_mm
        if settings.deformable and coarse:
            notes.append(
                f"voxels coarser than {settings.deformable_max_mm} mm: no B-spline stage, affine only"
            )
        elif settings.deformable:
            progress.update(2 / stages, "registering the MNI template (B-spline)")
            try:
                deformed, metrics["bspline"] = _bspline(
                    image, mask, moving, moving_mask, affine, settings, progress
                )
            except FerretError as exc:  # e.g. a coarse, small image: the deformation runs off
                notes.append(f"B-spline stage failed, affine kept: {exc.problem}")
            else:
                if metrics["bspline"] < metrics["affine"]:
                    result = deformed
                else:
                    notes.append("B-spline stage did not improve the metric, affine kept")
    affine_ras = ras_from_lps_matrix(matrix_from_sitk_transform(affine))
    progress.update(1.0, "template registered")
    return TemplateTransform(result, affine_ras, metrics, time.perf_counter() - start, notes)


def spaces_of(affine: np.ndarray) -> np.ndarray:
    """Return the voxel sizes (mm) of a 4x4 affine."""
    return np.linalg.norm(np.asarray(affine, dtype=float)[:3, :3], axis=0)


def _linear_stage(images, transform, settings: TemplateSettings, progress, kind: str) -> float:
    """Optimise ``transform`` in place (regular-step gradient descent); return the metric."""
    image, mask, moving, moving_mask = images
    method = _method(settings, mask, moving_mask, progress)
    method.SetShrinkFactorsPerLevel(_shrink(image, settings.pyramid_mm))
    method.SetSmoothingSigmasPerLevel(list(settings.smooth_mm))
    method.SetOptimizerAsRegularStepGradientDescent(
        1.0, 1e-4, settings.affine_iterations, relaxationFactor=0.6
    )
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetInitialTransform(transform, inPlace=True)
    _execute(method, image, moving, kind)
    return float(method.GetMetricValue())


def _method(settings: TemplateSettings, mask, moving_mask, progress: Progress):
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(settings.bins)
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentage(settings.sampling, settings.seed)
    method.SetMetricFixedMask(mask)
    method.SetMetricMovingMask(moving_mask)
    method.SetInterpolator(sitk.sitkLinear)
    method.SetNumberOfThreads(settings.threads)
    method.AddCommand(sitk.sitkIterationEvent, lambda: progress.check())
    return method


def _shrink(image: sitk.Image, pyramid_mm) -> list[int]:
    """Return the shrink factor per level: the level's voxel size over the image's, at least 1."""
    spacing = float(min(image.GetSpacing()))
    return [max(1, int(round(target / spacing))) for target in pyramid_mm]


def _execute(method: sitk.ImageRegistrationMethod, image, moving, stage: str) -> None:
    """Run one stage; ITK's failure (e.g. no overlap) becomes a FerretError."""
    try:
        method.Execute(image, moving)
    except RuntimeError as exc:
        last = str(exc).strip().splitlines()[-1][:200]
        raise FerretError(
            f"the {stage} registration of the MNI template failed ({last}).",
            None,
            "check that the participant's T1-like image shows a whole brain with its mask; "
            "else rate the microbleeds' MARS region in the form.",
        ) from exc


def _initial_similarity(image, mask, moving, moving_mask) -> sitk.Similarity3DTransform:
    """Return the start: the two brain masks' centres of mass aligned, no rotation, no scale.

    Not scaled by the ratio of the masks' volumes: a tight brain mask (without
    the CSF) and the template's generous one differ by half their volume.
    """
    fixed_stats, moving_stats = (
        sitk.LabelShapeStatisticsImageFilter(),
        sitk.LabelShapeStatisticsImageFilter(),
    )
    fixed_stats.Execute(mask)
    moving_stats.Execute(moving_mask)
    centre = np.array(fixed_stats.GetCentroid(1))
    transform = sitk.Similarity3DTransform()
    transform.SetCenter(tuple(centre))
    transform.SetTranslation(tuple(np.array(moving_stats.GetCentroid(1)) - centre))
    return transform


def _as_affine(similarity: sitk.Similarity3DTransform) -> sitk.AffineTransform:
    affine = sitk.AffineTransform(3)
    affine.SetCenter(similarity.GetCenter())
    affine.SetMatrix(similarity.GetMatrix())
    affine.SetTranslation(similarity.GetTranslation())
    return affine


def _bspline(image, mask, moving, moving_mask, affine, settings: TemplateSettings, progress):
    """Run the B-spline stage on top of ``affine``; return (composite transform, metric)."""
    extent = np.array(image.GetSize()) * np.array(image.GetSpacing())
    coarse = [max(1, int(round(e / (2 * settings.bspline_spacing_mm)))) for e in extent]
    bspline = sitk.BSplineTransformInitializer(image, coarse, order=3)
    method = _method(settings, mask, moving_mask, progress)
    method.SetShrinkFactorsPerLevel(_shrink(image, (4.0, 2.0)))
    method.SetSmoothingSigmasPerLevel([2.0, 1.0])
    method.SetOptimizerAsGradientDescentLineSearch(
        5.0, settings.bspline_iterations, convergenceMinimumValue=1e-4, convergenceWindowSize=5
    )
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetMovingInitialTransform(affine)
    method.SetInitialTransformAsBSpline(bspline, inPlace=True, scaleFactors=[1, 2])
    _execute(method, image, moving, "B-spline")
    composite = sitk.CompositeTransform([affine, bspline])  # the B-spline applies first
    return composite, float(method.GetMetricValue())
