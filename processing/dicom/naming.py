"""Naming every converted series with dcm2bids's matching rules.

dcm2bids's own command runs dcm2niix itself and moves files straight into
the study; Ferret needs the plan first (for ``--dry-run``, and to convert into
a temporary folder and move the visit in at once), so it uses dcm2bids's
Python API on the scan pass's sidecars: :class:`dcm2bids.sidecar.SidecarPairing`
matches each sidecar against the configuration's criteria and fills entities
from the extractors, :class:`dcm2bids.acquisition.Acquisition` builds the BIDS
name in the entity order of the BIDS schema, and ``find_runs`` adds ``run-``
to repeated names. A sidecar that matches no description, several, or lacks a
field an entity needs (``PhaseEncodingDirection`` for ``dir``) is skipped with
the reason; a multi-echo image without ``EchoNumber`` is echo 1 (dcm2niix
leaves the key out for the first echo of a single-echo series, as in a Siemens
export of one series per echo; :data:`FIRST_ECHO`).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from processing.dicom.dcm2niix_run import Series


@dataclass(frozen=True)
class Placement:
    """Where one converted image goes.

    Attributes
    ----------
    series : Series
        The converted image.
    destination : str
        Path relative to the visit folder, without extension, e.g.
        ``anat/sub-01_ses-01_echo-2_part-phase_MEGRE``.
    description : dict
        The configuration's description that matched.
    """

    series: Series
    destination: str
    description: dict[str, Any]

    @property
    def matched_by(self) -> str:
        """The description's ``id``, else ``datatype/suffix``."""
        d = self.description
        return str(d.get("id") or f"{d['datatype']}/{d['suffix']}")


@dataclass(frozen=True)
class Skip:
    """A converted image that is not placed, and why."""

    series: Series
    reason: str


@dataclass
class Plan:
    """Placements and skips of one visit."""

    placements: list[Placement] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


def plan_visit(
    scan_dir: Path, series: list[Series], config: dict[str, Any], participant: str, session: str
) -> Plan:
    """Match every series to the configuration and name it.

    Parameters
    ----------
    scan_dir : Path
        The folder holding the series' sidecars (``<stem>.json``).
    series : list of Series
        What dcm2niix found.
    config : dict
        A checked configuration (:func:`processing.dicom.config.load_config`).
    participant, session : str
        ``sub-XX`` and ``ses-YY``.

    Returns
    -------
    Plan
    """
    offline_dcm2bids()
    from dcm2bids.acquisition import Acquisition
    from dcm2bids.participant import Participant
    from dcm2bids.sidecar import Sidecar, SidecarPairing

    quiet = logging.getLogger("dcm2bids")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # dcm2bids logs every pairing and reordering at INFO/WARNING
    try:
        by_stem = {s.stem: s for s in series}
        sidecars = [Sidecar(str(scan_dir / f"{s.stem}.json")) for s in series]
        pairing = SidecarPairing(
            sidecars,
            copy.deepcopy(config["descriptions"]),
            extractors=config.get("extractors", {}),
            search_method=config.get("search_method", "fnmatch"),
            case_sensitive=config.get("case_sensitive", True),
            dup_method=config.get("dup_method", "run"),
        )
        who = Participant(participant, session)
        plan = Plan()
        acquisitions = []
        for sidecar, matches in pairing.build_graph().items():
            one = by_stem[Path(sidecar.root).name]
            if not matches:
                plan.skipped.append(Skip(one, _no_match_reason(one)))
                continue
            if len(matches) > 1:
                names = ", ".join(_name(d) for d in matches)
                reason = f"matches several descriptions ({names}): make their criteria exclusive"
                plan.skipped.append(Skip(one, reason))
                continue
            description = copy.deepcopy(matches[0])
            if "echo" in wanted_entities(description):
                sidecar.data.setdefault("EchoNumber", FIRST_ECHO)
            filled, sidecar = pairing.searchDcmTagEntity(sidecar, copy.deepcopy(description))
            acquisition = Acquisition(who, src_sidecar=sidecar, **filled)
            acquisition.setDstFile()
            lacking = _unfilled_entities(description, acquisition.dstFile)
            if lacking:
                plan.skipped.append(Skip(one, lacking))
                continue
            acquisitions.append((acquisition, one, description))
        pairing.acquisitions = [a for a, _, _ in acquisitions]
        pairing.find_runs()
        for acquisition, one, description in acquisitions:
            destination = f"{acquisition.datatype}/{acquisition.dstFile}"
            plan.placements.append(Placement(one, destination, description))
    finally:
        quiet.setLevel(level)
    return plan


def offline_dcm2bids() -> None:
    """Keep dcm2bids off the network: use its bundled BIDS schema, no version check.

    Importing ``dcm2bids.utils.utils`` otherwise sends a request to
    api.github.com (3 s timeout, a warning when offline) to look for a newer
    BIDS schema; Ferret uses the schema shipped in the wheel, as dcm2bids does
    when it finds no network.
    """
    import dcm2bids.utils.tools as tools

    tools.has_internet = lambda timeout=3: False


def _name(description: dict[str, Any]) -> str:
    return str(description.get("id") or f"{description['datatype']}/{description['suffix']}")


def _no_match_reason(series: Series) -> str:
    data = series.sidecar
    image_type = data.get("ImageType", [])
    derived = isinstance(image_type, list) and image_type[:1] == ["DERIVED"]
    what = "a scanner-derived image; " if derived else ""
    return (
        f"{what}no description of the configuration matches it "
        f"(SeriesDescription {data.get('SeriesDescription', '')!r}, ImageType {image_type})"
    )


#: the echo of an image whose sidecar has no ``EchoNumber``: dcm2niix writes that key for every
#: echo of a series holding several and for any echo after the first, so an image without it
#: is the first echo (a Siemens export with one series per echo gives echo 1 without it)
FIRST_ECHO = 1


def wanted_entities(description: dict[str, Any]) -> list[str]:
    """Return the description's ``custom_entities`` as a list (dcm2bids allows one string)."""
    wanted = description.get("custom_entities", [])
    return [wanted] if isinstance(wanted, str) else list(wanted)


#: the sidecar field an entity of the shipped extractors comes from
_ENTITY_SOURCE = {"echo": "EchoNumber", "dir": "PhaseEncodingDirection"}


def _unfilled_entities(description: dict[str, Any], name: str) -> str:
    """Return why an entity asked for without value was left out of ``name`` ('' when none)."""
    wanted = wanted_entities(description)
    present = {part.split("-", 1)[0] for part in name.split("_") if "-" in part}
    lacking = [e for e in wanted if "-" not in e and e not in present]
    if not lacking:
        return ""
    fields = ", ".join(f"{e} (from {_ENTITY_SOURCE.get(e, 'an extractor')})" for e in lacking)
    return f"matches {_name(description)} but its sidecar gives no value for {fields}"
