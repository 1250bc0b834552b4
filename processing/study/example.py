"""A tiny but complete BIDS study (every acquisition kind) for tests, benchmarks and demos.

Images are a few voxels of smooth, finite data with valid sidecars, so the
study validates without problems; it exercises the layout, not the physics
(the phantom in :mod:`processing.phantom` does that). Each image is encoded
once and its bytes written per visit, so a 54 x 10 study takes seconds.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import json
from pathlib import Path

import nibabel as nib
import numpy as np

MP2RAGE_SIDECAR = {
    "RepetitionTimePreparation": 5.0,
    "RepetitionTimeExcitation": 0.0072,
    "NumberShots": 176,
    "PartialFourier": 0.75,
    "InversionEfficiency": 0.96,
}
ECHO_TIMES = (0.005, 0.01, 0.015)
BVALS = (0,) + (1000,) * 6 + (3000,) * 6  # six directions per shell: enough for a tensor
DIRECTIONS = (
    (1, 0, 0),
    (0, 1, 0),
    (0, 0, 1),
    (0.7071, 0.7071, 0),
    (0.7071, 0, 0.7071),
    (0, 0.7071, 0.7071),
)


def _image_bytes(data: np.ndarray, affine: np.ndarray) -> bytes:
    img = nib.Nifti1Image(data, affine)
    img.set_sform(affine, code=1)
    img.set_qform(affine, code=1)
    return gzip.compress(img.to_bytes(), compresslevel=1, mtime=0)


def visit_templates(
    shape: tuple[int, int, int] = (6, 6, 4),
) -> dict[str, tuple[bytes | str, dict | None]]:
    """File name after ``sub-XX_ses-YY_`` (with datatype folder) -> (content, sidecar)."""
    affine = np.diag([1.0, 1.0, 2.0, 1.0])
    grid = np.indices(shape).sum(axis=0).astype(np.float32)
    magnitude = 100.0 + grid
    phase = np.angle(np.exp(1j * 0.7 * grid)).astype(np.float32)
    files: dict[str, tuple[bytes | str, dict | None]] = {}
    for n, te in enumerate(ECHO_TIMES, start=1):
        files[f"anat/echo-{n}_part-mag_MEGRE.nii.gz"] = (
            _image_bytes(magnitude * np.exp(-20 * te), affine),
            {"EchoTime": te},
        )
        files[f"anat/echo-{n}_part-phase_MEGRE.nii.gz"] = (
            _image_bytes(phase, affine),
            {"EchoTime": te, "Units": "rad"},
        )
        files[f"anat/echo-{n}_MESE.nii.gz"] = (
            _image_bytes(magnitude * np.exp(-12 * te), affine),
            {"EchoTime": 2 * te},
        )
    for inv, (ti, flip) in enumerate(((0.7, 4), (2.5, 5)), start=1):
        files[f"anat/inv-{inv}_MP2RAGE.nii.gz"] = (
            _image_bytes(magnitude, affine),
            {**MP2RAGE_SIDECAR, "InversionTime": ti, "FlipAngle": flip},
        )
    for suffix in ("UNIT1", "FLAIR", "T1w"):
        files[f"anat/{suffix}.nii.gz"] = (_image_bytes(magnitude, affine), {})
    dwi = np.stack([magnitude * np.exp(-0.0008 * b) for b in BVALS], axis=-1)
    files["dwi/dwi.nii.gz"] = (_image_bytes(dwi, affine), {"PhaseEncodingDirection": "j-"})
    files["dwi/dwi.bval"] = (" ".join(str(b) for b in BVALS) + "\n", None)
    vectors = np.array([[0, 0, 0]] + list(DIRECTIONS) * 2, dtype=float).T
    files["dwi/dwi.bvec"] = (
        "\n".join(" ".join(f"{v:g}" for v in row) for row in vectors) + "\n",
        None,
    )
    files["fmap/dir-PA_epi.nii.gz"] = (
        _image_bytes(magnitude, affine),
        {"PhaseEncodingDirection": "j"},
    )
    return files


def write_tiny_study(
    root: str | Path,
    participants: int = 2,
    visits: int = 3,
    shape: tuple[int, int, int] = (6, 6, 4),
) -> Path:
    """Write a valid BIDS study of tiny images; visits are four weeks apart.

    Parameters
    ----------
    root : str or Path
        Folder to create (may exist and be empty).
    participants, visits : int
        Number of participants (``sub-01``...) and visits each (``ses-01``...).
    shape : tuple of int
        Grid of every 3D image.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "dataset_description.json").write_text(
        json.dumps({"Name": "tiny", "BIDSVersion": "1.9.0"}), encoding="utf-8"
    )
    labels = [f"sub-{p:02d}" for p in range(1, participants + 1)]
    rows = "".join(f"{label}\t{60 + i}\n" for i, label in enumerate(labels))
    (root / "participants.tsv").write_text("participant_id\tage\n" + rows, encoding="utf-8")
    templates = visit_templates(shape)
    start = _dt.datetime(2021, 1, 4, 9, 0)
    for label in labels:
        sessions = ["session_id\tacq_time"]
        for v in range(1, visits + 1):
            session = f"ses-{v:02d}"
            sessions.append(f"{session}\t{(start + _dt.timedelta(weeks=4 * (v - 1))).isoformat()}")
            _write_visit(root / label / session, f"{label}_{session}", templates)
        (root / label / f"{label}_sessions.tsv").write_text(
            "\n".join(sessions) + "\n", encoding="utf-8"
        )
    return root


def _write_visit(folder: Path, prefix: str, templates: dict) -> None:
    for relative, (content, sidecar) in templates.items():
        datatype, name = relative.split("/")
        path = folder / datatype / f"{prefix}_{name}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        if sidecar is not None:
            stem = path.name[: -len(".nii.gz")]
            path.with_name(stem + ".json").write_text(json.dumps(sidecar), encoding="utf-8")
