"""Layouts and settings persistence; the threaded loader and its memory bound."""

import nibabel as nib
import numpy as np
import pytest

from viewers.state.layout import GridLayout
from viewers.state.loader import VolumeLoader
from viewers.state.settings import ViewerSettings, load_settings, save_settings


def test_layout_round_trips_through_the_settings_file(tmp_path):
    layout = GridLayout()
    layout.move_column("FLAIR", -3)
    layout.set_column_visible("MD", False)
    layout.set_column_visible("FA", True)
    layout.set_row_visible("ses-02", False)
    settings = ViewerSettings()
    settings.save_layout("acute", layout)
    settings.windows["R2star"] = (2.0, 40.0)
    path = save_settings(settings, tmp_path / "cfg" / "viewer-settings.json")
    again = load_settings(path)
    restored = again.layout("acute")
    assert restored.visible_columns() == layout.visible_columns()
    assert restored.visible_columns()[0] == "FLAIR" and "FA" in restored.visible_columns()
    assert restored.hidden_rows == {"ses-02"} and again.windows["R2star"] == (2.0, 40.0)
    assert again.current_layout == "acute"
    assert not list(path.parent.glob(".*part*"))


def test_unreadable_settings_give_defaults_and_are_kept_aside(tmp_path):
    path = tmp_path / "viewer-settings.json"
    path.write_text("{not json")
    settings = load_settings(path)
    assert settings.layout().visible_columns()[:3] == ["b1000", "b3000", "MD"]
    assert (tmp_path / "viewer-settings.json.bad").read_text() == "{not json"
    odd = ViewerSettings.from_dict(
        {"windows": {"MD": [3, 1], "FLAIR": "x"}, "layouts": [], "display": 5}
    )
    assert odd.windows == {} and odd.display["overlay_mode"] == "outline"


def test_layout_from_a_foreign_dict_keeps_known_columns_only():
    layout = GridLayout.from_dict(
        {"columns": ["FLAIR", "nonsense", "R2star"], "hidden_columns": ["R2star"]}
    )
    assert layout.visible_columns() == ["FLAIR"]
    with pytest.raises(KeyError):
        layout.set_column_visible("nonsense", True)
    assert GridLayout.from_dict({"columns": "x"}).visible_columns()[0] == "b1000"


def _write(path, value, shape=(20, 20, 20)):
    nib.save(nib.Nifti1Image(np.full(shape, value, np.float32), np.eye(4)), str(path))
    return path


def test_loader_reads_off_thread_caches_and_bounds_memory(tmp_path):
    one_volume = 20 * 20 * 20 * 4
    loader = VolumeLoader(max_bytes=2 * one_volume)
    notified, got = [], []
    loader.notify = lambda: notified.append(True)
    paths = [_write(tmp_path / f"v{n}.nii.gz", n + 1.0) for n in range(3)]
    for path in paths:
        assert (
            loader.request(path, 0, "FLAIR", lambda volume, error: got.append((volume, error)))
            is False
        )
    assert got == []  # nothing runs on the worker threads' behalf
    loader.wait()
    assert sorted(float(v.data[0, 0, 0]) for v, _ in got) == [1.0, 2.0, 3.0] and len(notified) == 3
    assert len(loader.cache) == 2 and loader.cache.nbytes <= 2 * one_volume
    assert (
        loader.request(paths[2], 0, "FLAIR", lambda volume, error: got.append((volume, error)))
        is True
    )
    loader.shutdown()


def test_loader_reports_unreadable_files_and_drops_stale_results(tmp_path):
    loader = VolumeLoader()
    broken = tmp_path / "broken.nii.gz"
    broken.write_bytes(b"not a nifti")
    got = []
    loader.request(broken, 0, "FLAIR", lambda volume, error: got.append((volume, error)))
    loader.wait()
    assert got[0][0] is None and "broken.nii.gz" in got[0][1]
    good = _write(tmp_path / "good.nii.gz", 5.0)
    loader.request(good, 0, "FLAIR", lambda volume, error: got.append((volume, error)))
    loader.forget_pending()
    loader.wait()
    assert len(got) == 1
    loader.shutdown()
