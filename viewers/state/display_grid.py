"""The display grid: every grid image resampled ONCE into the participant's reference grid.

A registered image lies obliquely in the reference space (its display affine
``T @ A`` is rotated), so slicing it costs a plane resampling per view per
slice change. Instead, each volume is resampled once, off the GUI thread, into
one axis-aligned :class:`DisplayGrid` (by default the reference image's own
grid: visit 1's DWI, e.g. 128 x 128 x 80 at 1.7 mm); a slice change is then a
zero-copy numpy view of every volume.

A finer display grid is a setting (``spacing_mm``, e.g. 0.85 mm, the
anatomical resolution), paid in memory and open time. Two rules keep a
participant of 60 volumes at 0.85 mm within memory (60 x 13 M voxels of
float32 would be 3 GB):

* **Never finer than the image.** Along each world axis a volume is stored at
  the grid's spacing times the whole number of grid voxels its own voxel spans
  (:meth:`DisplayGrid.for_voxels`): at 0.85 mm a 1.7 mm DWI stays at 1.7 mm and
  a 0.8 x 0.8 x 2 mm GRE takes 0.85 x 0.85 x 1.7 mm. Upsampling would add no
  detail, only bytes. The coarser grids share the display grid's box, and
  slicing stays a straight numpy view (the tile scales the picture).
* **Quantised storage.** Images are kept as uint16 codes with a per-volume
  linear scale (:func:`quantise`): value = offset + scale * code, 65,534
  levels over the data's range, half the bytes of float32. Windowing maps the
  codes through a lookup table (:meth:`~viewers.state.slice_view_model.SliceViewModel.pixels`),
  so it stays exact up to the quantisation step; value read-outs use the image
  as read (``Volume.source``, kept without its all-zero margins,
  :func:`~viewers.state.volume.cropped`), never the codes.

Display volumes are stored with x fastest in memory (Fortran order), so that
an axial slice is a contiguous block: no strided gather per slice change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import affine_transform

from viewers.state.volume import Volume, cropped

#: uint16 codes 1..CODE_MAX hold values; code 0 is NaN.
CODE_MAX = 65535
#: The quantisation range reaches at most this many robust spans beyond the robust range.
OUTLIER_SPANS = 4.0
ROBUST_PERCENTILES = (0.01, 99.99)
#: Rounding tolerance when counting how many grid voxels an image voxel spans.
SPAN_TOLERANCE = 0.02


@dataclass(frozen=True)
class DisplayGrid:
    """An axis-aligned voxel grid in the reference space (RAS mm).

    Attributes
    ----------
    shape : (int, int, int)
    affine : ndarray (4, 4)
        Voxel -> reference mm, diagonal with positive spacing (RAS storage).
    """

    shape: tuple[int, int, int]
    affine: np.ndarray

    @property
    def key(self) -> tuple:
        """Hashable identity (for caches)."""
        return self.shape, tuple(np.round(self.affine, 6).ravel())

    @property
    def spacing(self) -> np.ndarray:
        """Voxel size along x, y, z (mm)."""
        return np.diag(self.affine)[:3].copy()

    @property
    def box(self) -> np.ndarray:
        """The world box covered (2 x 3: min and max corners)."""
        low = self.affine[:3, 3] - self.spacing / 2
        return np.array([low, low + self.spacing * np.array(self.shape)])

    @classmethod
    def covering(cls, box: np.ndarray, spacing_mm: float) -> DisplayGrid:
        """Return the grid of ``spacing_mm`` voxels covering the world box ``box``.

        ``box`` is 2 x 3: the min and max corners.
        """
        if not spacing_mm > 0:
            raise ValueError(f"display grid spacing must be positive, got {spacing_mm!r}")
        box = np.asarray(box, dtype=float)
        nx, ny, nz = (
            int(max(1, np.ceil((box[1, a] - box[0, a]) / spacing_mm - 1e-3))) for a in range(3)
        )
        affine = np.diag([spacing_mm] * 3 + [1.0])
        affine[:3, 3] = box[0] + spacing_mm / 2
        return cls((nx, ny, nz), affine)

    def coarsened(self, factors) -> DisplayGrid:
        """Return the grid over the same box with ``factors`` (3 whole numbers) times the spacing.

        Examples
        --------
        >>> grid = DisplayGrid.covering(np.array([[0, 0, 0], [10.2, 10.2, 6.8]]), 0.85)
        >>> coarse = grid.coarsened((2, 2, 1))
        >>> coarse.shape, coarse.spacing.tolist(), np.allclose(coarse.box[0], grid.box[0])
        ((6, 6, 8), [1.7, 1.7, 0.85], True)
        """
        factors = np.asarray(factors, dtype=int)
        if factors.shape != (3,) or np.any(factors < 1):
            raise ValueError(f"coarsening factors must be 3 whole numbers >= 1, got {factors!r}")
        if np.all(factors == 1):
            return self
        spacing = self.spacing * factors
        shape = tuple(int(np.ceil(n / f)) for n, f in zip(self.shape, factors, strict=True))
        affine = np.diag(list(spacing) + [1.0])
        affine[:3, 3] = self.box[0] + spacing / 2
        return DisplayGrid((shape[0], shape[1], shape[2]), affine)

    def for_voxels(self, affine: np.ndarray) -> DisplayGrid:
        """Return this grid coarsened so that it is nowhere finer than an image's voxels.

        ``affine`` is the image's voxel -> reference affine; along each world axis
        its voxel size is that of the voxel axis most parallel to it, and the
        factor is how many whole grid voxels that spans (at least 1).
        """
        return self.coarsened(spans(affine, self.spacing))


def spans(affine: np.ndarray, spacing: np.ndarray) -> tuple[int, int, int]:
    """How many whole voxels of ``spacing`` (per world axis) one voxel of ``affine`` spans.

    Examples
    --------
    >>> spans(np.diag([0.8, 0.8, 2.0, 1.0]), np.array([0.85, 0.85, 0.85]))
    (1, 1, 2)
    >>> spans(np.diag([1.7, 1.7, 1.7, 1.0]), np.array([0.85, 0.85, 0.85]))
    (2, 2, 2)
    """
    rotation = np.asarray(affine, dtype=float)[:3, :3]
    sizes = np.linalg.norm(rotation, axis=0)
    direction = np.abs(rotation) / np.where(sizes > 0, sizes, 1.0)
    along = [float(sizes[int(np.argmax(direction[axis]))]) for axis in range(3)]
    factors = [
        max(1, int(np.floor(size / step + SPAN_TOLERANCE)))
        for size, step in zip(along, spacing, strict=True)
    ]
    return factors[0], factors[1], factors[2]


def quantise(data: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Return ``(codes, scale, offset)``: uint16 codes with value = offset + scale * code.

    Codes 1..65535 span the finite values' range, clipped to
    :data:`OUTLIER_SPANS` robust spans (0.01-99.99 percentiles) beyond the
    robust range, so that a few absurd values (a failed fit) do not coarsen the
    steps of every other voxel; values beyond saturate, infinities too. NaN
    becomes code 0. The error of a value within the range is at most scale / 2;
    zero, when in the range, is a code of its own (backgrounds stay exactly 0).

    Examples
    --------
    >>> codes, scale, offset = quantise(np.array([0.0, 0.5, 1.0, np.nan], np.float32))
    >>> codes.tolist(), round(float(scale) * (int(codes[2]) - int(codes[0])), 6)
    ([1, 32768, 65535, 0], 1.0)
    """
    data = np.asarray(data, dtype=np.float32)
    flat = data.reshape(-1)
    sample = flat[:: max(1, flat.size // 1_000_000)]
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return np.zeros(data.shape, np.uint16), 1.0, 0.0
    robust_low, robust_high = (float(x) for x in np.percentile(sample, ROBUST_PERCENTILES))
    margin = OUTLIER_SPANS * max(robust_high - robust_low, 0.0)
    finite = np.isfinite(data)
    low = max(float(np.min(data, where=finite, initial=np.inf)), robust_low - margin)
    high = min(float(np.max(data, where=finite, initial=-np.inf)), robust_high + margin)
    if not high > low:
        high = low + 1.0
    scale = (high - low) / (CODE_MAX - 1)
    offset = low - scale  # code 1 is ``low``
    if low <= 0.0 <= high:  # zero (the background) decodes exactly to zero
        offset = -scale * round(-offset / scale)
    codes = np.empty_like(data)  # the same memory order (a display volume's: x fastest)
    np.subtract(data, np.float32(offset), out=codes)
    codes *= np.float32(1.0 / scale)
    np.clip(codes, 1.0, float(CODE_MAX), out=codes)  # +-inf saturate; NaN stays NaN
    codes += np.float32(0.5)
    codes[~np.isfinite(codes)] = 0.0
    return codes.astype(np.uint16), float(scale), float(offset)


def label_ids(data: np.ndarray) -> bool:
    """Return True when every value is a whole number in 0..65535 (uint16 holds the labels)."""
    return bool(data.size and np.all((data >= 0) & (data <= CODE_MAX) & (np.mod(data, 1) == 0)))


def resample_into(
    volume: Volume, grid: DisplayGrid, *, order: int = 1, compact: bool = True
) -> Volume:
    """``volume`` (its affine already placed in the reference space) on ``grid``, in one pass.

    Linear for images, nearest (``order=0``) for label maps; voxels outside the
    source are 0. The initial window is carried over unchanged, and the placed
    original is kept as ``source`` (value read-outs at the cursor).

    ``compact`` (default) applies the module's two memory rules: the grid is
    coarsened to the image's own voxel size (:meth:`DisplayGrid.for_voxels`),
    and images are stored quantised (:func:`quantise`); label maps of whole
    ids in 0..65535 as uint16 (nearest neighbour: the ids themselves).
    ``compact=False`` gives float32 on ``grid`` itself.
    """
    if compact:
        grid = grid.for_voxels(volume.affine)
    source_from_grid = np.linalg.inv(np.asarray(volume.affine, dtype=float)) @ grid.affine
    data = np.asarray(volume.data, dtype=np.float32)
    # x fastest in memory: an axial slice is one contiguous block (rows along y), no gather
    dtype = np.uint16 if compact and order == 0 and label_ids(data) else np.float32
    resampled = np.empty(grid.shape, dtype, order="F" if compact else "C")
    affine_transform(
        data,
        source_from_grid[:3, :3],
        offset=source_from_grid[:3, 3],
        output_shape=grid.shape,
        output=resampled,
        order=order,
        mode="constant",
        cval=0.0,
        prefilter=False,
    )
    source = cropped(volume) if compact else volume
    if not compact or order == 0:
        return Volume(
            resampled, grid.affine.copy(), volume.modality, volume.label, volume.window, source
        )
    codes, scale, offset = quantise(resampled)
    del resampled
    return Volume(
        codes,
        grid.affine.copy(),
        volume.modality,
        volume.label,
        volume.window,
        source,
        scale=scale,
        offset=offset,
    )
