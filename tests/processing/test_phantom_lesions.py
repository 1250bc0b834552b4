"""Each lesion type looks the way raters expect on the phantom's images (noise-free study)."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest

from processing.phantom import load_truth
from processing.phantom import tissues as T
from processing.phantom.trajectories import LESION_COUNTS, TRAJECTORIES, factor


@pytest.fixture(scope="module")
def truth(phantom_noiseless):
    return load_truth(phantom_noiseless, "sub-01")


def _data(root, acquisition, pattern):
    name = next(f for f in acquisition.files if pattern in f)
    return np.asarray(nib.load(str(root / name)).dataobj).astype(float)


def _normal(acquisition, tissue_label):
    return (acquisition.load_map("tissue") == tissue_label) & (acquisition.load_map("lesions") == 0)


def test_trajectory_table_is_complete_and_neutral_before_onset():
    for (kind, subtype), count in LESION_COUNTS.items():
        assert count >= 1 and subtype in TRAJECTORIES[kind]
        rule = TRAJECTORIES[kind][subtype]
        if rule == "csf":
            continue
        assert set(rule) == set(T.PARAMETERS)
        if kind == "acmi":
            assert all(factor(kind, subtype, name, -1) == 1.0 for name in T.PARAMETERS)
    assert factor("acmi", "iron", "R2star", 10) > 1.2 > factor("acmi", "plain", "R2star", 10)


def test_acmi_is_bright_on_b1000_trace_at_onset(phantom_noiseless, truth):
    checked = 0
    for lesion in truth.lesions_of("acmi"):
        acquisition = truth.acquisition(lesion.onset_session, "dwi")
        data = _data(phantom_noiseless, acquisition, "_dwi.nii.gz")
        bvals = np.loadtxt(phantom_noiseless / acquisition.files[0].replace(".nii.gz", ".bval"))
        trace = data[..., bvals == 1000].mean(axis=-1)
        voxels = (acquisition.load_map("lesions") == lesion.label) & (
            acquisition.load_map("tissue") == T.CORTEX
        )
        if voxels.any():
            assert trace[voxels].min() > np.percentile(trace[_normal(acquisition, T.CORTEX)], 99), (
                lesion.id
            )
            checked += 1
    assert checked >= 3


def test_chronic_microinfarcts_by_subtype(phantom_noiseless, truth):
    for lesion in truth.lesions_of("ccmi"):
        values = lesion.values["ses-01"]
        cortex = T.baseline(T.CORTEX)
        assert lesion.onset_visit is None
        if lesion.subtype == "cavitated":
            assert (
                values["T1"] == T.baseline(T.CSF)["T1"] and values["MD"] == T.baseline(T.CSF)["MD"]
            )
            flair = truth.acquisition("ses-01", "FLAIR")
            image = _data(phantom_noiseless, flair, "FLAIR")
            voxels = flair.load_map("lesions") == lesion.label
            assert image[voxels].max() < 0.5 * np.median(
                image[_normal(flair, T.CORTEX)]
            )  # dark: cavity
        elif lesion.subtype == "iron":
            assert values["R2star"] > 1.5 * cortex["R2star"]
            megre = truth.acquisition("ses-01", "MEGRE")
            echo6 = _data(phantom_noiseless, megre, "echo-6_part-mag")
            voxels = megre.load_map("lesions") == lesion.label
            assert echo6[voxels].max() < np.percentile(echo6[_normal(megre, T.CORTEX)], 5)
        else:
            assert values["T1"] > cortex["T1"] and values["T2"] > cortex["T2"]


def test_white_matter_hyperintensities_are_bright_on_flair(phantom_noiseless, truth):
    flair = truth.acquisition("ses-02", "FLAIR")
    image = _data(phantom_noiseless, flair, "FLAIR")
    white = np.median(image[_normal(flair, T.WHITE_MATTER)])
    for lesion in truth.lesions_of("wmh"):
        voxels = flair.load_map("lesions") == lesion.label
        assert voxels.sum() >= 1 and image[voxels].min() > 1.5 * white


def test_microbleeds_bloom_more_at_later_echoes(phantom_noiseless, truth):
    megre = truth.acquisition("ses-01", "MEGRE")
    s0, r2s = megre.load_map("S0map"), megre.load_map("R2starmap")
    labels = megre.load_map("lesions")
    losses = {}
    for echo in (1, 6):
        magnitude = _data(phantom_noiseless, megre, f"echo-{echo}_part-mag")
        expected = s0 * np.exp(-r2s * 0.00492 * echo)  # without intravoxel dephasing
        losses[echo] = np.where(
            expected > 0, 1 - magnitude / np.where(expected > 0, expected, 1), 0
        )
    bleeds = sorted(truth.lesions_of("microbleed"), key=lambda b: b.radii_mm.mean())
    for bleed in bleeds:
        centre = np.rint(megre.anatomy_to_voxel(bleed.centre_mm[None])[0]).astype(int)
        around = tuple(slice(max(c - 2, 0), c + 3) for c in centre)
        outside = labels[around] != bleed.label  # the halo beyond the bleed itself
        assert losses[6][around][outside].sum() > 3 * losses[1][around][outside].sum(), bleed.id
    assert (
        losses[6][around][outside].max() > 0.1
    )  # the largest bleed: visibly darker than R2* explains


def test_coarse_scale_cmis_fill_whole_voxels_inside_a_cortical_patch(phantom_noiseless, truth):
    """Tiny scale: each CMI is ~1.2x the coarsest voxel and holds whole voxels of it.

    It holds whole voxels of the anatomical grids and sits in cortex with a
    cortex ring around it (the testability compromise of lesions.py).
    """
    from processing.phantom.lesions import CMI_GEOMETRY

    cmis = truth.lesions_of("acmi") + truth.lesions_of("ccmi")
    assert all(
        lesion.radii_mm.min() >= CMI_GEOMETRY["tiny"].radius_mm[0] >= 1.2 * 5.0 for lesion in cmis
    )
    assert (
        CMI_GEOMETRY["full"].radius_mm == (0.5, 2.0) and CMI_GEOMETRY["full"].patch_margin_mm == 0
    )  # realistic
    patches = {item["id"]: item["cortical_patch_radius_mm"] for item in truth.record["lesions"]}
    assert all(
        patches[lesion.id] >= lesion.radii_mm.max() + 4.0 for lesion in cmis
    )  # one DWI voxel of ring
    for name in ("MP2RAGE", "MEGRE", "MESE", "FLAIR"):
        acquisition = truth.acquisition("ses-01", name)
        labels, tissue = acquisition.load_map("lesions"), acquisition.load_map("tissue")
        to_anatomy = np.linalg.inv(acquisition.voxel_from_anatomy())
        half_diagonal = np.linalg.norm(np.linalg.norm(acquisition.affine[:3, :3], axis=0)) / 2
        for lesion in cmis:
            ijk = np.argwhere(labels == lesion.label)
            points = ijk @ to_anatomy[:3, :3].T + to_anatomy[:3, 3]
            distance = np.linalg.norm(points - lesion.centre_mm, axis=1)
            assert distance.min() + half_diagonal <= lesion.radii_mm.min(), (
                name,
                lesion.id,
            )  # a whole voxel
            everywhere = np.indices(labels.shape).reshape(3, -1).T
            around = np.linalg.norm(
                everywhere @ to_anatomy[:3, :3].T + to_anatomy[:3, 3] - lesion.centre_mm, axis=1
            )
            in_patch = around.reshape(labels.shape) <= patches[lesion.id]
            assert in_patch.sum() > 2 * ijk.shape[0] and (tissue[in_patch] == T.CORTEX).all(), (
                name,
                lesion.id,
            )
