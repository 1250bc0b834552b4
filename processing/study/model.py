"""Plain data classes of a study: Study -> Participant -> Visit -> Acquisition -> ImageFile.

These classes are the contract between discovery, the engine and the viewers.
They hold paths and small metadata only; image data is read on demand by the
code that needs it.

Naming (BIDS, DESIGN section 4), per visit ``sub-XX/ses-YY/``:

========  ===========================================================  =========
kind      files                                                        datatype
========  ===========================================================  =========
MEGRE     ``*_echo-<n>_part-mag_MEGRE.nii.gz`` and ``part-phase``       anat
MP2RAGE   ``*_inv-1_MP2RAGE.nii.gz``, ``*_inv-2_MP2RAGE.nii.gz``          anat
UNIT1     ``*_UNIT1.nii.gz`` (the MP2RAGE uniform image)                anat
T1map     ``*_T1map.nii.gz`` (scanner-made)                             anat
MESE      ``*_echo-<n>_MESE.nii.gz``                                    anat
FLAIR     ``*_FLAIR.nii.gz``                                            anat
T1w       ``*_T1w.nii.gz``                                              anat
T2w       ``*_T2w.nii.gz``                                              anat
dwi       ``*_dwi.nii.gz`` with ``.bval``/``.bvec``                     dwi
epi       ``*_dir-<d>_epi.nii.gz`` (reversed phase-encoding b=0)        fmap
========  ===========================================================  =========

Every image may have a JSON sidecar of the same stem.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from processing.errors import FerretError

ACQUISITION_KINDS = (
    "MEGRE",
    "MP2RAGE",
    "UNIT1",
    "T1map",
    "MESE",
    "FLAIR",
    "T1w",
    "T2w",
    "dwi",
    "epi",
)

DERIVATIVES_DIRNAME = "ferret"
ANNOTATIONS_DIRNAME = "ferret-annotations"


class SidecarError(FerretError, ValueError):
    """A JSON sidecar that cannot be read or is not a JSON object.

    Also a ``ValueError``, so tolerant readers (discovery) that skip unreadable
    sidecars keep working, while the command line shows it as a FerretError.
    """


MAX_SIDECAR_BYTES = 4 << 20  # a BIDS sidecar is a few kB; more is not a sidecar


def read_sidecar(path: Path) -> dict[str, Any]:
    """Return a JSON sidecar's object, or a :class:`SidecarError` saying in plain words what is wrong.

    Never shows the json module's own exception text; refuses folders, FIFOs
    and files far larger than any sidecar before reading, and nesting deep
    enough to exhaust Python's recursion limit.
    """
    from processing.fileio.regular import require_regular_file

    try:
        info = require_regular_file(path, "a JSON sidecar")
    except FerretError as exc:
        raise SidecarError(exc.problem, path, exc.fix) from None
    if info.st_size > MAX_SIDECAR_BYTES:
        raise SidecarError(
            f"{info.st_size} bytes: far larger than a JSON sidecar.",
            path,
            "replace it with the sidecar written by the converter (dcm2niix).",
        )
    try:
        content = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise SidecarError(
            "this JSON sidecar is not UTF-8 text.",
            path,
            "save it as UTF-8, or write it again from the converter.",
        ) from None
    except json.JSONDecodeError as exc:
        raise SidecarError(
            f"this JSON sidecar is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg.lower()}).",
            path,
            "fix the JSON syntax (e.g. a missing comma or quote).",
        ) from None
    except RecursionError:
        raise SidecarError(
            "this JSON sidecar is nested too deeply to be a sidecar.",
            path,
            'write the keys as one flat object: {"EchoTime": 0.005, ...}.',
        ) from None
    if not isinstance(content, dict):
        raise SidecarError(
            "this JSON sidecar cannot be read (not a JSON object).",
            path,
            'write the keys as one object: {"EchoTime": 0.005, ...}.',
        )
    return content


@dataclass(eq=False)
class ImageFile:
    """One image file with its BIDS entities and (optional) JSON sidecar."""

    path: Path
    entities: dict[str, str]
    suffix: str
    sidecar: Path | None = None

    @cached_property
    def metadata(self) -> dict[str, Any]:
        """The JSON sidecar's content (empty when there is none); read once.

        Raises
        ------
        SidecarError
            When the sidecar is unreadable, not JSON, or not a JSON object.
        """
        if self.sidecar is None or not os.path.lexists(self.sidecar):
            return {}
        return read_sidecar(self.sidecar)

    @cached_property
    def header(self):
        """The NIfTI header (reads the header only, never voxel data).

        Raises
        ------
        FerretError
            When the file is not a readable NIfTI image (see :mod:`processing.fileio.nifti_check`).
        """
        from processing.fileio.nifti_check import read_verified_header

        return read_verified_header(self.path)

    @property
    def echo(self) -> int | None:
        """Echo index (1-based) from the ``echo-`` entity, if any."""
        return int(self.entities["echo"]) if "echo" in self.entities else None


@dataclass(eq=False)
class Acquisition:
    """All files of one acquisition of a visit, ordered (by echo, inversion, part)."""

    kind: str
    files: list[ImageFile]
    bval: Path | None = None
    bvec: Path | None = None
    echoes_in_volumes: bool = False
    """True when all echoes are volumes of one 4D file per part (EchoTime is then a list)."""

    def part(self, part: str) -> list[ImageFile]:
        """Files of one ``part-`` (``mag`` or ``phase``), in echo order."""
        return [f for f in self.files if f.entities.get("part", "mag") == part]

    @property
    def echo_times(self) -> list[float | None]:
        """EchoTime in seconds of each echo (None where missing)."""
        if self.echoes_in_volumes:
            mags = self.part("mag") or self.files
            values = mags[0].metadata.get("EchoTime") if mags else None
            return list(values) if isinstance(values, list) else [values]
        return [f.metadata.get("EchoTime") for f in self.part("mag")]


@dataclass(eq=False)
class Visit:
    """One session (monthly visit) of a participant."""

    participant: str
    session: str
    path: Path
    study_root: Path
    date: _dt.datetime | None = None
    weeks_since_baseline: float | None = None
    acquisitions: dict[str, Acquisition] = field(default_factory=dict)
    derived: dict[str, Path] = field(default_factory=dict)
    """Existing Ferret derivatives of this visit: name as given to :meth:`derivative` -> path."""

    @property
    def prefix(self) -> str:
        """``sub-XX_ses-YY``: the start of every file name of this visit."""
        return f"{self.participant}_{self.session}"

    def derivative(self, name: str, datatype: str = "anat") -> Path:
        """Path of a Ferret derivative of this visit.

        ``visit.derivative("R2starmap.nii.gz")`` ->
        ``<study>/derivatives/ferret/sub-XX/ses-YY/anat/sub-XX_ses-YY_R2starmap.nii.gz``.
        """
        return (
            self.study_root
            / "derivatives"
            / DERIVATIVES_DIRNAME
            / self.participant
            / self.session
            / datatype
            / f"{self.prefix}_{name}"
        )


@dataclass(eq=False)
class Participant:
    """A participant and their visits in chronological order."""

    label: str
    visits: list[Visit] = field(default_factory=list)
    derived: dict[str, Path] = field(default_factory=dict)
    """Ferret derivatives of the participant outside any visit folder: relative path -> path."""

    def visit(self, session: str) -> Visit:
        """Return the visit with session label ``ses-YY`` (KeyError if absent)."""
        for visit in self.visits:
            if visit.session == session:
                return visit
        raise KeyError(session)


@dataclass(eq=False)
class Study:
    """A BIDS study. ``participants_table`` holds participants.tsv rows.

    Blinded columns are included.
    """

    root: Path
    participants: dict[str, Participant] = field(default_factory=dict)
    participants_table: list[dict[str, str]] = field(default_factory=list)
    name: str = ""

    @property
    def derivatives(self) -> Path:
        """``<study>/derivatives/ferret``: where computed outputs go."""
        return self.root / "derivatives" / DERIVATIVES_DIRNAME

    @property
    def annotations(self) -> Path:
        """``<study>/derivatives/ferret-annotations``: raters' work."""
        return self.root / "derivatives" / ANNOTATIONS_DIRNAME

    @property
    def listed_without_folder(self) -> list[str]:
        """participant_id values of participants.tsv that have no participant folder.

        They have nothing to process.
        """
        listed = [str(row.get("participant_id") or "") for row in self.participants_table]
        return [label for label in listed if label and label not in self.participants]

    def participant(self, label: str) -> Participant:
        """Return the participant ``sub-XX`` (KeyError if absent)."""
        return self.participants[label]
