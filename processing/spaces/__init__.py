"""Grids and spaces: where every voxel array of Ferret lives in the world.

- :mod:`~processing.spaces.grid`: :class:`Grid`, a shape and a 4x4 voxel-to-RAS
  affine (nibabel's convention and affine helpers); the one grid class used by
  annotations, registration and resampling.
- :mod:`~processing.spaces.reference`: a participant's reference grid and each
  visit's ``reference_from_native`` transform (the registration chain's
  plug-in point for annotations).

The conversion between SimpleITK's LPS and nibabel's RAS lives apart, in
:mod:`processing.registration.spaces`, the one module that imports SimpleITK.
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.spaces.grid import Grid
    from processing.spaces.reference import reference_from_native, reference_grid

__getattr__, __dir__ = lazy_exports(
    __name__,
    {"Grid": "grid", "reference_grid": "reference", "reference_from_native": "reference"},
)

__all__ = ["Grid", "reference_grid", "reference_from_native"]
