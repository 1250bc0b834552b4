"""The registration package's own cache (path-independent), ITK's pinned thread count, QC warning lines."""

from __future__ import annotations

import json
import shutil

import numpy as np
import SimpleITK as sitk

from processing.registration import store
from processing.registration.chain import stored_warnings
from processing.registration.threads import itk_threads


def _transform_with_input(root):
    source = root / "sub-01" / "ses-01" / "anat" / "sub-01_ses-01_FLAIR.nii.gz"
    source.parent.mkdir(parents=True)
    source.write_bytes(b"not really an image, but bytes with a checksum")
    path = (
        root
        / "derivatives"
        / "ferret"
        / "sub-01"
        / "ses-01"
        / "xfm"
        / "sub-01_ses-01_from-FLAIR_to-UNIT1_xfm.txt"
    )
    path.parent.mkdir(parents=True)
    store.write_transform(
        path,
        np.eye(4),
        source="FLAIR",
        target="UNIT1",
        method="test",
        parameters={"seed": 1},
        inputs=[source],
    )
    return path, source


def test_the_cache_survives_moving_the_study_but_not_a_changed_input(tmp_path):
    path, source = _transform_with_input(tmp_path / "old" / "study")
    moved_root = tmp_path / "new" / "place"
    shutil.copytree(tmp_path / "old" / "study", moved_root)
    moved_path, moved_source = (
        moved_root / p.relative_to(tmp_path / "old" / "study") for p in (path, source)
    )
    assert store.is_cached(moved_path, {"seed": 1}, [moved_source], root=moved_root)
    assert not store.is_cached(
        moved_path, {"seed": 1}, [moved_source]
    )  # absolute paths: the old behaviour
    assert not store.is_cached(moved_path, {"seed": 2}, [moved_source], root=moved_root)
    moved_source.write_bytes(b"other bytes")
    assert not store.is_cached(moved_path, {"seed": 1}, [moved_source], root=moved_root)


def test_a_different_file_of_the_same_study_does_not_match(tmp_path):
    root = tmp_path / "study"
    path, source = _transform_with_input(root)
    other = root / "sub-01" / "ses-02" / "anat" / source.name
    other.parent.mkdir(parents=True)
    other.write_bytes(source.read_bytes())  # same bytes, another file
    assert store.is_cached(path, {"seed": 1}, [source], root=root)
    assert not store.is_cached(path, {"seed": 1}, [other], root=root)


def test_itk_threads_pins_the_global_count_and_restores_it():
    before = sitk.ProcessObject.GetGlobalDefaultNumberOfThreads()
    with itk_threads(1):
        assert sitk.ProcessObject.GetGlobalDefaultNumberOfThreads() == 1
    assert sitk.ProcessObject.GetGlobalDefaultNumberOfThreads() == before
    try:
        with itk_threads(0):
            assert sitk.ProcessObject.GetGlobalDefaultNumberOfThreads() == 1
            raise RuntimeError("a failing registration")
    except RuntimeError:
        pass
    assert sitk.ProcessObject.GetGlobalDefaultNumberOfThreads() == before


def test_stored_warnings_list_each_flagged_link_once(tmp_path):
    paths = []
    for key in ("MESE", "FLAIR", "dwi"):
        path = tmp_path / f"sub-01_ses-02_from-{key}_to-ref_mode-image_xfm.txt"
        flags = ["ses-02 UNIT1 -> ses-01 UNIT1: poor_metric"] + (
            ["ses-02 MESE -> ses-02 UNIT1: far_from_header"] if key == "MESE" else []
        )
        path.with_suffix(".json").write_text(json.dumps({"QCFlags": flags if key != "dwi" else []}))
        paths.append(path)
    lines = stored_warnings(paths + [tmp_path / "missing_xfm.txt"])
    assert len(lines) == 2 and all(line.startswith("QC WARNING: ") for line in lines)
    assert "ses-02 UNIT1 -> ses-01 UNIT1: poor_metric" in lines[0] and "far_from_header" in lines[1]
