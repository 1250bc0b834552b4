"""Fixtures of the app tests: a small BIDS study with real-looking images, built with nibabel.

Two participants, three visits four weeks apart (dates in sessions.tsv). Each
visit has an LPS-stored FLAIR, a two-echo MEGRE (magnitude and phase) and a
three-volume DWI whose first b=0 volume is volume 1; the T1w is missing at
ses-02, so the browser has something to mark as missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

SHAPE = (40, 48, 20)
VISITS = ("ses-01", "ses-02", "ses-03")
DATES = ("2024-01-08T09:00:00", "2024-02-05T09:30:00", "2024-03-04T10:00:00")
BVALS = (1000, 0, 1000)


def head(shape=SHAPE, seed: int = 0) -> np.ndarray:
    """Return an ellipsoidal 'head' with a dark core and smooth texture (many grey levels)."""
    grid = np.indices(shape, dtype=float)
    centre = (np.array(shape, dtype=float) - 1)[:, None, None, None] / 2
    radius = np.sqrt(
        (((grid - centre) / (0.45 * np.array(shape))[:, None, None, None]) ** 2).sum(0)
    )
    texture = 300 + 150 * np.sin(grid[0] / 3.0) * np.cos(grid[1] / 4.0) + 3 * grid[2]
    image = np.where(radius < 1.0, texture, 0.0)
    image[radius < 0.3] = 80.0
    rng = np.random.default_rng(seed)
    return (image + rng.normal(0, 5, shape) * (radius < 1.0)).astype(np.float32)


def save(path: Path, data: np.ndarray, affine: np.ndarray, sidecar: dict | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = nib.Nifti1Image(data, affine)
    image.set_sform(affine, code=1)
    image.set_qform(affine, code=1)
    nib.save(image, str(path))
    if sidecar is not None:
        path.with_name(path.name.replace(".nii.gz", ".json")).write_text(json.dumps(sidecar))


RAS_AFFINE = np.array([[1.0, 0, 0, -20], [0, 1.0, 0, -24], [0, 0, 2.0, -20], [0, 0, 0, 1]])
LPS_AFFINE = np.array([[-1.0, 0, 0, 19], [0, -1.0, 0, 23], [0, 0, 2.0, -20], [0, 0, 0, 1]])


def write_visit(root: Path, participant: str, session: str, seed: int) -> None:
    anat, dwi = root / participant / session / "anat", root / participant / session / "dwi"
    prefix = f"{participant}_{session}"
    anatomy = head(seed=seed)
    save(anat / f"{prefix}_FLAIR.nii.gz", anatomy[::-1, ::-1].copy(), LPS_AFFINE, {})
    if session != "ses-02":
        save(anat / f"{prefix}_T1w.nii.gz", 1000 - anatomy, RAS_AFFINE, {})
    for echo, te in ((1, 0.005), (2, 0.01)):
        save(
            anat / f"{prefix}_echo-{echo}_part-mag_MEGRE.nii.gz",
            anatomy * np.exp(-20 * te),
            RAS_AFFINE,
            {"EchoTime": te},
        )
        save(
            anat / f"{prefix}_echo-{echo}_part-phase_MEGRE.nii.gz",
            np.zeros(SHAPE, np.float32),
            RAS_AFFINE,
            {"EchoTime": te, "Units": "rad"},
        )
    volumes = np.stack([anatomy * (0.2 if b else 1.0) for b in BVALS], axis=-1)
    volumes[..., 1] += 5000  # the b=0 volume is recognisable by its values
    save(dwi / f"{prefix}_dwi.nii.gz", volumes, RAS_AFFINE, {"PhaseEncodingDirection": "j-"})
    (dwi / f"{prefix}_dwi.bval").write_text(" ".join(map(str, BVALS)) + "\n")
    (dwi / f"{prefix}_dwi.bvec").write_text("1 0 0\n0 0 1\n0 0 0\n")


def write_small_study(root: Path, participants=("sub-01", "sub-02")) -> Path:
    """Write the study described in the module docstring under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "dataset_description.json").write_text(
        json.dumps({"Name": "small", "BIDSVersion": "1.9.0"})
    )
    (root / "participants.tsv").write_text(
        "participant_id\tage\n" + "".join(f"{p}\t{60 + n}\n" for n, p in enumerate(participants))
    )
    for n, participant in enumerate(participants):
        rows = "".join(f"{s}\t{d}\n" for s, d in zip(VISITS, DATES, strict=True))
        (root / participant).mkdir(parents=True, exist_ok=True)
        (root / participant / f"{participant}_sessions.tsv").write_text(
            "session_id\tacq_time\n" + rows
        )
        for v, session in enumerate(VISITS):
            write_visit(root, participant, session, seed=10 * n + v)
    return root


@pytest.fixture(scope="session")
def small_study(tmp_path_factory) -> Path:
    """Return the root of the small study (shared, read-only: never write into it)."""
    return write_small_study(tmp_path_factory.mktemp("study") / "small-study")


@pytest.fixture
def study_writer():
    """Return the function that writes the small study, for tests that need their own copy."""
    return write_small_study


@pytest.fixture(autouse=True)
def private_settings(tmp_path, monkeypatch):
    """Viewer settings go to a per-test folder, never the user's configuration."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "ferret"


@pytest.fixture
def phantom_copy(phantom_study, tmp_path) -> Path:
    """Return a writable copy of the session's tiny phantom study."""
    import shutil

    root = tmp_path / "study"
    shutil.copytree(phantom_study, root)
    return root


@pytest.fixture
def open_rating_window(qtbot, tmp_path):
    """Return an opener of the main window, shown, with its images loaded.

    ``open_rating_window(root, rater, visit=None, *, size=(1600, 900), settings_file=None)``;
    ``rater=None`` opens the viewing mode; other keywords (``consensus=``) go to the window;
    ``settings_file`` defaults to one per test.
    """

    def open_window(
        root: Path,
        rater: str | None = None,
        visit: str | None = None,
        *,
        size=(1600, 900),
        settings_file: Path | None = None,
        **mode,
    ):
        from app.main_window import MainWindow
        from processing.study import discover

        window = MainWindow(
            discover(root),
            settings_file=settings_file or tmp_path / "settings.json",
            rater=rater,
            visit=visit,
            **mode,
        )
        qtbot.addWidget(window)
        window.resize(*size)
        window.start()
        window.show()
        qtbot.waitExposed(window)
        window.wait_for_images()
        return window

    return open_window
