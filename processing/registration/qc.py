"""Quality control of registrations: flags, checkerboards, edge overlays.

A registration is flagged when its final metric is poor, or when its result
is far from what the image headers imply (scanner world coordinates of the same
participant agree to within head motion: a result that moves the brain centre
by more than 20 mm or rotates it by more than 15 degrees is suspect).

The overlay helpers are pure numpy on two images already on the same grid, so a
viewer can draw them and tests can check them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from scipy import ndimage

from processing.registration.geometry import apply_matrix, rotation_angle_deg


def header_deviation(fixed_from_moving: np.ndarray, centre_mm: np.ndarray) -> tuple[float, float]:
    """Shift (mm) of ``centre_mm`` and rotation angle (degrees) of a transform vs. identity.

    The header-only alignment is the identity in world coordinates, so this is
    how far the registration moved away from trusting the headers.
    """
    centre = np.asarray(centre_mm, dtype=float).reshape(1, 3)
    shift = float(np.linalg.norm(apply_matrix(fixed_from_moving, centre) - centre))
    return shift, rotation_angle_deg(fixed_from_moving)


def quality_flags(
    metric: float,
    shift_mm: float,
    rotation_deg: float,
    *,
    poor_metric: float = -0.1,
    max_shift_mm: float = 20.0,
    max_rotation_deg: float = 15.0,
) -> list[str]:
    """QC flags of a registration (empty when nothing looks wrong).

    ``poor_metric``: Mattes MI is negative and a well-aligned brain pair scores
    well below -0.1; a value above the threshold means little shared
    information. The two other flags compare with the header-only alignment.
    """
    flags = []
    if not np.isfinite(metric) or metric > poor_metric:
        flags.append("poor_metric")
    if shift_mm > max_shift_mm:
        flags.append("far_from_header_shift")
    if rotation_deg > max_rotation_deg:
        flags.append("far_from_header_rotation")
    return flags


def checkerboard(a: np.ndarray, b: np.ndarray, tiles: int | tuple[int, ...] = 8) -> np.ndarray:
    """Interleave two same-shape images in a checkerboard of ``tiles`` per axis.

    Tile (0, 0, ...) shows ``a``. Images should be windowed to comparable
    ranges first (see :func:`normalise`).

    Examples
    --------
    >>> checkerboard(np.zeros((4, 4)), np.ones((4, 4)), 2).tolist()
    [[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(
            f"checkerboard needs images of the same shape, got {a.shape} and {b.shape}"
        )
    counts = tuple(tiles) if isinstance(tiles, Iterable) else (tiles,) * a.ndim
    parity = np.zeros(a.shape, dtype=int)
    for axis, (size, count) in enumerate(zip(a.shape, counts, strict=True)):
        tile_index = (np.arange(size) * count) // size
        shape = [1] * a.ndim
        shape[axis] = size
        parity = parity + tile_index.reshape(shape)
    return np.where(parity % 2 == 0, a, b)


def edges(image: np.ndarray, *, sigma: float = 1.0, fraction: float = 0.2) -> np.ndarray:
    """Boolean edge map: Gaussian gradient magnitude above ``fraction`` of its 99th percentile."""
    magnitude = ndimage.gaussian_gradient_magnitude(
        np.asarray(image, dtype=np.float32), sigma=sigma
    )
    top = np.percentile(magnitude, 99)
    return magnitude > fraction * top if top > 0 else np.zeros(magnitude.shape, dtype=bool)


def normalise(image: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Scale intensities to 0..1 between the 1st and 99th percentiles (inside ``mask``)."""
    image = np.asarray(image, dtype=np.float32)
    values = image[mask > 0] if mask is not None and np.any(mask) else image[image != 0]
    if values.size == 0:
        return np.zeros_like(image)
    low, high = np.percentile(values, [1, 99])
    return np.clip((image - low) / max(high - low, 1e-12), 0.0, 1.0)


def write_checkerboard_png(
    path: str | Path,
    a: np.ndarray,
    b: np.ndarray,
    *,
    tiles: int = 8,
    title: str = "",
    zooms=(1.0, 1.0, 1.0),
) -> Path:
    """Write a PNG with the middle axial, coronal and sagittal checkerboard of two images.

    ``a`` and ``b`` are 3D arrays on the same grid (e.g. visit 1 and a later
    visit resampled into the reference space); edges of ``a`` are drawn in red.
    ``zooms`` (voxel sizes in mm) keep anisotropic planes in proportion.
    """
    from matplotlib.figure import Figure

    from processing.fileio import atomic_path

    a, b = normalise(a), normalise(b)
    board, outline = checkerboard(a, b, tiles), edges(a)
    figure = Figure(figsize=(12, 4.4))
    axes = figure.subplots(1, 3)
    for axis, ax in enumerate(axes):
        middle = board.shape[axis] // 2
        plane = np.take(board, middle, axis=axis).T
        cols, rows = [k for k in range(3) if k != axis]
        ax.imshow(
            plane, cmap="gray", origin="lower", vmin=0, vmax=1, aspect=zooms[rows] / zooms[cols]
        )
        ax.contour(
            np.take(outline, middle, axis=axis).T.astype(float),
            levels=[0.5],
            colors="red",
            linewidths=0.4,
        )
        ax.set_axis_off()
    figure.suptitle(title)
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=110, format="png")
    return Path(path)
