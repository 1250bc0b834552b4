"""The phantom's ground truth: where it is stored and how to read it.

Layout, under ``<study>/derivatives/phantom-truth/`` (ignored by the study
model)::

    sub-01/sub-01_truth.json
    sub-01/ses-01/sub-01_ses-01_acq-<ACQ>_<map>.nii.gz

``<ACQ>`` is MP2RAGE, MEGRE, MESE, FLAIR, dwi or epi; ``<map>`` is ``dseg``
(tissue labels; ``vein`` marks voxels at least half vein), ``desc-veins_probseg``
(each voxel's volume fraction of vein, float; absent without veins),
``desc-lesions_dseg`` (lesion labels: the lesion's
``label``, marked at every visit, also before an A-CMI's onset), and the true
parameters the acquisition measures: ``T1map``/``R1map`` (MP2RAGE),
``R2starmap``/``S0map``/``fieldmap`` (MEGRE; field in ppm), ``T2map``/
``R2map``/``S0map`` (MESE), ``MDmap``/``FAmap`` (dwi). Every map lies on its
acquisition's grid, voxel for voxel. ``R2starmap`` is the tissue's R2*: the
MEGRE magnitudes additionally lose signal from intravoxel field gradients
near susceptibility sources (blooming), so an R2* fit there reads higher.

Example::

    truth = load_truth(study_root, "sub-01")
    megre = truth.acquisition("ses-02", "MEGRE")
    ijk = megre.anatomy_to_voxel(truth.lesion("acmi-01").centre_mm[None])
    mask = megre.load_map("lesions") == truth.lesion("acmi-01").label
    move = truth.world_transform(("ses-02", "MEGRE"), ("ses-01", "MP2RAGE"))

The JSON holds the lesions (id, label, type, subtype, centre and radii in
anatomy mm, onset visit, per-session parameter values), the veins (kind,
centreline ``points_mm`` and ``radii_mm`` in anatomy mm: ask
:meth:`ParticipantTruth.vein_clearance` whether a point lies on one) and per session and
acquisition ``world_from_anatomy`` (4x4 RAS: where the head movement put the
anatomy in that scan's world), the image ``affine`` and ``shape``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.fileio import load_nifti

TRUTH_DIRNAME = "phantom-truth"
MAP_SUFFIX = {"tissue": "dseg", "lesions": "desc-lesions_dseg", "veins": "desc-veins_probseg"}


def truth_root(study_root: str | Path) -> Path:
    """``<study>/derivatives/phantom-truth``."""
    return Path(study_root) / "derivatives" / TRUTH_DIRNAME


def map_filename(participant: str, session: str, acquisition: str, name: str) -> str:
    """File name of a truth map (``name`` is ``tissue``, ``lesions`` or e.g. ``R2starmap``)."""
    return f"{participant}_{session}_acq-{acquisition}_{MAP_SUFFIX.get(name, name)}.nii.gz"


@dataclass
class AcquisitionTruth:
    """Geometry and truth maps of one acquisition at one visit."""

    session: str
    name: str
    world_from_anatomy: np.ndarray
    affine: np.ndarray
    shape: tuple[int, ...]
    maps: dict[str, Path]
    files: list[str]

    def load_map(self, name: str) -> np.ndarray:
        """Read a truth map (``tissue``, ``lesions``, ``R2starmap``, ...) as an array."""
        if name not in self.maps:
            raise KeyError(f"{self.name} has no truth map {name!r}; it has {sorted(self.maps)}")
        return load_nifti(self.maps[name], dtype=None)[0]

    def voxel_from_anatomy(self) -> np.ndarray:
        """4x4 matrix taking anatomy mm to this acquisition's voxel indices."""
        return np.linalg.inv(self.affine) @ self.world_from_anatomy

    def anatomy_to_voxel(self, points_mm) -> np.ndarray:
        """Continuous voxel coordinates ``(N, 3)`` of anatomy points ``(N, 3)``."""
        m = self.voxel_from_anatomy()
        return np.asarray(points_mm, dtype=float) @ m[:3, :3].T + m[:3, 3]


@dataclass
class LesionTruth:
    """One planted lesion (see :mod:`processing.phantom.lesions`)."""

    id: str
    label: int
    type: str
    subtype: str
    centre_mm: np.ndarray
    radii_mm: np.ndarray
    onset_visit: int | None
    onset_session: str | None
    values: dict[str, dict[str, float]]


@dataclass
class VeinTruth:
    """One vein (see :mod:`processing.phantom.veins`): a centreline in anatomy mm with radii."""

    kind: str
    points_mm: np.ndarray
    radii_mm: np.ndarray

    @property
    def length_mm(self) -> float:
        """Length of the centreline."""
        return float(np.sum(np.linalg.norm(np.diff(self.points_mm, axis=0), axis=1)))

    def clearance(self, points_mm) -> np.ndarray:
        """Distance (mm) from points ``(N, 3)`` to the vein's surface; negative inside."""
        from processing.phantom.veins import tube_clearance

        return tube_clearance(points_mm, self.points_mm, self.radii_mm)


@dataclass
class ParticipantTruth:
    """Everything known about one phantom participant."""

    participant: str
    sessions: list[str]
    lesions: list[LesionTruth]
    acquisitions: dict[tuple[str, str], AcquisitionTruth]
    record: dict
    veins: list[VeinTruth]

    @property
    def has_veins(self) -> bool:
        """False for a phantom made without veins."""
        return "veins" in self.record

    def vein_clearance(self, points_mm) -> np.ndarray:
        """Distance (mm) from anatomy points ``(N, 3)`` to the nearest vein surface (inf: no veins).

        Negative inside a vein. A candidate in a scan's world maps to anatomy
        through ``inv(world_from_anatomy)`` of that acquisition.
        """
        points = np.asarray(points_mm, dtype=float).reshape(-1, 3)
        if not self.veins:
            return np.full(len(points), np.inf)
        return np.min([vein.clearance(points) for vein in self.veins], axis=0)

    def acquisition(self, session: str, name: str) -> AcquisitionTruth:
        """Truth of acquisition ``name`` (MP2RAGE, MEGRE, MESE, FLAIR, dwi, epi) at ``session``."""
        return self.acquisitions[(session, name)]

    def world_transform(self, source: tuple[str, str], target: tuple[str, str]) -> np.ndarray:
        """Return the true 4x4 map from ``source``'s world to ``target``'s world (RAS mm).

        ``source`` and ``target`` are ``(session, acquisition)`` pairs. A
        point ``x`` in the source scan's world is the same anatomy as
        ``M @ x`` in the target scan's world: what a perfect registration
        of source onto target finds.
        """
        return self.acquisition(*target).world_from_anatomy @ np.linalg.inv(
            self.acquisition(*source).world_from_anatomy
        )

    def lesion(self, lesion_id: str) -> LesionTruth:
        """Return the lesion with this id (e.g. ``acmi-01``)."""
        return next(item for item in self.lesions if item.id == lesion_id)

    def lesions_of(self, lesion_type: str) -> list[LesionTruth]:
        """Lesions of one type (``acmi``, ``ccmi``, ``microbleed``, ``wmh``)."""
        return [item for item in self.lesions if item.type == lesion_type]


def load_truth(study_root: str | Path, participant: str) -> ParticipantTruth:
    """Read the truth of ``participant`` (``sub-01``) of a phantom study.

    Raises
    ------
    FerretError
        If the study has no phantom truth for that participant.
    """
    base = truth_root(study_root) / participant
    path = base / f"{participant}_truth.json"
    if not path.is_file():
        raise FerretError(
            "no phantom truth for this participant.",
            path,
            "only studies made by `ferret phantom` carry a truth.",
        )
    record = json.loads(path.read_text(encoding="utf-8"))
    lesions = [
        LesionTruth(
            item["id"],
            item["label"],
            item["type"],
            item["subtype"],
            np.array(item["centre_mm"]),
            np.array(item["radii_mm"]),
            item["onset_visit"],
            item["onset_session"],
            item["values"],
        )
        for item in record["lesions"]
    ]
    acquisitions = {}
    for session, entries in record["acquisitions"].items():
        for name, entry in entries.items():
            maps = {key: base / session / value for key, value in entry["truth_maps"].items()}
            acquisitions[(session, name)] = AcquisitionTruth(
                session,
                name,
                np.array(entry["world_from_anatomy"]),
                np.array(entry["affine"]),
                tuple(entry["shape"]),
                maps,
                entry["files"],
            )
    veins = [
        VeinTruth(item["kind"], np.array(item["points_mm"]), np.array(item["radii_mm"]))
        for item in record.get("veins", [])
    ]
    return ParticipantTruth(participant, record["sessions"], lesions, acquisitions, record, veins)
