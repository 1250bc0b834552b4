"""Automatic intracranial mask: phantom truth per acquisition type, real scans against the datasets' brain masks.

Target (processing.maps.mask): brain + CSF inside the skull. On the phantom
the truth is tissue label >= CSF (processing.phantom.tissues). On the open MS
scans the dataset's brain mask (common space) is brought onto each native
grid through the dataset's own transforms (read as in
test_registration_real.py: ``FLAIR_to_common_space`` maps common points to
FLAIR points, ``X_intrastudy_to_FLAIR`` maps FLAIR points to X points); a
mask voxel more than 10 mm outside that brain is scalp, bone or neck (the CSF
rim is thinner).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from processing.maps import brain_mask
from processing.maps import inputs as io
from processing.phantom.tissues import CSF, SCALP, SKULL
from processing.study import discover


def _dice(a, b):
    return 2 * (a & b).sum() / (a.sum() + b.sum())


@pytest.fixture(scope="module")
def phantom_images(phantom_study):
    from processing.maps.gradients import group_shells
    from processing.maps.trace import shell_trace
    from processing.phantom.truth import load_truth

    visit = discover(phantom_study).participants["sub-01"].visits[0]
    acqs = visit.acquisitions
    truth = load_truth(phantom_study, "sub-01")
    dwi = io.load_image(acqs["dwi"].files[0])
    bvals, _ = io.gradients_of(acqs["dwi"], dwi.affine)
    loaded = {
        "MEGRE": io.load_echoes(acqs["MEGRE"], "mag"),
        "MESE": io.load_echoes(acqs["MESE"], "mag"),
        "MP2RAGE": io.load_image(io.inversion_two(acqs["MP2RAGE"])),
        "FLAIR": io.load_image(acqs["FLAIR"].files[0]),
    }
    images = {
        name: (image.data[..., 0] if image.data.ndim == 4 else image.data, image.zooms)
        for name, image in loaded.items()
    }
    images["dwi"] = (shell_trace(dwi.data, group_shells(bvals)[0]), dwi.zooms)
    return {
        name: (image, zooms, truth.acquisition(visit.session, name).load_map("tissue"))
        for name, (image, zooms) in images.items()
    }


@pytest.mark.parametrize("name", ["MEGRE", "MESE", "dwi", "MP2RAGE", "FLAIR"])
def test_phantom_mask_is_the_intracranial_volume(phantom_images, name):
    image, zooms, labels = phantom_images[name]
    mask = brain_mask(image, zooms)
    assert _dice(mask, labels >= CSF) >= 0.9, name
    assert (mask & (labels == SCALP)).sum() <= 0.01 * mask.sum(), name
    assert (mask & (labels == SKULL)).sum() <= 0.1 * mask.sum(), name


def _reference_on_grid(raw, study, kind, image, grow_mm):
    """Return the dataset's brain mask grown by ``grow_mm``, on the native grid of ``image``."""
    import nibabel as nib

    from processing.registration import read_itk_transform

    reference = nib.load(raw.parent / "coregistered_brainmask.nii.gz")
    flair_from_common = read_itk_transform(raw / f"{study}_FLAIR_to_common_space.txt")
    flair_from_image = (
        np.eye(4)
        if kind == "FLAIR"
        else np.linalg.inv(read_itk_transform(raw / f"{study}_{kind}_intrastudy_to_FLAIR.txt"))
    )
    voxels = (
        np.linalg.inv(reference.affine)
        @ np.linalg.inv(flair_from_common)
        @ flair_from_image
        @ image.affine
    )
    brain = np.asarray(reference.dataobj) > 0
    if grow_mm:
        brain = (
            ndimage.distance_transform_edt(~brain, sampling=reference.header.get_zooms()[:3])
            <= grow_mm
        )
    return (
        ndimage.affine_transform(brain.astype(np.uint8), voxels, output_shape=image.shape, order=0)
        > 0
    )


@pytest.mark.slow  # masks two real heads
@pytest.mark.realdata
@pytest.mark.parametrize("patient,study", [("patient01", "study1"), ("patient12", "study2")])
def test_real_masks_are_intracranial_and_leave_the_scalp_out(real_data, patient, study):
    import nibabel as nib

    raw = real_data / "open_ms_longitudinal" / patient / "raw"
    for kind in ("FLAIR", "T1W", "T2W"):
        image = nib.load(raw / f"{study}_{kind}.nii.gz")
        zooms = image.header.get_zooms()[:3]
        mask = brain_mask(image.get_fdata(dtype=np.float32), zooms)
        ml = float(np.prod(zooms)) / 1000
        brain = _reference_on_grid(raw, study, kind, image, 0.0)
        assert 1000 < mask.sum() * ml < 1900, (kind, mask.sum() * ml)
        assert (mask & brain).sum() > 0.75 * brain.sum(), kind
        far_out = mask & ~_reference_on_grid(raw, study, kind, image, 10.0)
        assert far_out.sum() * ml < 40, (kind, far_out.sum() * ml)


@pytest.mark.realdata
def test_real_skull_stripped_image_keeps_its_brain(real_data):
    import nibabel as nib

    path = next((real_data / "open_ms_consensus_mni" / "patient07").glob("T1_N4*.nii.gz"))
    image = nib.load(path)
    data = image.get_fdata(dtype=np.float32)
    mask = brain_mask(data, image.header.get_zooms()[:3])
    assert _dice(mask, data > 0) > 0.93
    assert (mask & (data <= 0)).sum() < 0.01 * mask.sum()
