"""``ferret open`` / ``ferret demo``: offscreen screenshots, the no-display path, bad input."""

import numpy as np
import pytest
from PIL import Image

from app import demo as demo_module
from app.cli import main
from app.display import can_show_window

pytestmark = pytest.mark.gui


def image_region_grey_levels(png, box_fraction=(0.45, 0.15, 0.95, 0.85)):
    """Distinct grey levels (R = G = B pixels) in the part of the window where the image is drawn."""
    pixels = np.asarray(Image.open(png).convert("RGB"))
    height, width, _ = pixels.shape
    left, top, right, bottom = box_fraction
    crop = pixels[int(top * height) : int(bottom * height), int(left * width) : int(right * width)]
    grey = crop[(crop[..., 0] == crop[..., 1]) & (crop[..., 1] == crop[..., 2])][:, 0]
    return len(np.unique(grey)), pixels.shape


def test_open_screenshot_shows_the_image(small_study, tmp_path, capsys):
    target = tmp_path / "shots" / "window.png"
    assert (
        main(
            [
                "open",
                str(small_study),
                "--participant",
                "sub-02",
                "--screenshot",
                str(target),
                "--size",
                "1200x700",
            ]
        )
        == 0
    )
    levels, shape = image_region_grey_levels(target)
    assert shape == (700, 1200, 3)
    assert levels > 60, f"image area looks blank: {levels} grey levels"
    assert f"Screenshot written to {target}" in capsys.readouterr().out
    assert not list(target.parent.glob(".*.part*"))  # written atomically, nothing left behind


def test_screenshot_of_a_blank_window_would_fail_the_check(tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("RGB", (400, 300), (30, 30, 30)).save(blank)
    assert image_region_grey_levels(blank)[0] == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["open", "{missing}"], "this study folder does not exist"),
        (["open", "{empty}"], "not a BIDS study"),
        (
            ["open", "{study}", "--participant", "sub-99"],
            "participant 'sub-99' is not in this study",
        ),
        (["open", "{study}", "--size", "big"], "window size 'big' is not understood"),
        (["open", "{study}", "--screenshot", "{tmp}/shot.jpg"], "screenshots are written as PNG"),
    ],
)
def test_bad_input_is_a_clear_error(small_study, tmp_path, capsys, argv, message):
    (tmp_path / "empty").mkdir()
    values = {
        "missing": tmp_path / "nope",
        "empty": tmp_path / "empty",
        "study": small_study,
        "tmp": tmp_path,
    }
    assert main([a.format(**values) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ferret: error: ") and message in err and "Traceback" not in err


def test_without_a_display_no_window_opens_but_a_screenshot_is_written(
    small_study, tmp_path, monkeypatch, capsys
):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("sys.platform", "linux")
    assert main(["open", str(small_study), "--size", "800x600"]) == 0
    out = capsys.readouterr().out
    assert "no display found" in out and "--screenshot" in out and "xvfb-run" in out
    written = tmp_path / "cache" / "ferret" / "window.png"
    assert str(written) in out and image_region_grey_levels(written)[0] > 30


def test_display_detection():
    assert not can_show_window({}, "linux")
    assert can_show_window({"DISPLAY": ":0"}, "linux")
    assert can_show_window({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not can_show_window({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert can_show_window({}, "darwin")


def test_demo_makes_the_study_once_then_reuses_it(tmp_path, monkeypatch, capsys, study_writer):
    calls = []

    def fake_phantom(out, progress, **options):
        calls.append(options)
        progress.update(0.5, "half way")
        return study_writer(out, participants=("sub-01",))

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(demo_module, "phantom_maker", lambda: fake_phantom)
    target = tmp_path / "demo.png"
    assert main(["demo", "--screenshot", str(target), "--size", "800x600"]) == 0
    assert main(["demo", "--screenshot", str(target), "--size", "800x600"]) == 0
    assert calls == [demo_module.DEMO_OPTIONS]
    assert calls[0] == {"participants": 1, "visits": 10, "scale": "small", "seed": 0, "noise": True}
    out = capsys.readouterr().out
    folder = tmp_path / "data" / "ferret" / "demo-study"
    assert (
        f"Creating the demo study in {folder}" in out
        and f"Opening the demo study in {folder}" in out
    )
    assert "   50 %  half way" in out
    assert (folder / "dataset_description.json").exists() and not folder.with_name(
        "demo-study.part"
    ).exists()
    assert image_region_grey_levels(target)[0] > 30
