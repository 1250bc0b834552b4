"""A tiny GRE-only study with a rater's microbleeds, for the nnU-Net export and import.

One participant, three visits. Each visit has a two-echo MEGRE (magnitude) of
24 x 28 x 12 voxels of 1 x 1 x 2 mm and Ferret's SWI and R2* maps on that grid,
except ses-03, which has no R2* map. Without DWI or T1 the reference grid is
ses-01's MEGRE grid, so ses-01's GRE grid is the reference grid exactly. With
``moved=True`` ses-02 is acquired on another grid (``MOVED_GRID``: 30 x 35 x 10
voxels of 0.8 x 0.8 x 2.5 mm, coarser than the reference in z) and its head
is rotated by 7 degrees about z and shifted by (1.3, -0.6, 0.9) mm (its
registered ``to-ref`` transform says so); otherwise every visit sits still on the reference grid (identity).

Rater ``AB`` marked four CMB lesions: at ses-01 a ball of radius 1.6 mm and a
single voxel, at ses-02 a ball of radius 2.2 mm and a single voxel (which the
moved round trip makes two).
"""

from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import numpy as np

from processing.annotations.editing import components_as_lesions
from processing.annotations.workspace import RaterWorkspace
from processing.phantom.perfect_registration import write_truth_transform
from processing.spaces.grid import Grid
from processing.study import discover

SHAPE = (24, 28, 12)
AFFINE = np.array([[1.0, 0, 0, -12], [0, 1.0, 0, -14], [0, 0, 2.0, -12], [0, 0, 0, 1]])
GRID = Grid(SHAPE, AFFINE)
MOVED_GRID = Grid(
    (30, 35, 10),
    np.array([[0.8, 0, 0, -12.1], [0, 0.8, 0, -14.1], [0, 0, 2.5, -12.4], [0, 0, 0, 1]]),
)
VISITS = ("ses-01", "ses-02", "ses-03")
#: (visit, centre voxel, radius mm) of the rater's lesions
LESIONS = (
    ("ses-01", (8, 9, 5), 1.6),
    ("ses-01", (16, 20, 7), 0.4),
    ("ses-02", (12, 16, 4), 2.2),
    ("ses-02", (6, 21, 7), 0.4),
)


def moved_transform(angle_deg: float = 7.0, shift=(1.3, -0.6, 0.9)) -> np.ndarray:
    """Return ses-02's ``ref_from_MEGRE``: a rotation about z through the grid centre, then a shift."""
    angle = np.deg2rad(angle_deg)
    rotation = np.eye(4)
    rotation[:2, :2] = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    centre = np.eye(4)
    centre[:3, 3] = AFFINE[:3, :3] @ ((np.array(SHAPE) - 1) / 2) + AFFINE[:3, 3]
    shifted = np.eye(4)
    shifted[:3, 3] = shift
    return shifted @ centre @ rotation @ np.linalg.inv(centre)


def ball(centre, radius_mm: float) -> np.ndarray:
    """Return the voxels of GRID whose centre lies within ``radius_mm`` of voxel ``centre``."""
    ijk = np.indices(SHAPE).reshape(3, -1).T
    world, middle = GRID.voxel_to_world(ijk), GRID.voxel_to_world(np.asarray(centre))
    inside = np.linalg.norm(world - middle, axis=1) <= radius_mm
    return inside.reshape(SHAPE)


def save(path: Path, data: np.ndarray, grid: Grid, sidecar: dict | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = nib.Nifti1Image(np.asarray(data, np.float32), grid.affine)
    image.set_sform(grid.affine, code=1)
    image.set_qform(grid.affine, code=1)
    nib.save(image, str(path))
    if sidecar is not None:
        path.with_name(path.name.replace(".nii.gz", ".json")).write_text(json.dumps(sidecar))


def write_visit(root: Path, session: str, seed: int, grid: Grid = GRID) -> None:
    prefix = f"sub-01_{session}"
    rng = np.random.default_rng(seed)
    tissue = 400 + rng.normal(0, 5, grid.shape)
    for echo, te in ((1, 0.005), (2, 0.015)):
        name = f"{prefix}_echo-{echo}_part-mag_MEGRE.nii.gz"
        save(
            root / "sub-01" / session / "anat" / name,
            tissue * np.exp(-20 * te),
            grid,
            {"EchoTime": te},
        )
    maps = root / "derivatives" / "ferret" / "sub-01" / session / "anat"
    swi = tissue.copy()
    swi[0, 0, 0] = np.nan  # nnU-Net refuses NaN: the export must clean it
    save(maps / f"{prefix}_desc-swi_GRE.nii.gz", swi, grid)
    if session != "ses-03":
        save(maps / f"{prefix}_R2starmap.nii.gz", 20 + rng.normal(0, 1, grid.shape), grid)


def mark_lesions(root: Path, rater: str = "AB") -> None:
    """Store the rater's CMB lesions of LESIONS through the rater workspace."""
    with RaterWorkspace(root, rater) as workspace:
        session = workspace.open_session("sub-01", GRID, lesion_type="CMB")
        for visit, centre, radius in LESIONS:
            session.visit = visit
            components_as_lesions(ball(centre, radius), session.labels)
        session.flush()


def write_gre_study(root: Path, moved: bool = False) -> Path:
    """Write the study of the module docstring with rater AB's lesions; return its root."""
    root.mkdir(parents=True)
    (root / "dataset_description.json").write_text('{"Name": "gre", "BIDSVersion": "1.9.0"}')
    (root / "participants.tsv").write_text("participant_id\tage\nsub-01\t70\n")
    for n, session in enumerate(VISITS):
        write_visit(root, session, seed=n, grid=MOVED_GRID if moved and n == 1 else GRID)
    if moved:
        visit = discover(root).participants["sub-01"].visit("ses-02")
        write_truth_transform(visit, "MEGRE", moved_transform())
    mark_lesions(root)
    return root


def rater_labels(root: Path, rater: str) -> tuple[np.ndarray, dict[int, str]]:
    """Return a rater's reference-space label volume and each lesion's visit."""
    from processing.annotations.workspace import ReviewWorkspace

    labels, rows = ReviewWorkspace(root).read(rater, "sub-01")
    return labels.data, {row.lesion_id: row.visit for row in rows}
