"""The naming layer of import-dicom on dcm2niix-style sidecars (Siemens protocol of the reference study)."""

from __future__ import annotations

import json
import shutil

import pytest

from processing.dicom.config import load_config
from processing.dicom.dcm2niix_run import Series, read_sidecar
from processing.dicom.naming import plan_visit
from processing.dicom.visit import check_one_patient
from processing.errors import FerretError

MAG = ["ORIGINAL", "PRIMARY", "M", "ND", "NORM"]
PHASE = ["ORIGINAL", "PRIMARY", "P", "ND"]


def write(folder, stem, **sidecar):
    (folder / f"{stem}.json").write_text(json.dumps(sidecar), encoding="utf-8")


def siemens_visit(folder, real_data=None):
    """Sidecars as dcm2niix names them for the reference protocol; returns the expected names."""
    expected = {}
    for echo in range(1, 7):
        tail = "" if echo == 1 else f"_e{echo}"
        te = round(0.004 + 0.00492 * (echo - 1), 5)
        write(
            folder,
            f"5_gre_me_3d{tail}",
            SeriesDescription="gre_me_3d",
            SeriesNumber=5,
            EchoNumber=echo,
            EchoTime=te,
            ImageType=MAG,
        )
        write(
            folder,
            f"6_gre_me_3d{tail}_ph",
            SeriesDescription="gre_me_3d",
            SeriesNumber=6,
            EchoNumber=echo,
            EchoTime=te,
            ImageType=PHASE,
        )
        expected[f"5_gre_me_3d{tail}"] = f"anat/sub-01_ses-02_echo-{echo}_part-mag_MEGRE"
        expected[f"6_gre_me_3d{tail}_ph"] = f"anat/sub-01_ses-02_echo-{echo}_part-phase_MEGRE"
    for echo in range(1, 4):
        tail = "" if echo == 1 else f"_e{echo}"
        write(
            folder,
            f"7_t2_se_mc{tail}",
            SeriesDescription="t2_se_mc_3echo",
            SeriesNumber=7,
            EchoNumber=echo,
            EchoTime=0.01 * echo,
            ImageType=MAG,
        )
        expected[f"7_t2_se_mc{tail}"] = f"anat/sub-01_ses-02_echo-{echo}_MESE"
    write(
        folder,
        "8_t2_space_dark-fluid",
        SeriesDescription="t2_space_dark-fluid_sag",
        SeriesNumber=8,
        ImageType=MAG,
    )
    expected["8_t2_space_dark-fluid"] = "anat/sub-01_ses-02_FLAIR"
    write(folder, "9_t1_mprage", SeriesDescription="t1_mprage_sag", SeriesNumber=9, ImageType=MAG)
    expected["9_t1_mprage"] = "anat/sub-01_ses-02_T1w"
    write(
        folder,
        "10_ep2d_diff_mddw",
        SeriesDescription="ep2d_diff_mddw_b1000_b3000",
        SeriesNumber=10,
        PhaseEncodingDirection="j-",
        ImageType=["ORIGINAL", "PRIMARY", "DIFFUSION", "NONE", "ND", "MOSAIC"],
    )
    expected["10_ep2d_diff_mddw"] = "dwi/sub-01_ses-02_dwi"
    write(
        folder,
        "11_ep2d_diff_b0_PA",
        SeriesDescription="ep2d_diff_b0_PA",
        SeriesNumber=11,
        PhaseEncodingDirection="j",
        ImageType=["ORIGINAL", "PRIMARY", "DIFFUSION", "NONE", "ND"],
    )
    expected["11_ep2d_diff_b0_PA"] = "fmap/sub-01_ses-02_dir-PA_epi"
    # scanner-derived and localizer series: listed as skipped
    write(folder, "1_localizer", SeriesDescription="localizer", SeriesNumber=1, ImageType=MAG)
    write(
        folder,
        "12_ep2d_diff_mddw_ADC",
        SeriesDescription="ep2d_diff_mddw_ADC",
        SeriesNumber=12,
        ImageType=["DERIVED", "PRIMARY", "DIFFUSION", "ADC", "ND"],
    )
    if real_data is not None:
        for path in sorted((real_data / "mp2rage_sidecars").glob("*.json")):
            shutil.copy(path, folder / path.name)
        expected["Si_2_t1_mp2rage_sag_p3_32_INV1"] = "anat/sub-01_ses-02_inv-1_MP2RAGE"
        expected["Si_3_t1_mp2rage_sag_p3_32_INV2"] = "anat/sub-01_ses-02_inv-2_MP2RAGE"
        expected["Si_4_t1_mp2rage_sag_p3_32_UNI_Images"] = "anat/sub-01_ses-02_UNIT1"
    return expected


def plan_of(folder, config=None):
    series = [Series(p.name[:-5], read_sidecar(p)) for p in sorted(folder.glob("*.json"))]
    return plan_visit(folder, series, config or load_config(), "sub-01", "ses-02")


def test_reference_protocol_is_named_as_ferret_reads_it(tmp_path, real_data):
    expected = siemens_visit(tmp_path, real_data)
    plan = plan_of(tmp_path)
    assert {p.series.stem: p.destination for p in plan.placements} == expected
    skipped = {s.series.stem: s.reason for s in plan.skipped}
    assert set(skipped) == {"1_localizer", "12_ep2d_diff_mddw_ADC"}
    assert "scanner-derived" in skipped["12_ep2d_diff_mddw_ADC"]
    assert "'localizer'" in skipped["1_localizer"]


def test_synthetic_protocol_without_real_sidecars(tmp_path):
    expected = siemens_visit(tmp_path)
    assert {p.series.stem: p.destination for p in plan_of(tmp_path).placements} == expected


def test_reversed_b0_without_phase_direction_is_skipped_with_the_reason(tmp_path):
    write(
        tmp_path,
        "11_b0",
        SeriesDescription="ep2d_diff_b0_PA",
        SeriesNumber=11,
        ImageType=["ORIGINAL", "PRIMARY", "DIFFUSION", "NONE", "ND"],
    )
    plan = plan_of(tmp_path)
    assert not plan.placements
    assert "PhaseEncodingDirection" in plan.skipped[0].reason


def test_a_series_per_echo_gives_echo_1_to_the_image_without_echo_number(tmp_path):
    """dcm2niix leaves EchoNumber out of a single-echo series' first echo (Siemens per-echo export)."""
    for echo in (1, 2):
        extra = {"EchoNumber": echo} if echo > 1 else {}
        for number, image_type in ((4 + echo, MAG), (6 + echo, PHASE)):
            write(
                tmp_path,
                f"{number}_gre_me_3d" + ("_ph" if image_type is PHASE else ""),
                SeriesDescription="gre_me_3d",
                SeriesNumber=number,
                EchoTime=0.00492 * echo,
                ImageType=image_type,
                **extra,
            )
    plan = plan_of(tmp_path)
    assert not plan.skipped
    assert sorted(p.destination for p in plan.placements) == [
        f"anat/sub-01_ses-02_echo-{e}_part-{part}_MEGRE"
        for e in (1, 2)
        for part in ("mag", "phase")
    ]


def test_two_matching_descriptions_are_listed_not_guessed(tmp_path):
    write(tmp_path, "3_flair", SeriesDescription="flair", SeriesNumber=3)
    config = {
        "descriptions": [
            {"datatype": "anat", "suffix": "FLAIR", "criteria": {"SeriesDescription": "*flair*"}},
            {"datatype": "anat", "suffix": "T2w", "criteria": {"SeriesDescription": "fl*"}},
        ]
    }
    plan = plan_of(tmp_path, config)
    assert not plan.placements
    assert "several descriptions" in plan.skipped[0].reason


def test_a_second_identical_series_gets_a_run(tmp_path):
    for number in (3, 4):
        write(
            tmp_path,
            f"{number}_flair",
            SeriesDescription="t2_flair",
            SeriesNumber=number,
            ImageType=MAG,
        )
    names = sorted(p.destination for p in plan_of(tmp_path).placements)
    assert names == ["anat/sub-01_ses-02_run-01_FLAIR", "anat/sub-01_ses-02_run-02_FLAIR"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{", "not JSON"),
        ('{"descriptions": []}', "no 'descriptions'"),
        ('{"descriptions": [{"datatype": "anat"}]}', "lacks suffix, criteria"),
        (
            '{"search_method": "re", "descriptions": [{"datatype": "anat", "suffix": "T1w", '
            '"criteria": {"SeriesDescription": "(unclosed"}}]}',
            "not a regular expression",
        ),
    ],
)
def test_bad_configuration_names_the_file(tmp_path, text, said):
    path = tmp_path / "config.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FerretError) as caught:
        load_config(path)
    assert said in caught.value.message()
    assert str(path) in caught.value.message()


def test_mixed_patients_are_refused_without_printing_who(tmp_path):
    series = [
        Series("2_a", {"SeriesNumber": 2, "PatientID": "alice-123"}),
        Series("3_b", {"SeriesNumber": 3, "PatientID": "bob-456"}),
    ]
    with pytest.raises(FerretError) as caught:
        check_one_patient(tmp_path, series)
    message = caught.value.message()
    assert "2 different patients" in message and "series 2" in message and "series 3" in message
    assert "alice" not in message and "bob" not in message
    check_one_patient(tmp_path, series[:1])  # one patient: fine
