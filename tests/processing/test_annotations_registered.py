"""Import and export of masks through the registration chain's transforms.

A mask drawn on a later visit's FLAIR (its own grid and head position) must
land in the reference space through that FLAIR's ``to-ref`` transform, and the
export to each visit's native DWI grid must go back through the DWI's.
"""

from __future__ import annotations

import shutil

import nibabel as nib
import numpy as np
import pytest

from processing.annotations.export import export_rater
from processing.annotations.grid import resample_labels
from processing.annotations.importing import import_mask
from processing.phantom import load_truth
from processing.phantom.perfect_registration import write_truth_registrations
from processing.spaces import reference as spaces
from processing.spaces.grid import Grid
from processing.study import discover


@pytest.fixture(scope="module")
def registered(phantom_study, tmp_path_factory):
    root = tmp_path_factory.mktemp("annot-reg") / "study"
    shutil.copytree(phantom_study, root)
    write_truth_registrations(root)
    return root


def flair_lesion_mask(root, tmp_path, session="ses-03"):
    """Return the truth mask of the biggest WMH on that visit's FLAIR grid, saved as a NIfTI."""
    truth = load_truth(root, "sub-01")
    flair = truth.acquisition(session, "FLAIR")
    labels = flair.load_map("lesions")
    lesion = max(truth.lesions_of("wmh"), key=lambda les: np.prod(les.radii_mm))
    mask = (labels == lesion.label).astype(np.uint8)
    assert mask.any()
    path = tmp_path / "flair_mask.nii.gz"
    nib.save(nib.Nifti1Image(mask, flair.affine), str(path))
    return path, mask, flair.affine


def test_transform_is_the_flair_chain_not_identity(registered, tmp_path):
    path, mask, affine = flair_lesion_mask(registered, tmp_path)
    matrix = spaces.reference_from_native(
        registered, "sub-01", "ses-03", grid=Grid(mask.shape, affine)
    )
    visit = discover(registered).participants["sub-01"].visit("ses-03")
    from processing.registration.store import ref_from

    assert np.allclose(matrix, ref_from(visit, "FLAIR"))
    assert not np.allclose(matrix, np.eye(4))
    dwi_matrix = spaces.reference_from_native(registered, "sub-01", "ses-03")
    assert np.allclose(dwi_matrix, ref_from(visit, "dwi"))


def test_import_places_a_foreign_mask_through_its_acquisition(registered, tmp_path):
    path, mask, affine = flair_lesion_mask(registered, tmp_path)
    ids = import_mask(registered, "regtest", "sub-01", "ses-03", "WMH", path)
    assert ids
    grid = spaces.reference_grid(registered, "sub-01")
    visit = discover(registered).participants["sub-01"].visit("ses-03")
    from processing.registration.store import ref_from

    expected = (
        resample_labels(
            mask.astype(np.int32), Grid(mask.shape, affine), grid, ref_from(visit, "FLAIR")
        )
        > 0
    )
    unregistered = (
        resample_labels(mask.astype(np.int32), Grid(mask.shape, affine), grid, np.eye(4)) > 0
    )
    stored = nib.load(
        str(
            registered
            / "derivatives"
            / "ferret-annotations"
            / "rater-regtest"
            / "sub-01"
            / "sub-01_space-ref_desc-lesions_dseg.nii.gz"
        )
    )
    imported = np.isin(np.asarray(stored.dataobj), ids)
    assert np.array_equal(imported, expected)
    assert not np.array_equal(imported, unregistered)  # the head movement matters at this visit

    out = registered / "derivatives" / "export-regtest"
    export_rater(registered, "regtest", out)
    native = nib.load(
        str(out / "sub-01" / "ses-03" / "sub-01_ses-03_space-dwi_desc-lesions_dseg.nii.gz")
    )
    dwi_grid = spaces.grid_of_image(spaces.native_dwi_image(registered, "sub-01", "ses-03"))
    back = resample_labels(
        np.asarray(stored.dataobj).astype(np.int32),
        grid,
        dwi_grid,
        np.linalg.inv(ref_from(visit, "dwi")),
    )
    assert np.array_equal(np.asarray(native.dataobj), back)
