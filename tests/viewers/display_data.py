"""A small synthetic participant on distinct grids, for the display-resolution tests.

Two visits; each has a raw DWI of 3.4 mm voxels (the reference grid), derived
DWI trace, R1 and SWI maps on their own grids (3.4, 1.7 and 1.6 x 1.6 x 4 mm),
and rigid ``to-ref`` transforms (visit 2 rotated by a few degrees), as the
full-scale bench's participant (``bench/viewer.py``) at a quarter of its resolution.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import nibabel as nib
import numpy as np

from processing.registration import store
from processing.registration.geometry import rigid_matrix
from processing.study.model import Acquisition, ImageFile, Participant, Study, Visit

#: column -> (derived name, acquisition, shape, voxel mm, datatype)
GRIDS = {
    "b1000": ("desc-b1000_trace", "dwi", (32, 32, 20), 3.4, "dwi"),
    "R1": ("R1map", "UNIT1", (60, 64, 48), 1.7, "anat"),
    "SWI": ("desc-swi_GRE", "MEGRE", (72, 72, 19), (1.6, 1.6, 4.0), "anat"),
}
REFERENCE = ((32, 32, 20), 3.4)


def centred_affine(shape, voxel) -> np.ndarray:
    """Return a RAS affine of ``voxel`` mm whose grid is centred on the origin."""
    affine = np.diag(list(np.broadcast_to(np.asarray(voxel, dtype=float), 3)) + [1.0])
    affine[:3, 3] = -affine[:3, :3] @ (np.array(shape) / 2)
    return affine


def head(shape, seed: int) -> np.ndarray:
    """Return an ellipsoid with texture (values about 300..900), zero outside, float32."""
    axes = [np.linspace(-1, 1, n, dtype=np.float32) for n in shape]
    x, y, z = np.meshgrid(*axes, indexing="ij", sparse=True)
    inside = x**2 + y**2 + z**2 < 0.8
    rng = np.random.default_rng(seed)
    texture = 600 + 300 * np.sin(9 * x) * np.cos(7 * y) + rng.normal(0, 20, shape)
    return (texture * inside).astype(np.float32)


def write_participant(root: Path, visits: int = 2) -> Study:
    """Write the participant under ``root``; return the study holding it."""
    participant = Participant("sub-01")
    for number in range(visits):
        session = f"ses-{number + 1:02d}"
        visit = Visit(
            "sub-01",
            session,
            root / "sub-01" / session,
            root,
            dt.datetime(2024, 1, 1) + dt.timedelta(weeks=4 * number),
            4.0 * number,
        )
        raw = visit.path / "dwi" / f"{visit.prefix}_dwi.nii.gz"
        raw.parent.mkdir(parents=True, exist_ok=True)
        nib.save(nib.Nifti1Image(np.zeros(REFERENCE[0], np.int16), centred_affine(*REFERENCE)), raw)
        visit.acquisitions = {
            "dwi": Acquisition("dwi", [ImageFile(raw, {"sub": "01"}, "dwi")]),
            "UNIT1": Acquisition("UNIT1", []),
            "MEGRE": Acquisition("MEGRE", []),
        }
        for column, (name, acquisition, shape, voxel, datatype) in GRIDS.items():
            path = visit.derivative(f"{name}.nii", datatype)
            path.parent.mkdir(parents=True, exist_ok=True)
            image = head(shape, seed=10 * number + len(column))
            nib.save(nib.Nifti1Image(image, centred_affine(shape, voxel)), str(path))
            visit.derived[f"{name}.nii"] = path
            xfm = store.xfm_path(visit, acquisition, "ref")
            if not store.sidecar_of(xfm).exists():
                angles = (3.0, -2.0, 1.5) if number else (0.0, 0.0, 0.0)
                store.write_transform(
                    xfm,
                    rigid_matrix(np.array(angles), np.array([1.0, -0.5, 0.8]) * number),
                    source=acquisition,
                    target="ref",
                    method="test",
                    parameters={},
                    inputs=[],
                )
        participant.visits.append(visit)
    return Study(root, {"sub-01": participant}, name="display")
