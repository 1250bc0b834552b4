"""Voxel-wise fusion of several raters' lesion masks into one consensus mask.

Rules: ``union`` (any rater), ``intersection`` (every rater), ``majority``
(more than half of the raters), ``staple`` (SimpleITK's
:class:`~SimpleITK.STAPLEImageFilter` on the binary masks over the whole
reference grid: voxels whose estimated probability of being lesion is at
least 0.5, with each rater's estimated sensitivity and specificity kept for
the record).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import SimpleITK as sitk

from processing.errors import FerretError

RULES = ("union", "intersection", "majority", "staple")
STAPLE_THRESHOLD = 0.5


@dataclass(frozen=True)
class Fusion:
    """The fused binary mask and what the rule estimated on the way."""

    mask: np.ndarray
    rule: str
    performance: dict = field(
        default_factory=dict
    )  # staple: {rater: {"sensitivity": s, "specificity": p}}


def fuse_masks(masks: dict[str, np.ndarray], rule: str) -> Fusion:
    """Fuse ``{rater: binary mask}`` (one grid) by ``rule`` (one of :data:`RULES`)."""
    if rule not in RULES:
        raise FerretError(f"unknown fusion rule {rule!r}.", fix=f"use one of: {', '.join(RULES)}.")
    stack = np.stack([np.asarray(m) != 0 for m in masks.values()])
    votes = stack.sum(axis=0)
    if rule == "union":
        return Fusion(votes >= 1, rule)
    if rule == "intersection":
        return Fusion(votes == len(stack), rule)
    if rule == "majority":
        return Fusion(votes > len(stack) / 2, rule)
    return _staple(masks)


def _staple(masks: dict[str, np.ndarray]) -> Fusion:
    """STAPLE through SimpleITK.

    Probability >= 0.5, plus each rater's sensitivity and specificity.
    """
    images = [sitk.GetImageFromArray((np.asarray(m) != 0).astype(np.uint8)) for m in masks.values()]
    staple = sitk.STAPLEImageFilter()
    staple.SetForegroundValue(1.0)
    probability = sitk.GetArrayFromImage(staple.Execute(images))
    performance = {
        rater: {"sensitivity": float(s), "specificity": float(p)}
        for rater, s, p in zip(masks, staple.GetSensitivity(), staple.GetSpecificity(), strict=True)
    }
    return Fusion(probability >= STAPLE_THRESHOLD, "staple", performance)
