"""What the import dialog asks for, and the session it suggests, without Qt."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from processing.dicom.visit import ImportResult
from processing.errors import FerretError
from processing.progress import Progress
from processing.study.model import Study

_NUMBERED = re.compile(r"ses-(\d+)")


@dataclass(frozen=True)
class ImportRequest:
    """One import as the dialog filled it in (``ferret import-dicom``'s arguments)."""

    dicom_dir: str
    study: Path
    participant: str
    session: str
    dry_run: bool = False
    overwrite: bool = False
    earlier: bool = False

    def check(self) -> None:
        """Refuse an empty folder field (``Path("")`` would be the working folder).

        Raises
        ------
        FerretError
            When no DICOM folder was given.
        """
        if not self.dicom_dir.strip():
            raise FerretError(
                "no DICOM folder given.", fix="choose the folder holding one visit's DICOM."
            )

    def run(self, progress: Progress) -> ImportResult:
        """Import as asked (in the calling thread); see :func:`processing.dicom.import_visit`."""
        from processing.dicom import import_visit

        self.check()
        return import_visit(
            Path(self.dicom_dir.strip()).expanduser(),
            self.study,
            self.participant.strip(),
            self.session.strip(),
            dry_run=self.dry_run,
            overwrite=self.overwrite,
            earlier=self.earlier,
            progress=progress,
        )


def next_free_session(taken: Iterable[str]) -> str:
    """Return the session after the highest numbered one, with its zero padding.

    Examples
    --------
    >>> next_free_session(["ses-01", "ses-02"])
    'ses-03'
    >>> next_free_session(["ses-009", "ses-baseline"])
    'ses-010'
    >>> next_free_session([])
    'ses-01'
    """
    numbered = [m.group(1) for s in taken if (m := _NUMBERED.fullmatch(s))]
    width = max([len(n) for n in numbered] + [2])
    following = max((int(n) for n in numbered), default=0) + 1
    return f"ses-{following:0{width}d}"


def suggested_session(study: Study, participant: str) -> str:
    """Return the next free session of ``participant`` (visits known and folders on disk)."""
    known = study.participants.get(participant)
    taken = {v.session for v in known.visits} if known is not None else set()
    folder = study.root / participant
    if folder.is_dir():
        taken |= {p.name for p in folder.iterdir() if p.is_dir() and p.name.startswith("ses-")}
    return next_free_session(taken)
