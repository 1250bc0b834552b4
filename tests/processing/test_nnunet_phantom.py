"""The nnU-Net round trip on the tiny phantom: a DWI reference grid, GRE grids of its own, real motion.

The phantom's true microbleeds (on visit 1's GRE grid) are imported as rater
``truth``; the registrations are the phantom's exact ones (head movement at
every later visit). The GRE maps are stood in for by the first magnitude
echo (the export copies maps, it does not compute them). Exported to each
visit's GRE grid (3.5 x 3.5 x 4 mm) and imported back into the 4 mm DWI
reference grid, the lesions come back voxel for voxel, and every later visit
re-finds them instead of adding new ones.
"""

from __future__ import annotations

import shutil

import nibabel as nib
import numpy as np
import pytest

from processing.annotations.importing import import_mask
from processing.annotations.workspace import ReviewWorkspace
from processing.nnunet.dataset import export_nnunet
from processing.nnunet.rater_import import import_predictions
from processing.phantom import load_truth
from processing.phantom.perfect_registration import write_truth_registrations
from processing.study import discover


@pytest.fixture(scope="module")
def marked(phantom_study, tmp_path_factory):
    """Return a copy of the phantom with registrations, stand-in GRE maps and rater ``truth``."""
    work = tmp_path_factory.mktemp("nnunet-phantom")
    root = work / "study"
    shutil.copytree(phantom_study, root)
    write_truth_registrations(root)
    for visit in discover(root).participants["sub-01"].visits:
        magnitude = visit.acquisitions["MEGRE"].part("mag")[0].path
        for name in ("desc-swi_GRE.nii.gz", "R2starmap.nii.gz"):
            visit.derivative(name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(magnitude, visit.derivative(name))
    truth = load_truth(root, "sub-01")
    gre = truth.acquisition("ses-01", "MEGRE")
    labels = gre.load_map("lesions")
    mask = np.isin(labels, [lesion.label for lesion in truth.lesions_of("microbleed")])
    nib.save(nib.Nifti1Image(mask.astype(np.uint8), gre.affine), str(work / "cmb.nii.gz"))
    import_mask(root, "truth", "sub-01", "ses-01", "CMB", work / "cmb.nii.gz", acquisition="MEGRE")
    return root, work


def test_phantom_round_trip_is_voxel_exact(marked):
    root, work = marked
    report = export_nnunet(root, "truth", work / "out")
    assert len(report.cases) == 4 and not report.skipped
    folder = report.folder
    imported = import_predictions(root, folder / "labelsTr", folder / "cases.tsv", "MODEL")
    review = ReviewWorkspace(root)
    truth, truth_rows = review.read("truth", "sub-01")
    model, model_rows = review.read("MODEL", "sub-01")
    assert truth.grid.same_as(model.grid) and not np.allclose(truth.grid.spacing, [3.5, 3.5, 4])
    assert (truth.data > 0).any() and np.array_equal(truth.data > 0, model.data > 0)
    assert sorted(r.voxels for r in truth_rows) == sorted(r.voxels for r in model_rows)
    assert [len(ids) for _, ids, _ in imported.cases] == [len(truth_rows), 0, 0, 0]
    assert [known for _, _, known in imported.cases[1:]] == [len(truth_rows)] * 3
