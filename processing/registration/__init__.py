"""Registration, spaces and resampling of a participant's images.

* :mod:`~processing.registration.spaces`: the one module converting between
  SimpleITK/ITK's LPS and nibabel's RAS (images, transform files).
* :mod:`~processing.registration.geometry`: 4x4 RAS matrices (build, compare).
* :mod:`~processing.registration.rigid`: :func:`register_rigid` (SimpleITK,
  Mattes MI, fixed seed, multi-resolution) -> :class:`RegistrationResult`;
  its parameters and result in ``rigid_params``, the SimpleITK set-up in
  ``rigid_setup``, ITK's global thread count in ``threads``.
* :mod:`~processing.registration.masks`: brain masks for the metric.
* :mod:`~processing.registration.pairing`: :func:`register_pair_images`, one
  link of the chain: the slab (less covered image) is made fixed, masks are
  dilated, flagged results are retried.
* :mod:`~processing.registration.qc`: QC flags, checkerboard and edge overlays.
* :mod:`~processing.registration.resample`: images and masks into the reference
  space and back, one interpolation per output.
* :mod:`~processing.registration.chain`: the per-participant chain (anchors,
  visits, DWI) composed into ``ref_from_<acquisition>`` transforms, with
  :mod:`~processing.registration.store` saving them under ``xfm/``; each link
  (:func:`~processing.registration.chain.register_link`) and each visit's
  composition (:func:`~processing.registration.chain.compose_visit`) also runs
  on its own, as engine jobs.
* :mod:`~processing.registration.threads`: ITK's global thread count pinned
  during each registration (reproducible transforms).

Transforms are 4x4 RAS matrices named ``<to>_from_<from>``: ``mp2rage_from_flair``
maps a point's RAS coordinates in FLAIR's world to MP2RAGE's world.
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.registration.geometry import (
        displacement_stats,
        rigid_matrix,
        rotation_angle_deg,
    )
    from processing.registration.pairing import register_pair_images
    from processing.registration.qc import (
        checkerboard,
        edges,
        quality_flags,
        write_checkerboard_png,
    )
    from processing.registration.rigid import RegistrationParams, RegistrationResult, register_rigid
    from processing.registration.spaces import (
        affine_from_sitk,
        image_to_sitk,
        read_itk_transform,
        sitk_to_image,
        write_itk_transform,
    )

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "displacement_stats": "geometry",
        "rigid_matrix": "geometry",
        "rotation_angle_deg": "geometry",
        "register_pair_images": "pairing",
        "checkerboard": "qc",
        "edges": "qc",
        "quality_flags": "qc",
        "write_checkerboard_png": "qc",
        "RegistrationParams": "rigid",
        "RegistrationResult": "rigid",
        "register_rigid": "rigid",
        "affine_from_sitk": "spaces",
        "image_to_sitk": "spaces",
        "read_itk_transform": "spaces",
        "sitk_to_image": "spaces",
        "write_itk_transform": "spaces",
    },
)

__all__ = [
    "RegistrationParams",
    "RegistrationResult",
    "register_rigid",
    "register_pair_images",
    "image_to_sitk",
    "sitk_to_image",
    "affine_from_sitk",
    "read_itk_transform",
    "write_itk_transform",
    "rigid_matrix",
    "rotation_angle_deg",
    "displacement_stats",
    "checkerboard",
    "edges",
    "quality_flags",
    "write_checkerboard_png",
]
