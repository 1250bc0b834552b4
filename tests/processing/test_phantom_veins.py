"""The phantom's veins: geometry, partial volume, truth, and how they look (issue 15, item 6)."""

from __future__ import annotations

import json

import nibabel as nib
import numpy as np
import pytest

from processing.phantom import protocol as P
from processing.phantom import tissues as T
from processing.phantom.fields import SusceptibilityGrid
from processing.phantom.geometry import acquisition_affine, grid_shape, rigid, voxel_centres
from processing.phantom.participant import PhantomParticipant
from processing.phantom.tube_volume import vein_fraction
from processing.phantom.veins import VEIN_MARGIN_MM, Vein

SEEDS = (0, 3, 8)
DIAMETERS = {  # kind -> (min, max) diameter in mm (the ranges)
    "sinus": (5.0, 8.0),
    "cortical": (0.7, 3.0),  # 1-3 mm at the sinus, tapering to 70 % at the far end
    "medullary": (0.5, 1.5),
    "internal_cerebral": (2.0, 3.0),
    "thalamostriate": (1.0, 2.0),
}


def _person(seed, scale="small", veins=True):
    return PhantomParticipant.create(seed, 1, 2, scale=scale, veins=veins)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_kind_of_vein_with_its_size(seed):
    veins = _person(seed).veins
    kinds = [v.kind for v in veins]
    assert sum(v.length for v in veins if v.kind == "sinus") > 150
    assert kinds.count("cortical") >= 5 and kinds.count("internal_cerebral") >= 2
    assert 30 <= kinds.count("medullary") <= 45
    for vein in veins:
        low, high = DIAMETERS[vein.kind]
        assert low - 1e-9 <= 2 * vein.radii.min() and 2 * vein.radii.max() <= high + 1e-9, vein.kind
    sinus = next(v for v in veins if v.kind == "sinus")
    assert np.all(np.abs(sinus.points[:, 0]) < 1.5)  # on the midline


@pytest.mark.parametrize("seed", SEEDS)
def test_medullary_veins_are_long_thin_tubes_in_white_matter(seed):
    person = _person(seed)
    for vein in (v for v in person.veins if v.kind == "medullary"):
        assert vein.length / (2 * vein.radii.max()) > 8
        assert np.all(person.anatomy.labels(vein.points) == T.WHITE_MATTER)
        chord = vein.points[-1] - vein.points[0]  # straight and radial: outwards from deep
        assert np.linalg.norm(chord) > 0.95 * vein.length
        assert np.linalg.norm(vein.points[-1]) > np.linalg.norm(vein.points[0]) + 8


@pytest.mark.parametrize("scale", ["tiny", "small"])
@pytest.mark.parametrize("seed", SEEDS)
def test_veins_keep_clear_of_lesions_but_pass_near_microbleeds(seed, scale):
    person = _person(seed, scale)
    for vein in person.veins:
        for lesion in person.lesions:
            gap = vein.clearance(lesion.centre[None])[0] - lesion.extent
            assert gap >= VEIN_MARGIN_MM - 0.05, (vein.kind, lesion.id, gap)
    medullary = [v for v in person.veins if v.kind == "medullary"]
    for lesion in (item for item in person.lesions if item.type == "microbleed"):
        lobar = person.anatomy.labels(lesion.centre) == T.WHITE_MATTER
        near = medullary if lobar else person.veins  # deep: internal cerebral, thalamostriate
        nearest = min(float(v.distance(lesion.centre[None])[0]) for v in near)
        assert nearest <= (10.0 if lobar else 12.0), lesion.id


def test_veins_are_deterministic_and_leave_every_other_draw_alone():
    a, b, c, off = _person(3), _person(3), _person(4), _person(3, veins=False)
    assert len(a.veins) == len(b.veins)
    for x, y in zip(a.veins, b.veins, strict=True):
        assert x.kind == y.kind and np.array_equal(x.points, y.points)
        assert np.array_equal(x.radii, y.radii)
    assert not np.allclose(a.veins[0].points[:5], c.veins[0].points[:5])
    assert off.veins is None
    assert off.demographics == a.demographics and off.visit_dates == a.visit_dates
    assert np.array_equal(off.anatomy.wave_vectors, a.anatomy.wave_vectors)
    assert [x.centre.tolist() for x in off.lesions] == [x.centre.tolist() for x in a.lesions]


@pytest.mark.parametrize("edges", [(1.0, 1.0, 1.0), (0.8, 0.8, 2.0), (3.5, 3.5, 4.0)])
@pytest.mark.parametrize("radius", [0.25, 0.75, 3.5])
def test_partial_volume_adds_up_to_the_tube_volume_on_oblique_grids(edges, radius):
    rng = np.random.default_rng(int(radius * 100) + int(edges[2] * 10))
    direction = rng.standard_normal(3)
    direction /= np.linalg.norm(direction)
    vein = Vein("x", np.stack([-15 * direction, 15 * direction]) + 0.3, np.full(2, radius))
    affine = rigid(rng.uniform(-30, 30, 3), rng.uniform(-1, 1, 3)) @ np.diag([*edges, 1.0])
    shape = np.ceil(50 / np.asarray(edges)).astype(int)
    affine[:3, 3] -= affine[:3, :3] @ ((shape - 1) / 2)
    fraction = vein_fraction([vein], voxel_centres(tuple(shape), affine), affine)
    volume = fraction.sum() * abs(np.linalg.det(affine[:3, :3]))
    assert volume == pytest.approx(np.pi * radius**2 * 30, rel=0.03)
    assert fraction.min() >= 0 and fraction.max() <= 1
    if radius > 2 * max(edges):
        assert (fraction == 1).sum() > 0.5 * np.pi * radius**2 * 30 / np.prod(edges)


@pytest.mark.slow  # samples the full-scale grids (a few seconds each)
@pytest.mark.parametrize("scale", P.SCALES)
def test_vein_voxels_exist_at_every_scale(scale):
    person = _person(0, scale)
    geometric = sum(np.pi * np.mean(v.radii**2) * v.length for v in person.veins)
    medullary = [v for v in person.veins if v.kind == "medullary"]
    for name in ("MEGRE", "dwi"):
        spec = P.protocol(scale)[name]
        affine = acquisition_affine(spec)
        fraction = vein_fraction(person.veins, voxel_centres(grid_shape(spec), affine), affine)
        total = fraction.sum() * abs(np.linalg.det(affine[:3, :3]))
        assert total == pytest.approx(geometric, rel=0.05), name  # overlaps count once
        assert (fraction >= 0.5).sum() > 50
        thin = vein_fraction(medullary, voxel_centres(grid_shape(spec), affine), affine)
        assert (thin > 0.05).sum() > 50
        if scale == "full" and name == "MEGRE":
            assert (thin >= 0.5).sum() > 200  # 0.5-1.5 mm veins fill 0.8 x 0.8 x 2 mm voxels


def test_vein_field_depends_on_its_angle_to_b0():
    person = _person(0, "tiny")
    sinus = max((v for v in person.veins if v.kind == "sinus"), key=lambda v: v.length)
    points, _, tangents, _ = sinus.dense
    with_veins = SusceptibilityGrid(person.anatomy, 2.5, person.veins)
    without = SusceptibilityGrid(person.anatomy, 2.5, None)
    b0 = np.array([0.0, 0.0, 1.0])
    field = with_veins.field_at(points, b0) - without.field_at(points, b0)
    chi = T.baseline(T.VEIN)["chi"]
    across, along = np.abs(tangents[:, 2]) < 0.3, np.abs(tangents[:, 2]) > 0.8
    assert across.any() and along.any()
    # inside a long cylinder: chi/6 (3 cos^2 theta - 1): -chi/6 across B0, up to +chi/3 along it
    assert np.median(field[across]) < -0.3 * chi / 6
    assert np.median(field[along]) > 0.3 * chi / 3


@pytest.fixture(scope="module")
def megre(phantom_noiseless):
    """Truth and images of visit 1's GRE of the noiseless tiny phantom."""
    from processing.maps import R2starModel, SWIModel
    from processing.phantom import load_truth

    truth = load_truth(phantom_noiseless, "sub-01")
    acquisition = truth.acquisition("ses-01", "MEGRE")
    magnitudes = [f for f in acquisition.files if "part-mag" in f]
    echo_times = [
        json.loads((phantom_noiseless / f.replace(".nii.gz", ".json")).read_text())["EchoTime"]
        for f in magnitudes
    ]
    mag = np.stack(
        [np.asarray(nib.load(str(phantom_noiseless / f)).dataobj, float) for f in magnitudes], -1
    )
    phase = np.stack(
        [
            np.asarray(nib.load(str(phantom_noiseless / f)).dataobj, float)
            for f in acquisition.files
            if "part-phase" in f
        ],
        -1,
    )
    maps = {
        "r2star": R2starModel(tuple(echo_times)).fit(mag, mag[..., 0] > 50).r2star,
        "swi": SWIModel().fit(mag, phase).swi,
        "magnitude": mag,
    }
    return truth, acquisition, maps


def test_truth_holds_the_veins(megre):
    truth, acquisition, _ = megre
    assert truth.has_veins and len(truth.veins) >= 40
    assert {v.kind for v in truth.veins} >= {"sinus", "cortical", "medullary", "internal_cerebral"}
    assert truth.record["tissue_labels"][str(T.VEIN)] == "vein"
    fraction = acquisition.load_map("veins")
    tissue, lesions = acquisition.load_map("tissue"), acquisition.load_map("lesions")
    assert fraction.dtype == np.float32 and fraction.shape == acquisition.shape
    assert np.array_equal(tissue == T.VEIN, (fraction >= 0.5) & (lesions == 0))
    assert not np.any((fraction >= 0.5) & (lesions > 0))  # veins never on lesions
    centres = acquisition.anatomy_to_voxel(np.concatenate([v.points_mm for v in truth.veins]))
    inside = np.all((centres >= 0) & (centres < np.asarray(acquisition.shape) - 1), axis=1)
    ijk = np.rint(centres[inside]).astype(int)
    assert np.median(fraction[tuple(ijk.T)]) > 0.05  # the centrelines lie in vein voxels
    far = truth.vein_clearance(np.array([[0.0, 40.0, -30.0]]))[0]
    on = truth.vein_clearance(truth.veins[0].points_mm[:1])[0]
    assert far > 5 and on < 0


def test_vein_r2star_in_truth_and_measured_and_dark_on_swi(megre):
    _, acquisition, maps = megre
    fraction = acquisition.load_map("veins")
    truth_r2 = acquisition.load_map("R2starmap")
    lesions, tissue = acquisition.load_map("lesions"), acquisition.load_map("tissue")
    core = (fraction >= 0.8) & (lesions == 0)  # in the sagittal sinus, at 3.5 x 3.5 x 4 mm
    pure = fraction == 1
    white = (tissue == T.WHITE_MATTER) & (lesions == 0) & (fraction == 0)
    assert pure.sum() >= 1 and core.sum() >= 20
    assert np.all(truth_r2[pure] == np.float32(T.baseline(T.VEIN)["R2star"]))
    assert 30 <= np.median(truth_r2[core]) <= 60
    measured, white_r2 = np.median(maps["r2star"][core]), np.median(maps["r2star"][white])
    assert 35 <= measured <= 60 and measured > 1.8 * white_r2
    assert np.median(maps["swi"][core]) < 0.7 * np.median(maps["swi"][white])
    last_echo = maps["magnitude"][..., -1]
    assert np.median(last_echo[core]) < 0.7 * np.median(last_echo[white])


@pytest.mark.slow  # builds two tiny studies
def test_without_veins_only_the_veins_and_their_fields_change(tmp_path):
    from app.cli import main
    from processing.phantom import load_truth, make_phantom_study

    on = make_phantom_study(tmp_path / "on", visits=1, scale="tiny", seed=2)
    assert main(["phantom", str(tmp_path / "off"), "--scale", "tiny", "--visits", "1",
                 "--seed", "2", "--no-veins"]) == 0  # fmt: skip
    off = tmp_path / "off"
    truth_on, truth_off = load_truth(on, "sub-01"), load_truth(off, "sub-01")
    assert not truth_off.has_veins and "veins" not in truth_off.record
    assert str(T.VEIN) not in truth_off.record["tissue_labels"]
    assert not list(off.rglob("*desc-veins_probseg*"))
    assert truth_on.record["lesions"] == truth_off.record["lesions"]
    description = json.loads((off / "dataset_description.json").read_text())
    assert "veins" not in description["GeneratedBy"][0]["Description"]
    for name, image in (("MP2RAGE", "_UNIT1.nii.gz"), ("FLAIR", "_FLAIR.nii.gz")):
        a_on, a_off = truth_on.acquisition("ses-01", name), truth_off.acquisition("ses-01", name)
        vein_free = a_on.load_map("veins") == 0
        assert np.array_equal(a_on.load_map("lesions"), a_off.load_map("lesions"))
        assert np.array_equal(
            a_on.load_map("tissue")[vein_free], a_off.load_map("tissue")[vein_free]
        )
        file = next(f for f in a_on.files if f.endswith(image))
        data_on = np.asarray(nib.load(str(on / file)).dataobj)
        data_off = np.asarray(nib.load(str(off / file)).dataobj)
        assert np.array_equal(data_on[vein_free], data_off[vein_free])  # same noise, same tissue
        assert not np.array_equal(data_on, data_off)
