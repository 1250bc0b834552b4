"""The MARS location: shipped atlas, template, lookup rule, rater override, counts, bad input."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from processing.annotations.spreadsheet import located
from processing.errors import FerretError
from processing.location.atlas import atlas_path, load_atlas, load_template, regions_from_original
from processing.location.counts import COUNT_COLUMNS, LocatedCMB, count_row, visit_counts
from processing.location.lookup import cmb_location, lesion_regions, suggested_ratings
from processing.location.participant import atlas_file, choose_inputs, load_participant_atlas
from processing.location.regions import REGIONS, region_of_form

ORIGINAL = Path(__file__).resolve().parents[3] / "shared/data/atlases/mars"


def test_shipped_atlas_equals_the_original_converted():
    original = ORIGINAL / "MARS_scale_parcellation_map_mni.nii.gz"
    if not original.is_file():
        pytest.skip(f"the original MARS map is not at {original}")
    source = nib.load(str(original))
    shipped = load_atlas()
    assert np.allclose(shipped.affine, source.affine)
    expected = regions_from_original(source.get_fdata())
    assert np.array_equal(shipped.data, expected)
    assert set(np.unique(shipped.data)) == set(range(14))
    assert (atlas_path().parent / "LICENSE").read_text().startswith("MIT License")


def test_template_loads_from_the_installed_wheel_without_network():
    code = (
        "import socket\n"
        "def refuse(*a, **k):\n    raise OSError('network used')\n"
        "socket.socket.connect = refuse\nsocket.create_connection = refuse\n"
        "from processing.location.atlas import load_template\n"
        "t, m = load_template()\nprint(t.data.shape, int(m.sum()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split()[:3] == ["(197,", "233,", "189)"]
    template, mask = load_template()
    assert 0.0 <= template.data.min() and template.data.max() == pytest.approx(1.0)
    assert 1.5e6 < mask.sum() < 2.2e6  # a brain, in 1 mm voxels


def test_majority_rule_boundary_and_outside_are_unknown():
    atlas = np.zeros((6, 1, 1), np.uint8)
    atlas[:, 0, 0] = [9, 9, 9, 4, 4, 0]
    labels = np.zeros_like(atlas, dtype=np.int32)
    labels[:, 0, 0] = [1, 1, 2, 2, 3, 3]  # 1 inside frontal, 2 split evenly, 3 half outside
    assert lesion_regions(labels, atlas) == {1: 9, 2: 0, 3: 0}
    labels[:, 0, 0] = [5, 5, 5, 5, 0, 0]  # three of four frontal: frontal
    assert lesion_regions(labels, atlas) == {5: 9}


def test_the_raters_form_overrides_the_atlas():
    assert cmb_location({}, 2).text == "infratentorial:cerebellum"
    assert cmb_location({}, 2).source == "atlas"
    rated = cmb_location({"mars_region": "lobar", "mars_lobe": "insula"}, 2)
    assert (rated.text, rated.source) == ("lobar:insula", "rater")
    assert cmb_location({"mars_region": "deep"}, 9).text == "deep"  # structure not answered
    assert cmb_location({}, 0).text == "unknown" and cmb_location({}, 0).source == "atlas"
    assert cmb_location({}, None).source == ""  # no atlas map
    row = {"type": "CMB", "ratings": {}, "in_cortex": False}
    assert located(row, 11) == ("lobar:temporal", "atlas")
    assert located(row, None) == ("non-cortical", "cortex")
    row = {"type": "CMB", "ratings": {"mars_region": "deep", "mars_deep": "thalamus"}}
    assert located(row, 11) == ("deep:thalamus", "rater")


def test_form_values_round_trip_every_region():
    for number in REGIONS:
        answers = suggested_ratings(number)
        group = answers["mars_region"]
        structure = next(v for k, v in answers.items() if k != "mars_region")
        assert region_of_form(group, structure).number == number
    assert suggested_ratings(0) == {} and suggested_ratings(None) == {}


def cmb(lesion_id, visit, certainty, group, structure, source="atlas"):
    from processing.location.lookup import Location

    return LocatedCMB(lesion_id, visit, certainty, Location(group, structure, source))


def test_counts_per_visit_persist_and_split_by_group_and_certainty():
    cmbs = [
        cmb(1, "ses-01", "definite", "lobar", "frontal"),
        cmb(2, "ses-01", "possible", "deep", "thalamus", "rater"),
        cmb(3, "ses-02", "definite", "infratentorial", "cerebellum"),
        cmb(4, "ses-02", None, "infratentorial", "brainstem"),
        cmb(5, None, "possible", "unknown", None),  # no visit recorded: from the first
    ]
    first, second = visit_counts("sub-01", ["ses-01", "ses-02"], cmbs)
    assert list(first) == list(COUNT_COLUMNS)
    assert (first["cmb_total"], first["cmb_lobar"], first["cmb_deep"]) == (3, 1, 1)
    assert first["cmb_infratentorial"] == 0 and first["cmb_unknown_location"] == 1
    assert second["cmb_total"] == 5 and second["cmb_infratentorial"] == 2
    assert (second["cmb_cerebellar"], second["cmb_brainstem"]) == (1, 1)
    assert (second["cmb_definite"], second["cmb_possible"]) == (2, 2)
    assert (second["cmb_location_rater"], second["cmb_location_atlas"]) == (1, 4)
    assert count_row("sub-02", "ses-01", [])["cmb_total"] == 0


def test_choose_inputs_prefers_t1w_then_unit1_then_r1(tmp_path):
    names = ["sub-01_ses-01_space-ref_R1map.nii.gz", "sub-01_ses-01_space-ref_UNIT1.nii.gz"]
    names.append("sub-01_ses-01_space-ref_desc-brain_mask.nii.gz")
    image, mask = choose_inputs([tmp_path / n for n in names])
    assert image.name == names[1] and mask.name == names[2]
    image, mask = choose_inputs([tmp_path / names[0]])
    assert image.name == names[0] and mask is None
    with pytest.raises(FerretError, match="no T1-like image"):
        choose_inputs([tmp_path / "sub-01_ses-01_space-ref_FLAIR.nii.gz"])


def test_missing_and_damaged_atlas_maps_are_named_with_the_fix(tmp_path):
    with pytest.raises(FerretError) as missing:
        load_participant_atlas(tmp_path, "sub-01")
    assert "has not run" in missing.value.problem and "--steps location" in missing.value.fix
    path = atlas_file(tmp_path, "sub-01")
    path.parent.mkdir(parents=True)
    shutil.copy(atlas_path(), path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(FerretError) as damaged:
        load_participant_atlas(tmp_path, "sub-01")
    assert "damaged" in damaged.value.problem and damaged.value.path == path
    with gzip.open(path, "wb") as handle:
        handle.write(b"not a nifti")
    with pytest.raises(FerretError, match="damaged"):
        load_participant_atlas(tmp_path, "sub-01")
