"""A tiny study to screen: the app tests' small study plus planted foci on b1000 traces and a candidate table.

The reference grid is the first visit's DWI grid (40 x 48 x 20 voxels of
1 x 1 x 2 mm). Each visit's reference-space b1000 trace is 500 plus noise of
SD 10, and:

- focus A at ses-02, voxel (20, 24, 10): +300 at its core, +250 on its four
  in-plane neighbours, +220 above and below (7 voxels; half its contrast is 650);
- focus B at ses-03, voxel (12, 30, 8): a single voxel of +300;
- a wide bright block at ses-03 around voxel (28, 34, 10) (+300 on 7 x 7 x 3
  voxels, 7 x 7 x 6 mm): growing from it must stop at the 5 mm ball.

The candidates table ranks them: 1 = A, 2 = a false candidate at ses-02,
voxel (30, 14, 12) (nothing there), 3 = B, 4 = the block.

:func:`write_microbleeds` adds microbleeds: each visit's reference-space SWI is
400 plus noise of SD 10 and R2* 20 plus noise of SD 1, with

- microbleed M at voxel (10, 12, 12), at every visit: SWI -250 at its core and
  -200 on its six face neighbours (7 voxels; half its depth is 275), R2* +40
  there, and a faint blooming halo (-40 on SWI) on the 3 x 3 x 3 block around;
- new microbleed N at ses-03 only, voxel (30, 36, 6): a single voxel of -250
  on SWI, +40 on R2*; ses-03 has no SWI (it grows on R2* instead).

Its ``cmb`` table: 1 = M at ses-02, 2 = a false candidate at ses-01, voxel
(8, 36, 14); its ``cmb-new`` table: 1 = N at ses-03.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from processing.candidates.table import Candidate, candidates_file, write_candidates
from tests.app.conftest import RAS_AFFINE, SHAPE, VISITS, save, write_small_study

FOCUS_A, FALSE, FOCUS_B, BLOCK = (20, 24, 10), (30, 14, 12), (12, 30, 8), (28, 34, 10)
#: (visit, voxel) of the candidates, rank 1 first
CANDIDATES = (("ses-02", FOCUS_A), ("ses-02", FALSE), ("ses-03", FOCUS_B), ("ses-03", BLOCK))
BLEED, BLEED_FALSE, NEW_BLEED = (10, 12, 12), (8, 36, 14), (30, 36, 6)
#: kind -> (visit, voxel) of the microbleed candidates, rank 1 first
BLEED_CANDIDATES = {
    "cmb": (("ses-02", BLEED), ("ses-01", BLEED_FALSE)),
    "cmb-new": (("ses-03", NEW_BLEED),),
}


def world(ijk) -> np.ndarray:
    """RAS mm of a voxel of the reference grid."""
    return RAS_AFFINE[:3, :3] @ np.asarray(ijk, float) + RAS_AFFINE[:3, 3]


def focus_a_mask() -> np.ndarray:
    mask = np.zeros(SHAPE, bool)
    i, j, k = FOCUS_A
    mask[i - 1 : i + 2, j, k] = mask[i, j - 1 : j + 2, k] = mask[i, j, k - 1 : k + 2] = True
    return mask


def trace(visit: str, seed: int) -> np.ndarray:
    data = 500 + np.random.default_rng(seed).normal(0, 10, SHAPE)
    if visit == "ses-02":
        data[focus_a_mask()] += 250
        data[FOCUS_A[0], FOCUS_A[1], FOCUS_A[2] - 1 : FOCUS_A[2] + 2] -= 30
        data[FOCUS_A] += 80
    if visit == "ses-03":
        data[FOCUS_B] += 300
        i, j, k = BLOCK
        data[i - 3 : i + 4, j - 3 : j + 4, k - 1 : k + 2] += 300
    return data.astype(np.float32)


def bleed_mask() -> np.ndarray:
    """Return the core of microbleed M: its voxel and the six face neighbours."""
    mask = np.zeros(SHAPE, bool)
    i, j, k = BLEED
    mask[i - 1 : i + 2, j, k] = mask[i, j - 1 : j + 2, k] = mask[i, j, k - 1 : k + 2] = True
    return mask


def gre_maps(visit: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """SWI and R2* of one visit (see the module docstring)."""
    rng = np.random.default_rng(100 + seed)
    swi, r2star = 400 + rng.normal(0, 10, SHAPE), 20 + rng.normal(0, 1, SHAPE)
    i, j, k = BLEED
    swi[i - 1 : i + 2, j - 1 : j + 2, k - 1 : k + 2] -= 40
    swi[bleed_mask()] -= 160
    swi[BLEED] -= 50
    r2star[bleed_mask()] += 40
    if visit == "ses-03":
        swi[NEW_BLEED] -= 250
        r2star[NEW_BLEED] += 40
    return swi.astype(np.float32), r2star.astype(np.float32)


def gre_path(root: Path, participant: str, visit: str, name: str) -> Path:
    folder = root / "derivatives" / "ferret" / participant / visit / "anat"
    return folder / f"{participant}_{visit}_space-ref_{name}.nii.gz"


def write_microbleeds(root: Path, participant: str = "sub-01") -> Path:
    """Add the microbleeds of the module docstring (SWI, R2*, two tables) to a screening study."""
    for n, visit in enumerate(VISITS):
        swi, r2star = gre_maps(visit, n)
        if visit != "ses-03":
            save(gre_path(root, participant, visit, "desc-swi_GRE"), swi, RAS_AFFINE)
        save(gre_path(root, participant, visit, "R2starmap"), r2star, RAS_AFFINE)
    for kind, candidates in BLEED_CANDIDATES.items():
        rows = [
            Candidate(participant, visit, kind, 10.0 - rank, tuple(world(ijk)), 3.0, None, {}, rank)
            for rank, (visit, ijk) in enumerate(candidates, start=1)
        ]
        write_candidates(rows, candidates_file(root, participant, kind))
    return root


def trace_path(root: Path, participant: str, visit: str) -> Path:
    folder = root / "derivatives" / "ferret" / participant / visit / "dwi"
    return folder / f"{participant}_{visit}_space-ref_desc-b1000_trace.nii.gz"


def write_screening_study(root: Path, participant: str = "sub-01") -> Path:
    """Write the study of the module docstring (one participant) under ``root``; return it."""
    write_small_study(root, participants=(participant,))
    for n, visit in enumerate(VISITS):
        save(trace_path(root, participant, visit), trace(visit, n), RAS_AFFINE)
    rows = [
        Candidate(participant, visit, "acmi", 10.0 - rank, tuple(world(ijk)), 2.0, True, {}, rank)
        for rank, (visit, ijk) in enumerate(CANDIDATES, start=1)
    ]
    write_candidates(rows[::-1], candidates_file(root, participant, "acmi"))  # rank, not file order
    return root
