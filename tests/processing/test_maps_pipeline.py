"""compute_visit_maps on the noiseless phantom (accuracy against truth), the CLI, and real scans."""

from __future__ import annotations

import json

import nibabel as nib
import numpy as np
import pytest

from app.cli import main as ferret
from processing.maps import R2starModel, SWIModel, TensorModel, brain_mask, compute_visit_maps
from processing.maps.gradients import fsl_bvecs_to_world
from processing.study import discover

CORTEX, WHITE_MATTER, DEEP_GREY = 4, 5, 6


@pytest.fixture(scope="module")
def phantom_maps(phantom_noiseless):
    from processing.phantom.truth import load_truth

    visit = discover(phantom_noiseless).participants["sub-01"].visits[0]
    raw_before = sorted(p.name for p in visit.path.rglob("*"))
    report = compute_visit_maps(visit)
    assert sorted(p.name for p in visit.path.rglob("*")) == raw_before  # raw study untouched
    return visit, report, load_truth(phantom_noiseless, "sub-01")


@pytest.mark.parametrize(
    "acq,truth_name,key,tolerance",
    [
        ("MEGRE", "R2starmap", "R2starmap", 0.002),
        ("dwi", "MDmap", "MD", 0.01),
        ("dwi", "FAmap", "FA", 0.01),
        ("MP2RAGE", "R1map", "R1map", 0.01),
        ("MESE", "R2map", "R2map", 0.01),
    ],
)
def test_phantom_maps_match_truth_in_tissue(phantom_maps, acq, truth_name, key, tolerance):
    visit, report, truth = phantom_maps
    acquisition = truth.acquisition(visit.session, acq)
    tissue = np.isin(acquisition.load_map("tissue"), (CORTEX, WHITE_MATTER, DEEP_GREY))
    pure = tissue & (acquisition.load_map("lesions") == 0)
    expected = acquisition.load_map(truth_name).astype(float)
    measured = nib.load(report.computed[key]).get_fdata()
    pure &= expected > 0.05 * np.median(expected[tissue])
    relative = np.abs(measured[pure] / expected[pure] - 1)
    assert pure.sum() > 100
    assert np.median(relative) < tolerance


def test_phantom_report_names_and_provenance(phantom_maps):
    visit, report, _ = phantom_maps
    names = {p.name for p in report.computed.values()}
    for suffix in (
        "R2starmap",
        "T2starmap",
        "S0map",
        "R1map",
        "T1map",
        "R2map",
        "desc-swi_GRE",
        "desc-b1000_trace",
        "desc-b3000_trace",
        "model-tensor_param-md_dwimap",
        "model-tensor_param-fa_dwimap",
        "desc-brain_mask",
    ):
        assert f"{visit.prefix}_{suffix}.nii.gz" in names
    sidecar = json.loads(
        report.computed["MD"].with_name(report.computed["MD"].name[:-7] + ".json").read_text()
    )
    assert sidecar["Parameters"]["fit"] == "ols" and sidecar["Inputs"][0]["checksum"].startswith(
        "sha256:"
    )
    assert all("/derivatives/ferret/" in str(p) for p in report.computed.values())
    swi = json.loads(
        report.computed["SWI"].with_name(report.computed["SWI"].name[:-7] + ".json").read_text()
    )
    assert swi["Parameters"]["phase_units"].startswith(
        "radians as stored"
    )  # the phantom stores radians
    assert swi["Parameters"]["phase_units_setting"]  # the rule is recorded


def test_cli_process_runs_one_visit_and_rejects_unknown_steps(phantom_noiseless, capsys):
    assert (
        ferret(
            [
                "process",
                str(phantom_noiseless),
                "--steps",
                "maps",
                "--participant",
                "sub-01",
                "--visit",
                "ses-02",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "sub-01_ses-02:" in out and "R2starmap" in out and "ses-01" not in out
    assert ferret(["process", str(phantom_noiseless), "--steps", "maps,bogus"]) == 2
    assert "unknown step(s): bogus" in capsys.readouterr().err


def test_missing_inputs_are_skipped_with_reason(phantom_noiseless, tmp_path):
    visit = discover(phantom_noiseless).participants["sub-01"].visits[0]
    del visit.acquisitions["dwi"]
    visit.acquisitions["MP2RAGE"].files = [f for f in visit.acquisitions["MP2RAGE"].files]
    for image in visit.acquisitions["MP2RAGE"].files:
        image.metadata.pop("InversionTime", None)
    visit.study_root = tmp_path  # write elsewhere
    report = compute_visit_maps(visit, only=("DWI", "R1"))
    assert "no dwi acquisition" in report.skipped["DWI"]
    assert "InversionTime" in report.skipped["R1"]


def _load(path):
    img = nib.load(str(path))
    return img.get_fdata(dtype=np.float32), img


@pytest.mark.realdata
def test_real_dwi_series_agree_with_each_other_and_dipy(real_data):
    import dipy.reconst.dti as dti
    from dipy.core.gradients import gradient_table

    fits = []
    for series in ("3000_DTI_PA-ortho_cl", "4000_DTI_AP-ortho_cl"):
        base = real_data / "canon_dwi" / "nifti" / series
        data, img = _load(base.with_suffix(".nii.gz"))
        bvals, bvecs = (
            np.loadtxt(base.with_suffix(".bval")),
            np.loadtxt(base.with_suffix(".bvec")).T,
        )
        mask = brain_mask(data[..., 0], img.header.get_zooms()[:3])
        assert 900 < mask.sum() * 27 / 1000 < 2200  # brain volume in ml
        fit = TensorModel(bvals, fsl_bvecs_to_world(bvecs, img.affine)).fit(data, mask)
        peer = dti.TensorModel(gradient_table(bvals, bvecs=bvecs), fit_method="OLS").fit(
            data, mask=mask
        )
        complete = mask & (data > 0).all(
            axis=-1
        )  # every measurement positive: no tool's zero rule acts
        inside = complete & (
            peer.evals[..., 2] > 1e-9
        )  # dipy clips negative eigenvalues to 1e-6 / b, Ferret not
        np.testing.assert_allclose(fit.md[inside], peer.md[inside], rtol=1e-5)
        assert np.median(np.abs(fit.fa[inside] - peer.fa[inside]) / peer.fa[inside]) < 0.005
        # about 1.7 % of the brain holds a zero in some volume: left out, MD stays below free water's
        # 3e-3 mm^2/s nearly everywhere; dipy's floor at 1e-4 pushes a third of them above it
        partial = mask & fit.mask & ~complete
        assert 0.005 < partial.sum() / mask.sum() < 0.05
        assert np.mean(fit.md[partial] > 3.5e-3) < 0.05 and np.mean(peer.md[partial] > 3.5e-3) > 0.2
        fits.append((fit, fit.mask))
    both = fits[0][1] & fits[1][1]
    md_ratio = np.median(fits[0][0].md[both] / fits[1][0].md[both])
    assert md_ratio == pytest.approx(1.0, abs=0.05)
    # opposite phase encoding distorts differently: agreement in distribution, moderate voxelwise
    assert np.median(fits[0][0].fa[both]) == pytest.approx(np.median(fits[1][0].fa[both]), rel=0.1)
    assert np.corrcoef(fits[0][0].fa[both], fits[1][0].fa[both])[0, 1] > 0.5


@pytest.mark.realdata
def test_real_gre_crop_and_dual_echo_give_finite_maps(real_data):
    mag, img = _load(real_data / "megre_crop" / "small" / "Mag.nii")
    phase, _ = _load(real_data / "megre_crop" / "small" / "Phase.nii")
    mask = brain_mask(mag[..., 0], img.header.get_zooms()[:3])
    fit = R2starModel((0.004, 0.008, 0.012)).fit(mag, mask)
    assert np.all(np.isfinite(fit.r2star)) and 5 < np.median(fit.r2star[mask]) < 100
    assert (
        SWIModel().fit(mag, phase).phase_note.startswith("radians as stored")
    )  # +-0.0037 is inside [-pi, pi]
    swi = SWIModel(phase_units="arbitrary").fit(mag, phase)  # the source documents arbitrary units
    assert "arbitrary units" in swi.phase_note and np.all(np.isfinite(swi.swi))
    base = real_data / "philips_dualecho_gre" / "2001_WIP_fcMRI_Field_Mapping_cl"
    mags = [_load(f"{base}_e{e}.nii.gz")[0] for e in (1, 2)]
    phases = [_load(f"{base}_e{e}_ph.nii.gz")[0] for e in (1, 2)]
    tes = [json.loads(open(f"{base}_e{e}.json").read())["EchoTime"] for e in (1, 2)]
    data = np.stack(mags, -1)
    mask = brain_mask(mags[0], (3.0, 3.0, 3.0))
    r2 = R2starModel(tuple(tes)).fit(data, mask).r2star
    assert np.all(np.isfinite(r2[mask])) and 5 < np.median(r2[mask]) < 60
    swi = SWIModel().fit(data, np.stack(phases, -1), mask)
    assert swi.phase_note.startswith("radians as stored") and np.all(np.isfinite(swi.swi[mask]))


@pytest.mark.realdata
def test_real_nan_phase_is_handled(real_data):
    phase, _ = _load(real_data / "megre_crop" / "small" / "phase_with_nan.nii")
    assert np.isnan(phase).any()
    swi = SWIModel(phase_units="radians").fit(np.ones_like(phase), phase)
    assert np.all(np.isfinite(swi.swi))


@pytest.mark.realdata
def test_real_anatomical_masks_are_brain_sized(real_data):
    for name in ("study1_FLAIR", "study1_T1W"):
        data, img = _load(
            real_data / "open_ms_longitudinal" / "patient01" / "raw" / f"{name}.nii.gz"
        )
        zooms = img.header.get_zooms()[:3]
        mask = brain_mask(data, zooms)
        volume_ml = mask.sum() * np.prod(zooms) / 1000
        assert 900 < volume_ml < 2300
        centre = tuple(s // 2 for s in data.shape)
        assert mask[centre]
