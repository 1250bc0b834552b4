"""Rating and review modes: who may open which annotations, and what they see.

Rating mode (:class:`RaterWorkspace`) holds the write lock of one rater's folder
and opens nothing else: no other rater's annotations, and participants.tsv
reduced to the participant IDs (blinding). Review mode (:class:`ReviewWorkspace`)
is entered explicitly, reads every rater's annotations read-only and shows the
clinical columns.
"""

from __future__ import annotations

import contextlib
import csv
import re
from collections.abc import Iterator
from pathlib import Path

from processing.annotations.labels import LabelVolume
from processing.annotations.lock import RaterLock
from processing.annotations.rows import LesionRow, measure_labels, read_lesion_rows
from processing.annotations.session import AnnotationSession
from processing.annotations.store import RaterStore
from processing.errors import FerretError
from processing.spaces.grid import Grid
from processing.spaces.reference import grid_of_image
from processing.study.model import ANNOTATIONS_DIRNAME

_LABEL = re.compile(r"^[A-Za-z0-9]+$")
BLINDED_KEEP = ("participant_id",)


def annotations_root(study_root: str | Path) -> Path:
    """``<study>/derivatives/ferret-annotations``."""
    return Path(study_root) / "derivatives" / ANNOTATIONS_DIRNAME


def rater_folder(study_root: str | Path, rater: str) -> Path:
    """``.../ferret-annotations/rater-<id>``; the ID must be letters and digits (a BIDS label)."""
    if not _LABEL.match(rater or ""):
        raise FerretError(
            f"rater ID {rater!r} must be letters and digits only.",
            None,
            "use e.g. --rater AB or --rater 2.",
        )
    return annotations_root(study_root) / f"rater-{rater}"


def existing_rater_folder(study_root: str | Path, rater: str) -> Path:
    """Return :func:`rater_folder` when it exists; a FerretError naming it when the rater has none."""
    folder = rater_folder(study_root, rater)
    if not folder.is_dir():
        raise FerretError(
            f"rater {rater} has no annotations in this study.",
            folder,
            "check --rater (annotation folders are named rater-<id>).",
        )
    return folder


def read_participants(study_root: str | Path) -> list[dict[str, str]]:
    """Rows of participants.tsv (all columns; empty when the file is absent)."""
    path = Path(study_root) / "participants.tsv"
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


class RaterWorkspace:
    """Rating mode for one rater: the only way to write annotations."""

    def __init__(self, study_root: str | Path, rater: str):
        self.study_root, self.rater = Path(study_root), rater
        self.folder = rater_folder(study_root, rater)
        self.lock = RaterLock(self.folder)
        self.sessions: list[AnnotationSession] = []

    def participant_table(self) -> list[dict[str, str]]:
        """participants.tsv with the clinical columns removed (blinded)."""
        return [
            {k: row.get(k, "") for k in BLINDED_KEEP} for row in read_participants(self.study_root)
        ]

    def open_session(
        self, participant: str, grid: Grid | None = None, **options
    ) -> AnnotationSession:
        """Open (or create) this rater's annotations of ``participant`` for editing."""
        store = RaterStore(self.folder / participant, self.rater, participant)
        session = AnnotationSession(store, grid, **options)
        self.sessions.append(session)
        return session

    def close(self) -> None:
        """Close every session and release the lock."""
        for session in self.sessions:
            session.close()
        self.sessions.clear()
        self.lock.release()

    def __enter__(self) -> RaterWorkspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def read_only_store(study_root: str | Path, rater: str, participant: str) -> Iterator[RaterStore]:
    """Yield a rater's store of one participant, opened read-only and closed afterwards.

    Raises
    ------
    FerretError
        When the rater has no annotations of the participant.
    """
    folder = rater_folder(study_root, rater) / participant
    if not folder.is_dir():
        raise FerretError(
            f"rater {rater} has no annotations of {participant}.",
            folder,
            "check the rater ID (the folder is rater-<ID>) and the participant.",
        )
    store = RaterStore(folder, rater, participant, readonly=True)
    try:
        yield store
    finally:
        store.close()


class ReviewWorkspace:
    """Review mode: everyone's annotations read-only, clinical columns visible."""

    def __init__(self, study_root: str | Path):
        self.study_root = Path(study_root)

    def raters(self) -> list[str]:
        """Rater IDs that have an annotations folder."""
        root = annotations_root(self.study_root)
        return sorted(p.name[len("rater-") :] for p in root.glob("rater-*") if p.is_dir())

    def participants_of(self, rater: str) -> list[str]:
        """Participants this rater annotated."""
        return sorted(
            p.name for p in rater_folder(self.study_root, rater).glob("sub-*") if p.is_dir()
        )

    def participant_table(self) -> list[dict[str, str]]:
        """participants.tsv with every column."""
        return read_participants(self.study_root)

    def grid_of(self, rater: str, participant: str) -> Grid | None:
        """Return the grid of a rater's saved labels of a participant (header only), or None."""
        path = (
            rater_folder(self.study_root, rater)
            / participant
            / f"{participant}_space-ref_desc-lesions_dseg.nii.gz"
        )
        if not path.exists():
            return None
        return grid_of_image(path)

    def read(
        self, rater: str, participant: str, cortex=None
    ) -> tuple[LabelVolume, list[LesionRow]]:
        """Return a rater's labels and lesion rows of one participant, read-only."""
        with read_only_store(self.study_root, rater, participant) as store:
            labels = store.load_labels(None)
            rows = read_lesion_rows(store, measure_labels(labels, cortex))
        return labels, rows
