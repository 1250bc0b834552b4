"""The phantom's truth agrees with its images: lesion positions, motion, values, signals."""

from __future__ import annotations

import json

import nibabel as nib
import numpy as np
import pytest

from processing.forward.mp2rage import mp2rage_signals, mp2rage_uni, uni_to_scanner
from processing.phantom import load_truth
from processing.phantom import tissues as T

ACQUISITIONS = ("MP2RAGE", "MEGRE", "MESE", "FLAIR", "dwi", "epi")


@pytest.fixture(scope="module")
def truth(phantom_noiseless):
    return load_truth(phantom_noiseless, "sub-01")


def _image(root, truth, session, name, pattern):
    files = [f for f in truth.acquisition(session, name).files if pattern in f]
    assert len(files) == 1, files
    img = nib.load(str(root / files[0]))
    return np.asarray(img.dataobj), img


def test_every_lesion_centre_lands_in_a_voxel_with_its_label(truth):
    checked = 0
    for (session, name), acquisition in truth.acquisitions.items():
        labels = acquisition.load_map("lesions")
        for lesion in truth.lesions:
            ijk = np.rint(acquisition.anatomy_to_voxel(lesion.centre_mm[None])[0]).astype(int)
            if np.any(ijk < 0) or np.any(ijk >= np.array(acquisition.shape)):
                continue  # outside a partial slab (the MESE)
            assert labels[tuple(ijk)] == lesion.label, (session, name, lesion.id)
            checked += 1
    assert checked >= 0.9 * len(truth.acquisitions) * len(truth.lesions)


def test_lesion_voxels_lie_inside_their_ellipsoid_and_host_tissue(truth):
    acquisition = truth.acquisition("ses-01", "MP2RAGE")
    labels, tissue = acquisition.load_map("lesions"), acquisition.load_map("tissue")
    anatomy_from_voxel = np.linalg.inv(acquisition.voxel_from_anatomy())
    for lesion in truth.lesions:
        ijk = np.argwhere(labels == lesion.label)
        points = ijk @ anatomy_from_voxel[:3, :3].T + anatomy_from_voxel[:3, 3]
        inside = np.sum(((points - lesion.centre_mm) / lesion.radii_mm) ** 2, axis=1) <= 1
        centre_voxel = np.rint(acquisition.anatomy_to_voxel(lesion.centre_mm[None])[0]).astype(int)
        is_centre = np.all(ijk == centre_voxel, axis=1)
        assert np.all(inside | is_centre), lesion.id
        if lesion.type in ("acmi", "ccmi"):
            assert np.all((tissue[tuple(ijk.T)] == T.CORTEX) | is_centre)


def test_motion_differs_between_acquisitions_and_visits(truth):
    matrices = [a.world_from_anatomy for a in truth.acquisitions.values()]
    for m in matrices:
        np.testing.assert_allclose(m[:3, :3] @ m[:3, :3].T, np.eye(3), atol=1e-9)
        assert abs(np.linalg.det(m[:3, :3]) - 1) < 1e-9
    first = truth.acquisition("ses-01", "MP2RAGE").world_from_anatomy
    other = truth.acquisition("ses-02", "MP2RAGE").world_from_anatomy
    same_visit = truth.acquisition("ses-01", "FLAIR").world_from_anatomy
    assert np.abs(first - other).max() > 0.5 and np.abs(first - same_visit).max() > 0.05


def test_truth_maps_hold_the_lesion_values_of_each_visit(truth):
    for session in truth.sessions:
        acquisition = truth.acquisition(session, "MEGRE")
        labels, r2star = acquisition.load_map("lesions"), acquisition.load_map("R2starmap")
        for lesion in truth.lesions:
            voxels = r2star[labels == lesion.label]
            if voxels.size:
                np.testing.assert_allclose(voxels, lesion.values[session]["R2star"], rtol=1e-6)


def test_acmi_follows_its_trajectory(truth):
    cortex = T.baseline(T.CORTEX)
    for lesion in truth.lesions_of("acmi"):
        onset = lesion.onset_visit
        assert 2 <= onset <= len(truth.sessions)
        for k, session in enumerate(truth.sessions, start=1):
            values = lesion.values[session]
            if k < onset:
                assert values["MD"] == pytest.approx(cortex["MD"]) and values[
                    "T1"
                ] == pytest.approx(cortex["T1"])
            elif k == onset:
                assert 0.6 * cortex["MD"] <= values["MD"] <= 0.7 * cortex["MD"]
                assert values["R1"] < 1 / cortex["T1"] and values["R2"] < 1 / cortex["T2"]
                assert values["R2star"] < cortex["R2star"]


def test_acmi_is_invisible_before_onset_and_visible_at_onset_in_unit1(phantom_noiseless, truth):
    checked = 0
    for lesion in truth.lesions_of("acmi"):
        onset_session = lesion.onset_session
        before_session = truth.sessions[lesion.onset_visit - 2]
        for session, should_differ in ((before_session, False), (onset_session, True)):
            uni, _ = _image(phantom_noiseless, truth, session, "MP2RAGE", "UNIT1")
            acquisition = truth.acquisition(session, "MP2RAGE")
            labels, tissue = acquisition.load_map("lesions"), acquisition.load_map("tissue")
            normal_cortex = np.median(uni[(tissue == T.CORTEX) & (labels == 0)])
            lesion_uni = uni[(labels == lesion.label) & (tissue == T.CORTEX)]
            if lesion_uni.size == 0:
                continue
            differs = np.abs(lesion_uni.astype(float) - normal_cortex) > 20
            assert np.all(differs) if should_differ else not np.any(differs), (lesion.id, session)
            checked += 1
    assert checked >= 4


def test_unit1_is_the_marques_uni_of_the_true_t1_with_sidecar_parameters(phantom_noiseless, truth):
    uni, _ = _image(phantom_noiseless, truth, "ses-01", "MP2RAGE", "UNIT1")
    sidecar = json.loads(
        (phantom_noiseless / truth.acquisition("ses-01", "MP2RAGE").files[0])
        .with_suffix("")
        .with_suffix(".json")
        .read_text()
    )
    t1 = truth.acquisition("ses-01", "MP2RAGE").load_map("T1map")
    brain = t1 > 0
    g1, g2 = mp2rage_signals(
        t1[brain],
        tr=sidecar["RepetitionTimePreparation"],
        ti1=0.7,
        ti2=2.5,
        flip1_deg=4,
        flip2_deg=5,
        echo_spacing=sidecar["RepetitionTimeExcitation"],
        slices_per_slab=sidecar["NumberShots"],
        partial_fourier=sidecar["PartialFourier"],
        inversion_efficiency=sidecar["InversionEfficiency"],
    )
    expected = uni_to_scanner(mp2rage_uni(g1, g2)).astype(int)
    assert np.abs(uni[brain].astype(int) - expected).max() <= 1


def test_megre_magnitude_and_phase_follow_the_truth(phantom_noiseless, truth):
    acquisition = truth.acquisition("ses-01", "MEGRE")
    s0, r2s = acquisition.load_map("S0map"), acquisition.load_map("R2starmap")
    field = acquisition.load_map("fieldmap")
    tissue, labels = acquisition.load_map("tissue"), acquisition.load_map("lesions")
    cortex = (tissue == T.CORTEX) & (labels == 0)
    for echo in (1, 6):
        mag, _ = _image(phantom_noiseless, truth, "ses-01", "MEGRE", f"echo-{echo}_part-mag")
        phase, _ = _image(phantom_noiseless, truth, "ses-01", "MEGRE", f"echo-{echo}_part-phase")
        te = 0.00492 * echo
        ratio = mag[cortex] / (s0[cortex] * np.exp(-r2s[cortex] * te))
        assert np.median(ratio) == pytest.approx(
            1.0, abs=2e-3
        )  # only intravoxel dephasing lowers it
        assert np.all(ratio <= 1 + 1e-5)
        expected = -2 * np.pi * 42.577478e6 * 3.0 * 1e-6 * field * te
        np.testing.assert_allclose(np.angle(np.exp(1j * (phase - expected))), 0, atol=1e-3)


def test_microbleeds_are_dark_with_a_dipolar_field_around_them(phantom_noiseless, truth):
    from processing.forward.gre import sphere_field

    acquisition = truth.acquisition("ses-01", "MEGRE")
    labels, field = acquisition.load_map("lesions"), acquisition.load_map("fieldmap")
    mag, _ = _image(phantom_noiseless, truth, "ses-01", "MEGRE", "echo-4_part-mag")
    white = (acquisition.load_map("tissue") == T.WHITE_MATTER) & (labels == 0)
    anatomy_from_voxel = np.linalg.inv(acquisition.voxel_from_anatomy())
    b0 = acquisition.world_from_anatomy[:3, :3].T @ [0.0, 0.0, 1.0]
    checked = 0
    for bleed in truth.lesions_of("microbleed"):
        assert mag[labels == bleed.label].max() < 0.3 * np.median(mag[white])
        centre = np.rint(acquisition.anatomy_to_voxel(bleed.centre_mm[None])[0]).astype(int)
        ijk = np.argwhere(np.ones((7, 7, 7), bool)) + centre - 3
        ijk = ijk[np.all((ijk >= 0) & (ijk < acquisition.shape), axis=1)]
        points = ijk @ anatomy_from_voxel[:3, :3].T + anatomy_from_voxel[:3, 3]
        # leave out the neighbourhood of veins (some pass 5-10 mm from a bleed on purpose):
        # their own fields are not the bleed's
        apart = truth.vein_clearance(points) > 3.0
        ijk, points = ijk[apart], points[apart]
        dipole = sphere_field(points, bleed.centre_mm, bleed.radii_mm.mean(), 1.0, b0)
        if np.ptp(dipole) < 0.08:
            continue  # a small bleed on a coarse grid: tissue fields (~0.05 ppm) dominate
        measured = field[tuple(ijk.T)]
        gain = np.sum((measured - measured.mean()) * dipole) / np.sum((dipole - dipole.mean()) ** 2)
        assert 0.8 < gain < 1.2, bleed.id  # the bleed's dipole dominates its neighbourhood
        checked += 1
    assert checked >= 1


def test_dwi_bvecs_match_the_signal_and_the_motion(phantom_noiseless, truth):
    from processing.forward.diffusion import world_from_fsl_bvecs

    acquisition = truth.acquisition("ses-02", "dwi")
    data, img = _image(phantom_noiseless, truth, "ses-02", "dwi", "_dwi.nii.gz")
    stem = phantom_noiseless / acquisition.files[0].replace(".nii.gz", "")
    bvals = np.loadtxt(f"{stem}.bval")
    bvecs = np.loadtxt(f"{stem}.bvec")
    assert bvecs.shape == (3, data.shape[3]) and bvals.shape == (data.shape[3],)
    md, fa = acquisition.load_map("MDmap"), acquisition.load_map("FAmap")
    tissue, labels = acquisition.load_map("tissue"), acquisition.load_map("lesions")
    ijk = np.argwhere((tissue == T.WHITE_MATTER) & (labels == 0))[::7]
    anatomy_from_voxel = np.linalg.inv(acquisition.voxel_from_anatomy())
    p = ijk @ anatomy_from_voxel[:3, :3].T + anatomy_from_voxel[:3, 3]
    fibre = np.stack([-p[:, 1], p[:, 0], 0.3 * p[:, 2] + 1], axis=1)  # white-matter fibre field
    fibre /= np.linalg.norm(fibre, axis=1, keepdims=True)
    gradients = world_from_fsl_bvecs(bvecs.T, img.affine) @ acquisition.world_from_anatomy[:3, :3]
    m, f = md[tuple(ijk.T)], fa[tuple(ijk.T)]
    d = m * f / np.sqrt(3 - 2 * f**2)
    dw = bvals > 0
    predicted = (m - d)[:, None] + 3 * d[:, None] * (fibre @ gradients[dw].T) ** 2
    signal = data[tuple(ijk.T)].astype(float)
    b0 = signal[:, ~dw].mean(axis=1, keepdims=True)
    measured = -np.log(signal[:, dw] / b0) / bvals[dw]
    np.testing.assert_allclose(measured, predicted, rtol=1e-3, atol=1e-7)
