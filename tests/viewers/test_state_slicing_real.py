"""Slicing a real, slightly oblique, LPS-stored scan agrees with nibabel's own resampling."""

import nibabel as nib
import numpy as np
import pytest
from nibabel.processing import resample_from_to

from viewers.state import extract_plane, plane_for, world_to_voxel
from viewers.state.slicing import aligned_axes

pytestmark = pytest.mark.realdata


@pytest.mark.parametrize("orientation", ["axial", "coronal", "sagittal"])
def test_real_flair_planes_match_nibabel_resampling(real_data, orientation):
    image = nib.load(
        str(real_data / "open_ms_longitudinal" / "patient12" / "raw" / "study1_FLAIR.nii.gz")
    )
    assert nib.aff2axcodes(image.affine) == ("L", "P", "S") and aligned_axes(image.affine) is None
    data = np.asarray(image.dataobj, dtype=np.float32)
    centre = image.affine @ np.append((np.array(data.shape) - 1) / 2, 1.0)
    plane = plane_for(orientation)
    result = extract_plane(data, image.affine, plane, centre[:3] + 3.3)
    rows, cols = result.data.shape
    # the same plane as a one-voxel-thick grid for nibabel: voxel (i, j, 0) -> pixel (row j, column i)
    target = np.eye(4)
    target[:3, 0], target[:3, 1], target[:3, 2] = (
        result.du * plane.u,
        result.dv * plane.v,
        plane.normal,
    )
    target[:3, 3] = (
        (result.u0 + result.du / 2) * plane.u
        + (result.v0 + result.dv / 2) * plane.v
        + result.depth * plane.normal
    )
    expected = resample_from_to(
        nib.Nifti1Image(data, image.affine), ((cols, rows, 1), target), order=1
    )
    expected = np.asarray(expected.dataobj)[:, :, 0].T
    centres = (
        target
        @ np.stack(np.meshgrid(np.arange(cols), np.arange(rows), [0], [1], indexing="xy"), -1)
        .reshape(-1, 4)
        .T
    )
    voxels = world_to_voxel(image.affine, centres[:3].T).reshape(rows, cols, 3)
    interior = np.all((voxels >= 0) & (voxels <= np.array(data.shape) - 1), axis=-1)
    assert interior.sum() > 2000
    np.testing.assert_allclose(result.data[interior], expected[interior], rtol=1e-4, atol=1e-2)
