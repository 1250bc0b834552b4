"""One lesion row: the typed record every lesion table, export and comparison reads.

A :class:`LesionRow` joins a lesion's stored metadata
(:class:`~processing.annotations.store.LesionRecord`), its measurements
(:class:`~processing.annotations.geometry.LesionGeometry`), its ratings and
the warning the rater should see. It is a frozen dataclass and also a
read-only mapping of its field names (``row.type`` and ``row["type"]`` are the
same), so readers written for the former dict rows keep working.
:func:`read_lesion_rows` is the one reader: the live session, the review
workspace and the app's rater session all build their rows through it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

from processing.annotations.geometry import LesionGeometry, diameter_warning, measure_lesions
from processing.annotations.labels import LabelVolume
from processing.annotations.relocation import unregistered_acquisition
from processing.annotations.store import LesionRecord, RaterStore


@dataclass(frozen=True, eq=False)
class LesionRow(Mapping[str, Any]):
    """One live lesion: metadata, measurements, ratings and warning (a read-only mapping)."""

    lesion_id: int
    type: str
    visit: str | None
    onset_visit: str | None
    origin: str
    centre: tuple[float, float, float]
    voxels: int
    volume_mm3: float
    diameter_mm: float
    in_cortex: bool | None
    ratings: Mapping[str, str]
    created: str
    modified: str
    warning: str | None

    def __getitem__(self, key: str) -> Any:
        if key not in _FIELDS:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(_FIELDS)

    def __len__(self) -> int:
        return len(_FIELDS)


_FIELDS = tuple(f.name for f in fields(LesionRow))


def lesion_row(
    record: LesionRecord, shape: LesionGeometry, ratings: Mapping[str, str]
) -> LesionRow:
    """Return one lesion's row from its record, measurements and ratings."""
    return LesionRow(
        lesion_id=record.lesion_id,
        type=record.type,
        visit=record.visit,
        onset_visit=record.onset_visit,
        origin=record.origin,
        centre=shape.centre,
        voxels=shape.voxels,
        volume_mm3=shape.volume_mm3,
        diameter_mm=shape.diameter_mm,
        in_cortex=shape.in_cortex,
        ratings=dict(ratings),
        created=record.created,
        modified=record.modified,
        warning=lesion_warning(record, shape),
    )


def lesion_warning(record: LesionRecord, shape: LesionGeometry) -> str | None:
    """Return what the rater should know about a lesion: its size, or a pending registration."""
    notes = [diameter_warning(record.type, shape.diameter_mm)]
    acquisition = unregistered_acquisition(record.origin)
    if acquisition is not None:
        notes.append(
            f"painted on {record.visit} {acquisition} before its registration: the mask moves "
            "with that image when the registration arrives."
        )
    return "\n".join(note for note in notes if note) or None


def measure_labels(labels: LabelVolume, cortex=None) -> dict[int, LesionGeometry]:
    """Return the measurements of every lesion of ``labels`` (under its lock)."""
    with labels.lock:
        return measure_lesions(labels.data, labels.grid, cortex)


def read_lesion_rows(store: RaterStore, geometry: Mapping[int, LesionGeometry]) -> list[LesionRow]:
    """Return the rows of the store's live lesions that have voxels, by lesion ID.

    Parameters
    ----------
    store : RaterStore
        The rater's store (read-only or writable).
    geometry : mapping of int to LesionGeometry
        The measurements of the labels (:func:`measure_labels`); a lesion
        without voxels has none and no row.
    """
    ratings = store.ratings()
    return [
        lesion_row(record, geometry[record.lesion_id], ratings.get(record.lesion_id, {}))
        for record in store.lesions()
        if record.lesion_id in geometry
    ]
