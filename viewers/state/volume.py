"""What a view shows of an acquisition: one 3D volume with its affine and modality.

:func:`load_display_volume` picks the volume a rater expects to see first: the
first magnitude echo of a multi-echo GRE, the first echo of a spin echo, the
first inversion of an MP2RAGE, the first b=0 volume of a DWI series, volume 0 of
any other 4D image. Only that volume is read (nibabel's array proxy), so a large
DWI series opens quickly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import nibabel as nib
import numpy as np
from nibabel.spatialimages import SpatialImage

from processing.errors import FerretError
from processing.study.model import Acquisition, ImageFile
from viewers.state.slicing import world_to_voxel
from viewers.state.windowing import initial_window

B0_THRESHOLD = 50.0


@dataclass(eq=False)
class Volume:
    """A 3D image ready for display.

    Attributes
    ----------
    data : ndarray, 3D float32
    affine : ndarray (4, 4)
        Voxel -> RAS mm.
    modality : str
        Acquisition kind or map name (chooses the window preset).
    label : str
        Short description for titles (file name and volume index).
    window : (float, float)
        The initial display range.
    source : Volume or None
        For a volume resampled for display: the image it was made from (read-outs
        of values and voxels use it); None for an image as read.
    scale, offset : float or None, float
        A quantised volume (``scale`` set; :func:`viewers.state.display_grid.quantise`)
        holds uint16 codes: value = ``offset + scale * code`` for codes >= 1,
        code 0 is NaN. :meth:`decoded` gives the values.
    origin, file_shape : (int, int, int), (int, int, int) or None
        For an image kept cropped to its non-zero box (:func:`cropped`): the
        file's voxel index of ``data[0, 0, 0]`` and the file's shape. ``affine``
        is that of ``data``; :meth:`voxel_at` reports the file's voxels and
        :meth:`value_at` gives 0 in the file outside the box.
    """

    data: np.ndarray
    affine: np.ndarray
    modality: str = ""
    label: str = ""
    window: tuple[float, float] = field(default=(0.0, 1.0))
    source: Volume | None = None
    scale: float | None = None
    offset: float = 0.0
    origin: tuple[int, int, int] = (0, 0, 0)
    file_shape: tuple[int, int, int] | None = None

    @property
    def native(self) -> Volume:
        """The image as read (``source``, or this volume itself)."""
        return self.source if self.source is not None else self

    @property
    def nbytes(self) -> int:
        """Bytes of voxel data held, the source's included."""
        return self.data.nbytes + (self.source.nbytes if self.source is not None else 0)

    @property
    def quantised(self) -> bool:
        """True when :attr:`data` holds uint16 codes (see :attr:`scale`)."""
        return self.scale is not None

    def decoded(self, codes: np.ndarray | None = None) -> np.ndarray:
        """Return the values (float32) of ``codes`` (default: all of :attr:`data`).

        The data itself when the volume is not quantised.
        """
        codes = self.data if codes is None else np.asarray(codes)
        if self.scale is None:
            return codes
        values = codes.astype(np.float32)
        values += np.float32(self.offset / self.scale)  # a whole number when zero has a code
        values *= np.float32(self.scale)
        values[codes == 0] = np.nan
        return values

    def value_sample(self, max_samples: int) -> np.ndarray:
        """Return about ``max_samples`` values, every n-th voxel (histograms), decoded."""
        flat = self.data.reshape(-1)
        return self.decoded(flat[:: max(1, flat.size // max_samples)])

    @classmethod
    def from_array(
        cls, data: np.ndarray, affine: np.ndarray, modality: str = "", label: str = ""
    ) -> Volume:
        """Build a volume and choose its initial window (preset or automatic)."""
        data = np.asarray(data, dtype=np.float32)
        return cls(
            data, np.asarray(affine, dtype=float), modality, label, initial_window(data, modality)
        )

    @property
    def shape(self) -> tuple[int, ...]:
        """The file's shape (that of ``data`` unless cropped)."""
        return self.file_shape or self.data.shape

    @property
    def file_affine(self) -> np.ndarray:
        """Voxel -> RAS mm of the file's voxels (``affine`` unless cropped)."""
        shift = np.eye(4)
        shift[:3, 3] = -np.asarray(self.origin, dtype=float)
        return self.affine @ shift

    @property
    def centre(self) -> np.ndarray:
        """World position of the volume's centre (where a new cursor goes)."""
        middle = (np.array(self.shape, dtype=float) - 1) / 2
        return (self.file_affine @ np.append(middle, 1.0))[:3]

    def voxel_at(self, world) -> tuple[int, int, int] | None:
        """Return the (file's) voxel index nearest to a world point, or None outside."""
        index = np.floor(world_to_voxel(self.affine, world) + 0.5).astype(int) + self.origin
        if np.any(index < 0) or np.any(index >= self.shape):
            return None
        return int(index[0]), int(index[1]), int(index[2])

    def value_at(self, world) -> float | None:
        """Return the value of the voxel nearest to a world point, or None outside."""
        index = self.voxel_at(world)
        if index is None:
            return None
        local = np.subtract(index, self.origin)
        if np.any(local < 0) or np.any(local >= self.data.shape):
            return 0.0  # cropped away: zero
        return float(self.decoded(self.data[tuple(local)]))


def cropped(volume: Volume) -> Volume:
    """Return ``volume`` without its all-zero margins (the same values at every world point).

    NaN counts as a value. A volume without zero margins is returned as is;
    an all-zero one keeps one voxel.

    Examples
    --------
    >>> data = np.zeros((6, 5, 4), np.float32)
    >>> data[2:4, 1, 1:3] = 7.0
    >>> small = cropped(Volume(data, np.eye(4)))
    >>> small.data.shape, small.origin, small.shape, small.value_at([2, 1, 2]), small.value_at([0, 0, 0])
    ((2, 1, 2), (2, 1, 1), (6, 5, 4), 7.0, 0.0)
    >>> small.voxel_at([5, 4, 3]), small.voxel_at([6, 0, 0])
    ((5, 4, 3), None)
    """
    if volume.file_shape is not None:
        return volume
    present = volume.data != 0
    box = []
    for axis in range(3):
        hit = np.flatnonzero(present.any(axis=tuple(a for a in range(3) if a != axis)))
        box.append((int(hit[0]), int(hit[-1]) + 1) if hit.size else (0, 1))
    if all(low == 0 and high == n for (low, high), n in zip(box, volume.data.shape, strict=True)):
        return volume
    origin = (box[0][0], box[1][0], box[2][0])
    shift = np.eye(4)
    shift[:3, 3] = origin
    data = np.ascontiguousarray(volume.data[tuple(slice(low, high) for low, high in box)])
    shape = volume.data.shape
    return dataclasses.replace(
        volume,
        data=data,
        affine=volume.affine @ shift,
        origin=origin,
        file_shape=(shape[0], shape[1], shape[2]),
    )


def display_file(acquisition: Acquisition, part: str = "mag") -> ImageFile:
    """Return the file a rater sees first for this acquisition.

    The first magnitude (or ``part``), first echo.
    """
    chosen = acquisition.part(part)
    files = chosen or acquisition.files
    if not files:
        raise FerretError(f"the {acquisition.kind} acquisition has no image files.")
    return sorted(files, key=lambda f: (f.echo or 0, f.entities.get("inv", "")))[0]


def first_b0_index(bval_path: Path | None) -> int:
    """Index of the first b=0 volume listed in a ``.bval`` file (0 when there is none)."""
    if bval_path is None or not Path(bval_path).exists():
        return 0
    try:
        bvals = np.loadtxt(bval_path, ndmin=1)
    except ValueError as exc:
        raise FerretError(
            f"cannot read the b-values ({exc}).",
            bval_path,
            "the file must hold one line of numbers, one per volume.",
        ) from exc
    low = np.flatnonzero(bvals < B0_THRESHOLD)
    return int(low[0]) if low.size else 0


def load_display_volume(acquisition: Acquisition) -> Volume:
    """Read the volume to display for ``acquisition`` (see the module docstring)."""
    image_file = display_file(acquisition)
    index = first_b0_index(acquisition.bval) if acquisition.kind == "dwi" else 0
    return load_volume_file(image_file.path, acquisition.kind, index)


def load_volume_file(path: Path, modality: str = "", index: int = 0) -> Volume:
    """Read volume ``index`` of a NIfTI file (a 3D file has only volume 0) for display.

    Raises
    ------
    FerretError
        When the file is missing or unreadable.
    """
    data, affine = _read_volume(Path(path), index)
    label = Path(path).name + (f" [volume {index}]" if index else "")
    return Volume.from_array(data, affine, modality, label)


def _read_volume(path: Path, index: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        # in memory: slicing a memory map costs ~40 ms a plane
        image = cast(SpatialImage, nib.load(str(path), mmap=False))  # NIfTI and MGH are spatial
        proxy = image.dataobj
        if len(image.shape) > 3:
            index = min(index, image.shape[3] - 1)
            data = np.asarray(proxy[..., index], dtype=np.float32)
            data = data.reshape(data.shape[:3]) if data.ndim > 3 else data
        else:
            data = np.asarray(proxy, dtype=np.float32)
    except FileNotFoundError as exc:
        raise FerretError("image file not found.", path, "check the study folder.") from exc
    except Exception as exc:  # nibabel raises many kinds on corrupt files
        raise FerretError(
            f"cannot read this image ({exc}).",
            path,
            "the file is truncated or corrupt: copy or convert it again.",
        ) from exc
    if data.ndim == 2:
        data = data[:, :, None]
    return data, image.affine.copy()
