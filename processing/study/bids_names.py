"""BIDS file names: parsing entities and suffix, and which acquisition kind a suffix is.

A BIDS name is ``sub-<label>[_<key>-<value>]..._<suffix><extension>``. Ferret
uses the suffixes of the naming table in :mod:`processing.study.model`; other
valid BIDS suffixes are recognised (so that validation can call them
"unexpected" rather than "not BIDS") but ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: suffix -> datatype folder where Ferret expects it
KIND_DATATYPE = {
    "MEGRE": "anat",
    "MP2RAGE": "anat",
    "UNIT1": "anat",
    "T1map": "anat",
    "MESE": "anat",
    "FLAIR": "anat",
    "T1w": "anat",
    "T2w": "anat",
    "dwi": "dwi",
    "epi": "fmap",
}

#: kinds whose echoes may be separate files (``echo-``) or volumes of one 4D file
MULTI_ECHO_KINDS = ("MEGRE", "MESE")

#: entities that tell files of one acquisition apart (not separate acquisitions)
WITHIN_ACQUISITION_ENTITIES = ("sub", "ses", "echo", "part", "inv")

#: entities that would separate two acquisitions of the same kind in one visit
GROUPING_ENTITIES = ("task", "acq", "ce", "rec", "dir", "run", "mt", "flip")

IMAGE_EXTENSIONS = (".nii.gz", ".nii")
COMPANION_EXTENSIONS = (".json", ".bval", ".bvec")

_NAME = re.compile(
    r"^(?P<entities>sub-[A-Za-z0-9]+(?:_[a-z]+-[A-Za-z0-9]+)*)_(?P<suffix>[A-Za-z0-9]+)"
    r"(?P<ext>\.nii\.gz|\.nii|\.json|\.bval|\.bvec|\.tsv)$"
)

#: valid BIDS suffixes that Ferret does not use (reported as unexpected, not as bad names)
OTHER_BIDS_SUFFIXES = frozenset(
    {
        "PDw",
        "T2starw",
        "inplaneT1",
        "inplaneT2",
        "PDT2",
        "angio",
        "T2star",
        "FLASH",
        "PD",
        "T1rho",
        "T2map",
        "T2starmap",
        "R1map",
        "R2map",
        "R2starmap",
        "PDmap",
        "MTRmap",
        "MTsat",
        "VFA",
        "IRT1",
        "MPM",
        "MTS",
        "MTR",
        "defacemask",
        "bold",
        "cbv",
        "sbref",
        "phase",
        "magnitude",
        "magnitude1",
        "magnitude2",
        "phasediff",
        "phase1",
        "phase2",
        "fieldmap",
        "events",
        "physio",
        "stim",
        "asl",
        "m0scan",
        "aslcontext",
        "TB1map",
        "RB1map",
        "scans",
        "sessions",
        "TB1EPI",
        "TB1AFI",
        "TB1TFL",
        "TB1RFM",
        "TB1SRGE",
        "RB1COR",
    }
)


@dataclass(frozen=True)
class BidsName:
    """The parts of a BIDS file name."""

    entities: dict[str, str]
    suffix: str
    extension: str

    @property
    def kind(self) -> str | None:
        """The acquisition kind of the naming table, or None for a suffix Ferret does not use."""
        return self.suffix if self.suffix in KIND_DATATYPE else None

    @property
    def stem(self) -> str:
        """The name without extension."""
        parts = [f"{k}-{v}" for k, v in self.entities.items()]
        return "_".join(parts + [self.suffix])

    def group_key(self) -> tuple[tuple[str, str], ...]:
        """Return the entities that separate acquisitions of the same kind (run, acq, dir...)."""
        skip = WITHIN_ACQUISITION_ENTITIES + (("dir",) if self.suffix == "epi" else ())
        return tuple((k, v) for k, v in self.entities.items() if k not in skip)


def parse_name(name: str) -> BidsName | None:
    """Parse a BIDS file name; None when it is not one.

    Examples
    --------
    >>> n = parse_name("sub-01_ses-02_echo-3_part-phase_MEGRE.nii.gz")
    >>> n.entities["echo"], n.entities["part"], n.suffix, n.extension
    ('3', 'phase', 'MEGRE', '.nii.gz')
    >>> parse_name("scan 3.nii.gz") is None
    True
    """
    match = _NAME.match(name)
    if match is None:
        return None
    entities = dict(pair.split("-", 1) for pair in match["entities"].split("_"))
    return BidsName(entities, match["suffix"], match["ext"])


_LABEL = re.compile(r"^[A-Za-z0-9]+$")


def is_valid_label(text: str, prefix: str) -> bool:
    """Return True for ``<prefix>-<alphanumeric label>``, e.g. ``sub-01`` (never ``sub-../x`` or ``sub-a_b``).

    >>> is_valid_label("sub-01", "sub"), is_valid_label("ses-../../x", "ses")
    (True, False)
    """
    head, dash, label = text.partition("-")
    return head == prefix and dash == "-" and bool(_LABEL.match(label))


def is_ignored(name: str) -> bool:
    """Return True for names discovery and validation skip.

    Dotfiles and atomic-write temporaries.
    """
    return name.startswith(".") or ".part" in name


def image_stem(name: str) -> str:
    """``a.nii.gz`` -> ``a``; ``a.nii`` -> ``a``; other names unchanged but for the last suffix."""
    for ext in IMAGE_EXTENSIONS + COMPANION_EXTENSIONS + (".tsv",):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def natural_key(label: str) -> tuple:
    """Sort key that puts ``ses-2`` before ``ses-10``."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", label))
